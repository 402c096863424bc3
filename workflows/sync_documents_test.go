package workflows_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/documentpages"
	"github.com/xecm-bridge/xecm-bridge/activities/documentsources"
	"github.com/xecm-bridge/xecm-bridge/documentpage"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

var (
	docSrc   *documentsources.DocumentSourceActivities
	docPages *documentpages.DocumentPageActivities
)

// documentQueues is the task queue each document activity must run on:
// OTCS reads and writes on the OpenText queue, pages on the Confluence one.
var documentQueues = map[string]string{
	"ChangedDocuments":    activities.OpenTextTaskQueue,
	"DescribeDocuments":   activities.OpenTextTaskQueue,
	"WriteBackLinks":      activities.OpenTextTaskQueue,
	"EnsureWorkspaceLink": activities.OpenTextTaskQueue,
	"UpsertDocumentPages": activities.ConfluenceTaskQueue,
	"UnseenDocuments":     activities.ConfluenceTaskQueue,
	"ConfirmAbsence":      activities.OpenTextTaskQueue,
	"ArchiveMissing":      activities.ConfluenceTaskQueue,
	"EnsureWorkspacePage": activities.ConfluenceTaskQueue,
	"ReadReferences":      activities.ConfluenceTaskQueue,
	"RecordReferences":    activities.ConfluenceTaskQueue,
	"DocumentPageNode":    activities.ConfluenceTaskQueue,
	"PublishTemplates":    activities.ConfluenceTaskQueue,
	"TemplateCopyNode":    activities.ConfluenceTaskQueue,
}

// documentsEnv is a test environment for the document workflows. The
// returned trace lists every activity started, in order (retries
// included), and each start is checked against documentQueues.
func documentsEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *[]string) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(docSrc)
	env.RegisterActivity(docPages)
	env.RegisterWorkflow(workflows.SyncDocuments)
	env.RegisterWorkflow(workflows.SyncReferences)
	env.RegisterWorkflow(workflows.RefreshDocumentPage)
	env.RegisterActivity(tplActs)
	env.RegisterWorkflow(workflows.SyncTemplates)
	env.RegisterWorkflow(workflows.SyncLease)
	// An activity without a mock runs on a nil struct and is retried;
	// keep such a failure short.
	env.SetTestTimeout(20 * time.Second)
	var mu sync.Mutex
	var trace []string
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		mu.Lock()
		defer mu.Unlock()
		name := info.ActivityType.Name
		trace = append(trace, name)
		if q, ok := documentQueues[name]; !ok {
			t.Errorf("unexpected activity %s", name)
		} else if info.TaskQueue != q {
			t.Errorf("activity %s ran on queue %q, want %q", name, info.TaskQueue, q)
		}
	})
	t.Cleanup(func() { env.AssertExpectations(t) })
	return env, &trace
}

var (
	syncT0      = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	policiesCur = activities.WatchCursor{At: syncT0, IDs: []int64{2101}}
	contractCur = activities.WatchCursor{At: syncT0.Add(time.Hour), IDs: []int64{2201, 2202}}
)

func hubDoc(watch string, node int64, docType string) activities.DocumentState {
	return activities.DocumentState{Watch: watch, Doc: documentpage.Document{NodeID: node, Name: "Doc " + itoa(int(node)), Type: docType, Hub: watch}}
}

func connectedDoc(watch string, node int64, docType string) activities.DocumentState {
	d := hubDoc(watch, node, docType)
	d.Connected = true
	return d
}

// feedBy answers ChangedDocuments from a table keyed by (watch, page) and
// records every input.
func feedBy(t *testing.T, pages map[[2]int]*activities.ChangedDocumentsResult, got *[]activities.ChangedDocumentsInput) func(context.Context, activities.ChangedDocumentsInput) (*activities.ChangedDocumentsResult, error) {
	return func(_ context.Context, in activities.ChangedDocumentsInput) (*activities.ChangedDocumentsResult, error) {
		*got = append(*got, in)
		res, ok := pages[[2]int{in.Watch, in.Page}]
		if !ok {
			t.Errorf("ChangedDocuments asked for watch %d page %d", in.Watch, in.Page)
			return nil, temporal.NewNonRetryableApplicationError("no such page", "Test", nil)
		}
		return res, nil
	}
}

// A first run has no cursors: it is a full sweep over every watch, pages
// through each until the feed is done, archives what a finished watch no
// longer holds, and writes back links only where OTCS lacks the page URL.
func TestSyncDocumentsFirstRunIsFullSweep(t *testing.T) {
	env, trace := documentsEnv(t)

	batch1 := []activities.DocumentState{hubDoc("Policies", 2101, "Policy"), hubDoc("Policies", 2102, "Policy")}
	batch2 := []activities.DocumentState{hubDoc("Policies", 2103, "Policy"), hubDoc("Policies", 2104, "Policy")}
	var feedIn []activities.ChangedDocumentsInput
	env.OnActivity(docSrc.ChangedDocuments, mock.Anything, mock.Anything).Return(feedBy(t, map[[2]int]*activities.ChangedDocumentsResult{
		{0, 1}: {Docs: batch1, Seen: []int64{2101, 2102}, Watch: 0, Page: 2, Requests: 3,
			Cursors: map[string]activities.WatchCursor{"Policies": policiesCur}},
		{0, 2}: {Docs: batch2, Seen: []int64{2103, 2104}, Watch: 1, Page: 1, Requests: 3, FinishedWatch: "Policies",
			Cursors: map[string]activities.WatchCursor{"Policies": policiesCur}},
		// The second watch is empty: nothing to upsert, only its archive pass.
		{1, 1}: {Watch: 2, Page: 1, Requests: 1, FinishedWatch: "Contracts", Done: true,
			Cursors: map[string]activities.WatchCursor{"Policies": policiesCur, "Contracts": contractCur}},
	}, &feedIn)).Times(3)

	created := activities.UpsertedPage{NodeID: 2101, PageID: "9001", URL: "https://conf.example/pages/9001", Created: true, BackLink: ""}
	stale := activities.UpsertedPage{NodeID: 2102, PageID: "9002", URL: "https://conf.example/pages/9002", Changed: true, BackLink: "https://conf.example/pages/old"}
	linked := activities.UpsertedPage{NodeID: 2103, PageID: "9003", URL: "https://conf.example/pages/9003", Changed: true, Restored: true, Flagged: true, BackLink: "https://conf.example/pages/9003"}
	skipped := activities.UpsertedPage{NodeID: 2104, Skipped: "nothing approved yet"}
	env.OnActivity(docPages.UpsertDocumentPages, mock.Anything, activities.UpsertInput{Docs: batch1}).
		Return(&activities.UpsertResult{Pages: []activities.UpsertedPage{created, stale}}, nil).Once()
	env.OnActivity(docPages.UpsertDocumentPages, mock.Anything, activities.UpsertInput{Docs: batch2}).
		Return(&activities.UpsertResult{Pages: []activities.UpsertedPage{linked, skipped}}, nil).Once()
	// Only the first batch has pages whose URL OTCS does not hold yet.
	env.OnActivity(docSrc.WriteBackLinks, mock.Anything, activities.BackLinkInput{Links: []activities.UpsertedPage{created, stale}}).
		Return(&activities.BackLinkResult{Written: 1, KeptInConfluence: []int64{2102}}, nil).Once()

	// The sweep's listing missed two pages' documents of Policies: OTCS
	// says 2060 is still there (it is brought up to date, not archived)
	// and 2050 is gone (archived).
	var missing []activities.MissingInput
	env.OnActivity(docPages.UnseenDocuments, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		missing = append(missing, args.Get(1).(activities.MissingInput))
	}).Return(func(_ context.Context, in activities.MissingInput) ([]int64, error) {
		if in.Watch == "Policies" {
			return []int64{2050, 2060}, nil
		}
		return []int64{}, nil
	}).Times(2)
	live := hubDoc("Policies", 2060, "Policy")
	gone := activities.GoneDocument{NodeID: 2050, Note: activities.GoneDeleted}
	env.OnActivity(docSrc.ConfirmAbsence, mock.Anything, activities.AbsenceInput{Watch: "Policies", NodeIDs: []int64{2050, 2060}}).
		Return(&activities.AbsenceResult{Present: []activities.DocumentState{live}, Gone: []activities.GoneDocument{gone}, Requests: 2}, nil).Once()
	relinked := activities.UpsertedPage{NodeID: 2060, PageID: "9060", URL: "https://conf.example/pages/9060", Changed: true, BackLink: "https://conf.example/pages/9060"}
	env.OnActivity(docPages.UpsertDocumentPages, mock.Anything, activities.UpsertInput{Docs: []activities.DocumentState{live}}).
		Return(&activities.UpsertResult{Pages: []activities.UpsertedPage{relinked}}, nil).Once()
	env.OnActivity(docPages.ArchiveMissing, mock.Anything, activities.ArchiveInput{Watch: "Policies", Gone: []activities.GoneDocument{gone}}).
		Return(&activities.UpsertResult{Pages: []activities.UpsertedPage{{NodeID: 2050, PageID: "9050", Archived: true, Locked: true}}}, nil).Once()

	env.ExecuteWorkflow(workflows.SyncDocuments, workflows.SyncDocumentsInput{})
	st := resultOf[workflows.SyncState](t, env)

	require.Equal(t, []string{
		"ChangedDocuments", "UpsertDocumentPages", "WriteBackLinks",
		"ChangedDocuments", "UpsertDocumentPages", "UnseenDocuments", "ConfirmAbsence", "UpsertDocumentPages", "ArchiveMissing",
		"ChangedDocuments", "UnseenDocuments",
	}, *trace)

	require.Len(t, feedIn, 3)
	for _, in := range feedIn {
		require.True(t, in.Full, "a first run is a full sweep")
	}
	require.Empty(t, feedIn[0].Cursors)
	require.Equal(t, [2]int{0, 1}, [2]int{feedIn[0].Watch, feedIn[0].Page})
	require.Equal(t, [2]int{0, 2}, [2]int{feedIn[1].Watch, feedIn[1].Page})
	require.Equal(t, map[string]activities.WatchCursor{"Policies": policiesCur}, feedIn[1].Cursors)
	require.Equal(t, [2]int{1, 1}, [2]int{feedIn[2].Watch, feedIn[2].Page})

	require.Len(t, missing, 2)
	require.Equal(t, "Policies", missing[0].Watch)
	require.Equal(t, []int64{2101, 2102, 2103, 2104}, missing[0].Seen, "Seen accumulates over the pages of a watch")
	require.Equal(t, "Contracts", missing[1].Watch)
	require.Empty(t, missing[1].Seen, "Seen starts afresh for each watch")

	require.Equal(t, map[string]activities.WatchCursor{"Policies": policiesCur, "Contracts": contractCur}, st.Cursors)
	require.Equal(t, 1, st.Runs)
	require.True(t, st.Full)
	require.Zero(t, st.Watch)
	require.Zero(t, st.Page)
	require.Empty(t, st.Seen)
	require.Empty(t, st.Linked)
	require.Equal(t, workflows.SyncTotals{
		Documents:    5,
		Created:      1,
		Changed:      3,
		Restored:     1,
		Flagged:      1,
		Archived:     1,
		Unseen:       1,
		Skipped:      1,
		BackLinks:    1,
		KeptInConfl:  1,
		OTCSRequests: 9,
	}, st.Totals)
}

// An unchanged hub: one feed page, no documents, no Confluence work.
func TestSyncDocumentsNothingChanged(t *testing.T) {
	env, trace := documentsEnv(t)
	cursors := map[string]activities.WatchCursor{"Policies": policiesCur}
	env.OnActivity(docSrc.ChangedDocuments, mock.Anything, activities.ChangedDocumentsInput{Cursors: cursors, Watch: 0, Page: 1}).
		Return(&activities.ChangedDocumentsResult{Cursors: cursors, Done: true, Watch: 1, Page: 1, Requests: 1}, nil).Once()
	env.ExecuteWorkflow(workflows.SyncDocuments, workflows.SyncDocumentsInput{From: &workflows.SyncState{Runs: 4, Cursors: cursors}})
	st := resultOf[workflows.SyncState](t, env)
	require.Equal(t, []string{"ChangedDocuments"}, *trace)
	require.Equal(t, 5, st.Runs)
	require.False(t, st.Full)
	require.Equal(t, cursors, st.Cursors)
	require.Equal(t, workflows.SyncTotals{OTCSRequests: 1}, st.Totals)
}

// FullEvery makes every Nth run a full sweep, counted from the previous
// result; Full forces one. Totals start afresh, cursors and links carry on.
func TestSyncDocumentsFullEvery(t *testing.T) {
	cases := []struct {
		name      string
		full      bool
		fullEvery int
		want      bool
	}{
		{"second run of FullEvery 2", false, 2, true},
		{"FullEvery 0 never", false, 0, false},
		{"second run of FullEvery 3", false, 3, false},
		{"Full forces a sweep", true, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env, trace := documentsEnv(t)
			from := &workflows.SyncState{
				Runs:    1,
				Cursors: map[string]activities.WatchCursor{"Policies": policiesCur},
				Linked:  []string{"Project Apollo"},
				Totals:  workflows.SyncTotals{Created: 9, OTCSRequests: 40},
			}
			var feedIn []activities.ChangedDocumentsInput
			env.OnActivity(docSrc.ChangedDocuments, mock.Anything, mock.Anything).Return(feedBy(t, map[[2]int]*activities.ChangedDocumentsResult{
				{0, 1}: {Done: true, Watch: 1, Page: 1, Requests: 1, Cursors: map[string]activities.WatchCursor{"Policies": policiesCur, "Contracts": contractCur}},
			}, &feedIn)).Once()
			env.ExecuteWorkflow(workflows.SyncDocuments, workflows.SyncDocumentsInput{Full: tc.full, FullEvery: tc.fullEvery, From: from})
			st := resultOf[workflows.SyncState](t, env)
			require.Equal(t, []string{"ChangedDocuments"}, *trace)
			require.Len(t, feedIn, 1)
			require.Equal(t, tc.want, feedIn[0].Full)
			require.Equal(t, from.Cursors, feedIn[0].Cursors, "the run starts from the previous cursors")
			require.Equal(t, 2, st.Runs)
			require.Equal(t, tc.want, st.Full)
			require.Equal(t, []string{"Project Apollo"}, st.Linked)
			require.Equal(t, workflows.SyncTotals{OTCSRequests: 1}, st.Totals)
			require.Equal(t, map[string]activities.WatchCursor{"Policies": policiesCur, "Contracts": contractCur}, st.Cursors)
		})
	}
}

// A scheduled run starts from the Schedule's last completion result.
func TestSyncDocumentsStartsFromLastCompletionResult(t *testing.T) {
	env, _ := documentsEnv(t)
	prev := workflows.SyncState{Runs: 3, Cursors: map[string]activities.WatchCursor{"Policies": policiesCur}}
	env.SetLastCompletionResult(prev)
	var feedIn []activities.ChangedDocumentsInput
	env.OnActivity(docSrc.ChangedDocuments, mock.Anything, mock.Anything).Return(feedBy(t, map[[2]int]*activities.ChangedDocumentsResult{
		{0, 1}: {Done: true, Watch: 1, Page: 1, Requests: 1, Cursors: prev.Cursors},
	}, &feedIn)).Once()
	env.ExecuteWorkflow(workflows.SyncDocuments, workflows.SyncDocumentsInput{FullEvery: 4})
	st := resultOf[workflows.SyncState](t, env)
	require.Len(t, feedIn, 1)
	require.True(t, feedIn[0].Full, "run 4 of FullEvery 4")
	require.Equal(t, prev.Cursors, feedIn[0].Cursors)
	require.Equal(t, 4, st.Runs)
}

// Documents of a connected watch keep its "Workspace documents" page with
// the batch's distinct document types; the workspace is linked back to
// its space once per run, not for each batch.
func TestSyncDocumentsConnectedWatch(t *testing.T) {
	env, trace := documentsEnv(t)
	const apollo = "Project Apollo"
	const spaceURL = "https://conf.example/spaces/APOLLO"
	batch1 := []activities.DocumentState{
		connectedDoc(apollo, 3101, "Contract"),
		connectedDoc(apollo, 3102, "Minutes"),
		connectedDoc(apollo, 3103, "Contract"),
		hubDoc("Policies", 2101, "Policy"), // not connected: no workspace page
		connectedDoc(apollo, 3104, ""),     // no type: no section
	}
	batch2 := []activities.DocumentState{connectedDoc(apollo, 3105, "Report"), connectedDoc(apollo, 3106, "Minutes")}
	cursors := map[string]activities.WatchCursor{apollo: contractCur}
	var feedIn []activities.ChangedDocumentsInput
	env.OnActivity(docSrc.ChangedDocuments, mock.Anything, mock.Anything).Return(feedBy(t, map[[2]int]*activities.ChangedDocumentsResult{
		{0, 1}: {Docs: batch1, Watch: 0, Page: 2, Requests: 6, Cursors: cursors},
		{0, 2}: {Docs: batch2, Watch: 1, Page: 1, Requests: 3, Cursors: cursors, Done: true},
	}, &feedIn)).Times(2)
	// Pages already hold their back link: no WriteBackLinks.
	env.OnActivity(docPages.UpsertDocumentPages, mock.Anything, mock.Anything).
		Return(&activities.UpsertResult{Pages: []activities.UpsertedPage{{NodeID: 3101, URL: "https://conf.example/pages/1", BackLink: "https://conf.example/pages/1", Changed: true}}}, nil).Twice()
	env.OnActivity(docPages.EnsureWorkspacePage, mock.Anything, activities.WorkspacePageInput{Watch: apollo, Types: []string{"Contract", "Minutes"}}).
		Return(&activities.WorkspacePageResult{PageID: "9900", SpaceURL: spaceURL, Changed: true}, nil).Once()
	env.OnActivity(docPages.EnsureWorkspacePage, mock.Anything, activities.WorkspacePageInput{Watch: apollo, Types: []string{"Report", "Minutes"}}).
		Return(&activities.WorkspacePageResult{PageID: "9900", SpaceURL: spaceURL}, nil).Once()
	env.OnActivity(docSrc.EnsureWorkspaceLink, mock.Anything, activities.WorkspaceLinkInput{Watch: apollo, SpaceURL: spaceURL}).
		Return(int64(7001), nil).Once()

	env.ExecuteWorkflow(workflows.SyncDocuments, workflows.SyncDocumentsInput{From: &workflows.SyncState{Runs: 1, Cursors: cursors}})
	st := resultOf[workflows.SyncState](t, env)
	require.Equal(t, []string{
		"ChangedDocuments", "UpsertDocumentPages", "EnsureWorkspacePage", "EnsureWorkspaceLink",
		"ChangedDocuments", "UpsertDocumentPages", "EnsureWorkspacePage",
	}, *trace)
	require.False(t, feedIn[0].Full)
	require.Equal(t, []string{apollo}, st.Linked)
	require.Equal(t, 1, st.Totals.WorkspacePages)
	require.Equal(t, 7, st.Totals.Documents)
	require.Equal(t, 2, st.Totals.Changed)
}

// A workspace linked in an earlier run is not linked again.
func TestSyncDocumentsConnectedWatchAlreadyLinked(t *testing.T) {
	env, trace := documentsEnv(t)
	const apollo = "Project Apollo"
	cursors := map[string]activities.WatchCursor{apollo: contractCur}
	env.OnActivity(docSrc.ChangedDocuments, mock.Anything, mock.Anything).
		Return(&activities.ChangedDocumentsResult{Docs: []activities.DocumentState{connectedDoc(apollo, 3101, "Contract")}, Cursors: cursors, Watch: 1, Page: 1, Done: true}, nil).Once()
	env.OnActivity(docPages.UpsertDocumentPages, mock.Anything, mock.Anything).Return(&activities.UpsertResult{}, nil).Once()
	env.OnActivity(docPages.EnsureWorkspacePage, mock.Anything, activities.WorkspacePageInput{Watch: apollo, Types: []string{"Contract"}}).
		Return(&activities.WorkspacePageResult{SpaceURL: "https://conf.example/spaces/APOLLO"}, nil).Once()
	env.ExecuteWorkflow(workflows.SyncDocuments, workflows.SyncDocumentsInput{From: &workflows.SyncState{Runs: 1, Cursors: cursors, Linked: []string{apollo}}})
	st := resultOf[workflows.SyncState](t, env)
	require.Equal(t, []string{"ChangedDocuments", "UpsertDocumentPages", "EnsureWorkspacePage"}, *trace)
	require.Equal(t, []string{apollo}, st.Linked)
	require.Zero(t, st.Totals.WorkspacePages)
}

func continueAsNewInput(t *testing.T, err error) workflows.SyncDocumentsInput {
	t.Helper()
	require.Error(t, err)
	require.True(t, workflow.IsContinueAsNewError(err), "got %v", err)
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(err, &can))
	require.Equal(t, "SyncDocuments", can.WorkflowType.Name)
	var next workflows.SyncDocumentsInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.NotNil(t, next.State)
	return next
}

// When the server suggests it, a long sweep continues as new after the
// current page, carrying its position, the documents seen so far in the
// watch and its totals; the next run resumes there without counting a
// new run, and archives with everything seen across both runs.
func TestSyncDocumentsContinuesAsNewWithState(t *testing.T) {
	env, trace := documentsEnv(t)
	env.SetContinueAsNewSuggested(true)
	batch := []activities.DocumentState{hubDoc("Policies", 2101, "Policy")}
	env.OnActivity(docSrc.ChangedDocuments, mock.Anything, activities.ChangedDocumentsInput{Cursors: map[string]activities.WatchCursor{}, Full: true, Watch: 0, Page: 1}).
		Return(&activities.ChangedDocumentsResult{Docs: batch, Seen: []int64{2101}, Watch: 0, Page: 2, Requests: 2,
			Cursors: map[string]activities.WatchCursor{"Policies": policiesCur}}, nil).Once()
	env.OnActivity(docPages.UpsertDocumentPages, mock.Anything, activities.UpsertInput{Docs: batch}).
		Return(&activities.UpsertResult{Pages: []activities.UpsertedPage{{NodeID: 2101, Created: true}}}, nil).Once()
	env.ExecuteWorkflow(workflows.SyncDocuments, workflows.SyncDocumentsInput{FullEvery: 7})
	require.True(t, env.IsWorkflowCompleted())
	next := continueAsNewInput(t, env.GetWorkflowError())
	require.Equal(t, []string{"ChangedDocuments", "UpsertDocumentPages"}, *trace)

	require.False(t, next.Full)
	require.Equal(t, 7, next.FullEvery)
	require.Nil(t, next.From)
	require.Equal(t, workflows.SyncState{
		Cursors: map[string]activities.WatchCursor{"Policies": policiesCur},
		Runs:    1,
		Full:    true,
		Watch:   0,
		Page:    2,
		Seen:    []int64{2101},
		Totals:  workflows.SyncTotals{Documents: 1, Created: 1, OTCSRequests: 2},
	}, *next.State)

	// The continued run.
	env2, trace2 := documentsEnv(t)
	env2.OnActivity(docSrc.ChangedDocuments, mock.Anything, activities.ChangedDocumentsInput{Cursors: map[string]activities.WatchCursor{"Policies": policiesCur}, Full: true, Watch: 0, Page: 2}).
		Return(&activities.ChangedDocumentsResult{Seen: []int64{2102}, Watch: 1, Page: 1, Requests: 1, FinishedWatch: "Policies", Done: true,
			Cursors: map[string]activities.WatchCursor{"Policies": policiesCur}}, nil).Once()
	env2.OnActivity(docPages.UnseenDocuments, mock.Anything, activities.MissingInput{Watch: "Policies", Seen: []int64{2101, 2102}}).
		Return([]int64{}, nil).Once()
	env2.ExecuteWorkflow(workflows.SyncDocuments, next)
	st := resultOf[workflows.SyncState](t, env2)
	require.Equal(t, []string{"ChangedDocuments", "UnseenDocuments"}, *trace2)
	require.Equal(t, 1, st.Runs, "a continued run is the same run")
	require.True(t, st.Full)
	require.Equal(t, workflows.SyncTotals{Documents: 1, Created: 1, OTCSRequests: 3}, st.Totals)
	require.Empty(t, st.Seen)
	require.Zero(t, st.Page)
}

// The run also continues as new past maxSyncEvents (2000) history events.
// The test environment does not count events itself
// (GetCurrentHistoryLength only returns what SetCurrentHistoryLength set),
// so the length is set directly.
func TestSyncDocumentsContinuesAsNewPastHistoryLimit(t *testing.T) {
	pages := func(t *testing.T) map[[2]int]*activities.ChangedDocumentsResult {
		out := map[[2]int]*activities.ChangedDocumentsResult{}
		for p := 1; p <= 5; p++ {
			out[[2]int{0, p}] = &activities.ChangedDocumentsResult{Watch: 0, Page: p + 1, Requests: 1, Cursors: map[string]activities.WatchCursor{"Policies": policiesCur}}
		}
		out[[2]int{0, 5}].Done, out[[2]int{0, 5}].Watch, out[[2]int{0, 5}].Page = true, 1, 1
		return out
	}

	t.Run("at the limit", func(t *testing.T) {
		env, trace := documentsEnv(t)
		env.SetCurrentHistoryLength(2000)
		var feedIn []activities.ChangedDocumentsInput
		env.OnActivity(docSrc.ChangedDocuments, mock.Anything, mock.Anything).Return(feedBy(t, pages(t), &feedIn)).Times(5)
		env.ExecuteWorkflow(workflows.SyncDocuments, workflows.SyncDocumentsInput{})
		st := resultOf[workflows.SyncState](t, env)
		require.Len(t, *trace, 5)
		require.Equal(t, 5, st.Totals.OTCSRequests)
	})
	t.Run("past the limit", func(t *testing.T) {
		env, trace := documentsEnv(t)
		env.SetCurrentHistoryLength(2001)
		var feedIn []activities.ChangedDocumentsInput
		env.OnActivity(docSrc.ChangedDocuments, mock.Anything, mock.Anything).Return(feedBy(t, pages(t), &feedIn)).Once()
		env.ExecuteWorkflow(workflows.SyncDocuments, workflows.SyncDocumentsInput{})
		require.True(t, env.IsWorkflowCompleted())
		next := continueAsNewInput(t, env.GetWorkflowError())
		require.Equal(t, []string{"ChangedDocuments"}, *trace)
		require.Equal(t, 0, next.State.Watch)
		require.Equal(t, 2, next.State.Page)
		require.Equal(t, 1, next.State.Runs)
	})
	t.Run("the last page completes even when suggested", func(t *testing.T) {
		env, _ := documentsEnv(t)
		env.SetContinueAsNewSuggested(true)
		env.OnActivity(docSrc.ChangedDocuments, mock.Anything, mock.Anything).
			Return(&activities.ChangedDocumentsResult{Done: true, Watch: 1, Page: 1}, nil).Once()
		env.ExecuteWorkflow(workflows.SyncDocuments, workflows.SyncDocumentsInput{})
		st := resultOf[workflows.SyncState](t, env)
		require.Equal(t, 1, st.Runs)
	})
}

// A non-retryable activity error fails the run with its type, and nothing
// after the failing activity runs.
func TestSyncDocumentsStopsOnNonRetryableError(t *testing.T) {
	batch := []activities.DocumentState{hubDoc("Policies", 2101, "Policy")}
	feed := &activities.ChangedDocumentsResult{Docs: batch, Done: true, Watch: 1, Page: 1, FinishedWatch: "Policies", Seen: []int64{2101}}
	page := activities.UpsertedPage{NodeID: 2101, URL: "https://conf.example/pages/9001"}
	cases := []struct {
		name    string
		errType activities.ErrorType
		trace   []string
		mocks   func(env *testsuite.TestWorkflowEnvironment, err error)
	}{
		{"change feed", activities.TypeBackendRejected, []string{"ChangedDocuments"}, func(env *testsuite.TestWorkflowEnvironment, err error) {
			env.OnActivity(docSrc.ChangedDocuments, mock.Anything, mock.Anything).Return(nil, err).Once()
		}},
		{"upsert", activities.TypeNoMapping, []string{"ChangedDocuments", "UpsertDocumentPages"}, func(env *testsuite.TestWorkflowEnvironment, err error) {
			env.OnActivity(docSrc.ChangedDocuments, mock.Anything, mock.Anything).Return(feed, nil).Once()
			env.OnActivity(docPages.UpsertDocumentPages, mock.Anything, mock.Anything).Return(nil, err).Once()
		}},
		{"back links", activities.TypeNoSuchAttribute, []string{"ChangedDocuments", "UpsertDocumentPages", "WriteBackLinks"}, func(env *testsuite.TestWorkflowEnvironment, err error) {
			env.OnActivity(docSrc.ChangedDocuments, mock.Anything, mock.Anything).Return(feed, nil).Once()
			env.OnActivity(docPages.UpsertDocumentPages, mock.Anything, mock.Anything).Return(&activities.UpsertResult{Pages: []activities.UpsertedPage{page}}, nil).Once()
			env.OnActivity(docSrc.WriteBackLinks, mock.Anything, mock.Anything).Return(nil, err).Once()
		}},
		{"confirm absence", activities.TypeNoMapping, []string{"ChangedDocuments", "UpsertDocumentPages", "UnseenDocuments", "ConfirmAbsence"}, func(env *testsuite.TestWorkflowEnvironment, err error) {
			env.OnActivity(docSrc.ChangedDocuments, mock.Anything, mock.Anything).Return(feed, nil).Once()
			env.OnActivity(docPages.UpsertDocumentPages, mock.Anything, mock.Anything).Return(&activities.UpsertResult{}, nil).Once()
			env.OnActivity(docPages.UnseenDocuments, mock.Anything, mock.Anything).Return([]int64{2050}, nil).Once()
			env.OnActivity(docSrc.ConfirmAbsence, mock.Anything, mock.Anything).Return(nil, err).Once()
		}},
		{"archive", activities.TypeBackendRejected, []string{"ChangedDocuments", "UpsertDocumentPages", "UnseenDocuments", "ConfirmAbsence", "ArchiveMissing"}, func(env *testsuite.TestWorkflowEnvironment, err error) {
			env.OnActivity(docSrc.ChangedDocuments, mock.Anything, mock.Anything).Return(feed, nil).Once()
			env.OnActivity(docPages.UpsertDocumentPages, mock.Anything, mock.Anything).Return(&activities.UpsertResult{}, nil).Once()
			env.OnActivity(docPages.UnseenDocuments, mock.Anything, mock.Anything).Return([]int64{2050}, nil).Once()
			env.OnActivity(docSrc.ConfirmAbsence, mock.Anything, mock.Anything).
				Return(&activities.AbsenceResult{Gone: []activities.GoneDocument{{NodeID: 2050, Note: activities.GoneDeleted}}}, nil).Once()
			env.OnActivity(docPages.ArchiveMissing, mock.Anything, mock.Anything).Return(nil, err).Once()
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env, trace := documentsEnv(t)
			tc.mocks(env, activities.NonRetryable(tc.errType, "%s", "refused"))
			env.ExecuteWorkflow(workflows.SyncDocuments, workflows.SyncDocumentsInput{})
			require.True(t, env.IsWorkflowCompleted())
			err := env.GetWorkflowError()
			var appErr *temporal.ApplicationError
			require.True(t, errors.As(err, &appErr), "got %v", err)
			require.Equal(t, tc.errType, activities.ErrorType(appErr.Type()))
			require.False(t, workflow.IsContinueAsNewError(err))
			require.Equal(t, tc.trace, *trace)
		})
	}
}

// A backend that is down for a while is waited out.
func TestSyncDocumentsRetriesWhileBackendIsDown(t *testing.T) {
	env, trace := documentsEnv(t)
	env.OnActivity(docSrc.ChangedDocuments, mock.Anything, mock.Anything).
		Return(nil, temporal.NewApplicationError("503", string(activities.TypeBackendUnavailable))).Twice()
	env.OnActivity(docSrc.ChangedDocuments, mock.Anything, mock.Anything).
		Return(&activities.ChangedDocumentsResult{Done: true, Watch: 1, Page: 1, Requests: 1}, nil).Once()
	env.ExecuteWorkflow(workflows.SyncDocuments, workflows.SyncDocumentsInput{})
	st := resultOf[workflows.SyncState](t, env)
	require.Equal(t, []string{"ChangedDocuments", "ChangedDocuments", "ChangedDocuments"}, *trace)
	require.Equal(t, 1, st.Totals.OTCSRequests)
}
