package workflows_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/documentpage"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

func referencingScan() activities.ReferenceScan {
	return activities.ReferenceScan{
		PageID: "100001", Title: "Project Apollo kickoff", SpaceKey: "APOLLO", URL: "https://conf.example/pages/100001",
		LinkURLs: map[string]string{},
	}
}

func requireAppErr(t *testing.T, err error, errType activities.ErrorType) {
	t.Helper()
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "got %v", err)
	require.Equal(t, errType, activities.ErrorType(appErr.Type()))
}

func TestSyncReferencesRejectsInvalidPageID(t *testing.T) {
	for _, id := range []string{"", "0123", "12a4", "-5", "100001 "} {
		t.Run(id, func(t *testing.T) {
			env, trace := documentsEnv(t)
			env.ExecuteWorkflow(workflows.SyncReferences, workflows.SyncReferencesInput{PageID: id, Version: 1})
			require.True(t, env.IsWorkflowCompleted())
			requireAppErr(t, env.GetWorkflowError(), activities.TypeInvalidInput)
			require.Empty(t, *trace)
		})
	}
}

// A page the scan skips (the documents space, an unscanned space) ends the
// run with the reason and nothing else.
func TestSyncReferencesSkippedPage(t *testing.T) {
	env, trace := documentsEnv(t)
	scan := referencingScan()
	scan.Skip = "a page of the documents space"
	env.OnActivity(docPages.ReadReferences, mock.Anything, activities.ReadReferencesInput{PageID: "100001"}).Return(&scan, nil).Once()
	env.ExecuteWorkflow(workflows.SyncReferences, workflows.SyncReferencesInput{PageID: "100001", Version: 2, Add: []int64{2101}})
	res := resultOf[workflows.SyncReferencesResult](t, env)
	require.Equal(t, workflows.SyncReferencesResult{Skip: "a page of the documents space"}, res)
	require.Equal(t, []string{"ReadReferences"}, *trace)
}

// A page without links to OTCS and without references before: nothing to do.
func TestSyncReferencesNoLinks(t *testing.T) {
	env, trace := documentsEnv(t)
	scan := referencingScan()
	env.OnActivity(docPages.ReadReferences, mock.Anything, mock.Anything).Return(&scan, nil).Once()
	env.ExecuteWorkflow(workflows.SyncReferences, workflows.SyncReferencesInput{PageID: "100001", Version: 2})
	res := resultOf[workflows.SyncReferencesResult](t, env)
	require.True(t, strings.HasPrefix(res.Skip, "no links"), "skip %q", res.Skip)
	require.Empty(t, res.Refs)
	require.Equal(t, []string{"ReadReferences"}, *trace)
}

// Links and an operator's addition: the documents are described, their
// pages brought up to date, back links written where missing, and the
// references recorded on both sides.
func TestSyncReferencesRecordsLinksAndAdded(t *testing.T) {
	env, trace := documentsEnv(t)
	scan := referencingScan()
	scan.Linked = []int64{2101, 2301}
	scan.LinkURLs = map[string]string{
		"2101": "https://otcs.example/otcs/cs.exe/app/nodes/2101",
		"2301": "https://otcs.example/otcs/cs.exe?func=ll&objId=2301",
	}
	env.OnActivity(docPages.ReadReferences, mock.Anything, activities.ReadReferencesInput{PageID: "100001"}).Return(&scan, nil).Once()

	states := []activities.DocumentState{
		hubDoc("Policies", 2101, "Policy"),
		{Doc: documentpage.Document{NodeID: 2301}, Missing: activities.ReasonNotFound},
		{Doc: documentpage.Document{NodeID: 2302, Name: "Outside"}, BackLink: "https://conf.example/pages/9302"},
	}
	env.OnActivity(docSrc.DescribeDocuments, mock.Anything, activities.DescribeInput{NodeIDs: []int64{2101, 2301, 2302}}).Return(states, nil).Once()
	pages := []activities.UpsertedPage{
		{NodeID: 2101, PageID: "9101", URL: "https://conf.example/pages/9101", Created: true},
		{NodeID: 2301, Skipped: activities.ReasonNotFound},
		{NodeID: 2302, PageID: "9302", URL: "https://conf.example/pages/9302", BackLink: "https://conf.example/pages/9302"},
	}
	env.OnActivity(docPages.UpsertDocumentPages, mock.Anything, activities.UpsertInput{Docs: states}).
		Return(&activities.UpsertResult{Pages: pages}, nil).Once()
	env.OnActivity(docSrc.WriteBackLinks, mock.Anything, activities.BackLinkInput{Links: pages[:1]}).
		Return(&activities.BackLinkResult{Written: 1}, nil).Once()
	rec := activities.RecordReferencesResult{
		Refs: []activities.Reference{
			{NodeID: 2101, URL: scan.LinkURLs["2101"], Status: activities.RefAvailable, DocumentPage: "9101"},
			{NodeID: 2301, URL: scan.LinkURLs["2301"], Status: activities.RefUnavailable, Reason: activities.ReasonNotFound},
			{NodeID: 2302, Status: activities.RefAvailable, DocumentPage: "9302", Manual: true},
		},
		Added:   []int64{2101, 2302},
		Comment: true,
	}
	env.OnActivity(docPages.RecordReferences, mock.Anything, activities.RecordReferencesInput{Scan: scan, Manual: []int64{2302}, States: states, Pages: pages}).
		Return(&rec, nil).Once()

	env.ExecuteWorkflow(workflows.SyncReferences, workflows.SyncReferencesInput{PageID: "100001", Version: 4, Add: []int64{2302}})
	res := resultOf[workflows.SyncReferencesResult](t, env)
	require.Equal(t, workflows.SyncReferencesResult{RecordReferencesResult: rec}, res)
	require.Equal(t, []string{"ReadReferences", "DescribeDocuments", "UpsertDocumentPages", "WriteBackLinks", "RecordReferences"}, *trace)
}

// The union of links, kept manual references and additions is described
// once, sorted and without duplicates.
func TestSyncReferencesDescribesSortedUnion(t *testing.T) {
	env, _ := documentsEnv(t)
	scan := referencingScan()
	scan.Linked = []int64{2301, 2101}
	scan.Previous.Refs = []activities.Reference{{NodeID: 2050, Status: activities.RefAvailable, Manual: true}, {NodeID: 2101, Status: activities.RefAvailable, Manual: true}}
	env.OnActivity(docPages.ReadReferences, mock.Anything, mock.Anything).Return(&scan, nil).Once()
	env.OnActivity(docSrc.DescribeDocuments, mock.Anything, activities.DescribeInput{NodeIDs: []int64{2050, 2101, 2301, 2302}}).
		Return([]activities.DocumentState{}, nil).Once()
	env.OnActivity(docPages.UpsertDocumentPages, mock.Anything, mock.Anything).Return(&activities.UpsertResult{}, nil).Once()
	env.OnActivity(docPages.RecordReferences, mock.Anything, mock.Anything).Return(&activities.RecordReferencesResult{}, nil).Once()
	env.ExecuteWorkflow(workflows.SyncReferences, workflows.SyncReferencesInput{PageID: "100001", Add: []int64{2302, 2301, 2302}})
	resultOf[workflows.SyncReferencesResult](t, env)
}

// A manual reference from before is kept when the page has no links: it
// is still wanted, so its document is described and recorded again.
func TestSyncReferencesKeepsPreviousManualReference(t *testing.T) {
	env, trace := documentsEnv(t)
	scan := referencingScan()
	scan.Previous.Refs = []activities.Reference{
		{NodeID: 2050, Status: activities.RefAvailable, DocumentPage: "9050", Manual: true},
		{NodeID: 2060, URL: "https://otcs.example/otcs/cs.exe/app/nodes/2060", Status: activities.RefAvailable, DocumentPage: "9060"},
	}
	env.OnActivity(docPages.ReadReferences, mock.Anything, mock.Anything).Return(&scan, nil).Once()
	states := []activities.DocumentState{hubDoc("Policies", 2050, "Policy")}
	env.OnActivity(docSrc.DescribeDocuments, mock.Anything, activities.DescribeInput{NodeIDs: []int64{2050}}).Return(states, nil).Once()
	pages := []activities.UpsertedPage{{NodeID: 2050, PageID: "9050", URL: "https://conf.example/pages/9050", BackLink: "https://conf.example/pages/9050"}}
	env.OnActivity(docPages.UpsertDocumentPages, mock.Anything, activities.UpsertInput{Docs: states}).Return(&activities.UpsertResult{Pages: pages}, nil).Once()
	rec := activities.RecordReferencesResult{
		Refs:    []activities.Reference{{NodeID: 2050, Status: activities.RefAvailable, DocumentPage: "9050", Manual: true}},
		Removed: []int64{2060},
	}
	env.OnActivity(docPages.RecordReferences, mock.Anything, activities.RecordReferencesInput{Scan: scan, States: states, Pages: pages}).Return(&rec, nil).Once()
	env.ExecuteWorkflow(workflows.SyncReferences, workflows.SyncReferencesInput{PageID: "100001", Version: 5})
	res := resultOf[workflows.SyncReferencesResult](t, env)
	require.Empty(t, res.Skip)
	require.Equal(t, rec, res.RecordReferencesResult)
	require.Equal(t, []string{"ReadReferences", "DescribeDocuments", "UpsertDocumentPages", "RecordReferences"}, *trace)
}

// Every link removed from a page that had references: nothing to describe,
// but the references are recorded (as none) so both sides lose them.
func TestSyncReferencesAllLinksRemoved(t *testing.T) {
	env, trace := documentsEnv(t)
	scan := referencingScan()
	scan.Previous.Refs = []activities.Reference{{NodeID: 2060, Status: activities.RefAvailable, DocumentPage: "9060"}}
	env.OnActivity(docPages.ReadReferences, mock.Anything, mock.Anything).Return(&scan, nil).Once()
	var got activities.RecordReferencesInput
	env.OnActivity(docPages.RecordReferences, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		got = args.Get(1).(activities.RecordReferencesInput)
	}).Return(&activities.RecordReferencesResult{Removed: []int64{2060}}, nil).Once()
	env.ExecuteWorkflow(workflows.SyncReferences, workflows.SyncReferencesInput{PageID: "100001", Version: 6})
	res := resultOf[workflows.SyncReferencesResult](t, env)
	require.Equal(t, []int64{2060}, res.Removed)
	require.Equal(t, []string{"ReadReferences", "RecordReferences"}, *trace)
	require.Equal(t, scan, got.Scan)
	require.Empty(t, got.States)
	require.Empty(t, got.Pages)
	require.Empty(t, got.Manual)
}

func TestSyncReferencesStopsOnNonRetryableError(t *testing.T) {
	env, trace := documentsEnv(t)
	scan := referencingScan()
	scan.Linked = []int64{2101}
	env.OnActivity(docPages.ReadReferences, mock.Anything, mock.Anything).Return(&scan, nil).Once()
	env.OnActivity(docSrc.DescribeDocuments, mock.Anything, mock.Anything).
		Return(nil, activities.NonRetryable(activities.TypeBackendRejected, "%s", "refused")).Once()
	env.ExecuteWorkflow(workflows.SyncReferences, workflows.SyncReferencesInput{PageID: "100001", Version: 1})
	require.True(t, env.IsWorkflowCompleted())
	requireAppErr(t, env.GetWorkflowError(), activities.TypeBackendRejected)
	require.Equal(t, []string{"ReadReferences", "DescribeDocuments"}, *trace)
}

func TestRefreshDocumentPageRejectsInvalidPageID(t *testing.T) {
	env, trace := documentsEnv(t)
	env.ExecuteWorkflow(workflows.RefreshDocumentPage, workflows.RefreshDocumentPageInput{PageID: "page-9101"})
	require.True(t, env.IsWorkflowCompleted())
	requireAppErr(t, env.GetWorkflowError(), activities.TypeInvalidInput)
	require.Empty(t, *trace)
}

// A page that is neither a document page nor a template's controlled
// copy (node 0 both times): nothing to refresh.
func TestRefreshDocumentPageNotADocumentPage(t *testing.T) {
	env, trace := documentsEnv(t)
	env.OnActivity(docPages.DocumentPageNode, mock.Anything, "9101").Return(int64(0), nil).Once()
	env.OnActivity(docPages.TemplateCopyNode, mock.Anything, "9101").Return(int64(0), nil).Once()
	env.ExecuteWorkflow(workflows.RefreshDocumentPage, workflows.RefreshDocumentPageInput{PageID: "9101"})
	res := resultOf[activities.UpsertResult](t, env)
	require.Empty(t, res.Pages)
	require.Equal(t, []string{"DocumentPageNode", "TemplateCopyNode"}, *trace)
}

// A template's controlled copy changed in Confluence is restored from OTCS.
func TestRefreshDocumentPageRestoresATemplateCopy(t *testing.T) {
	env, trace := documentsEnv(t)
	env.OnActivity(docPages.DocumentPageNode, mock.Anything, "9102").Return(int64(0), nil).Once()
	env.OnActivity(docPages.TemplateCopyNode, mock.Anything, "9102").Return(int64(2210), nil).Once()
	states := []activities.DocumentState{{Watch: "Approved templates"}}
	env.OnActivity(docSrc.DescribeDocuments, mock.Anything, activities.DescribeInput{Feed: activities.FeedTemplates, NodeIDs: []int64{2210}}).Return(states, nil).Once()
	env.OnActivity(tplActs.PublishTemplates, mock.Anything, activities.PublishTemplatesInput{Docs: states}).
		Return(&activities.PublishTemplatesResult{Templates: []activities.TemplateResult{{NodeID: 2210, Restored: true}}}, nil).Once()
	env.ExecuteWorkflow(workflows.RefreshDocumentPage, workflows.RefreshDocumentPageInput{PageID: "9102"})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, []string{"DocumentPageNode", "TemplateCopyNode", "DescribeDocuments", "PublishTemplates"}, *trace)
}

// A document page changed in Confluence is re-rendered from OTCS.
func TestRefreshDocumentPageRerenders(t *testing.T) {
	env, trace := documentsEnv(t)
	env.OnActivity(docPages.DocumentPageNode, mock.Anything, "9101").Return(int64(2101), nil).Once()
	states := []activities.DocumentState{hubDoc("Policies", 2101, "Policy")}
	env.OnActivity(docSrc.DescribeDocuments, mock.Anything, activities.DescribeInput{NodeIDs: []int64{2101}}).Return(states, nil).Once()
	up := activities.UpsertResult{Pages: []activities.UpsertedPage{{NodeID: 2101, PageID: "9101", URL: "https://conf.example/pages/9101",
		BackLink: "https://conf.example/pages/9101", Restored: true}}, Requests: 3}
	env.OnActivity(docPages.UpsertDocumentPages, mock.Anything, activities.UpsertInput{Docs: states}).Return(&up, nil).Once()
	env.ExecuteWorkflow(workflows.RefreshDocumentPage, workflows.RefreshDocumentPageInput{PageID: "9101"})
	res := resultOf[activities.UpsertResult](t, env)
	require.Equal(t, up, res)
	require.Equal(t, []string{"DocumentPageNode", "DescribeDocuments", "UpsertDocumentPages"}, *trace)
}

// A refreshed page whose document lost its back link gets it written.
func TestRefreshDocumentPageWritesMissingBackLink(t *testing.T) {
	env, trace := documentsEnv(t)
	env.OnActivity(docPages.DocumentPageNode, mock.Anything, "9101").Return(int64(2101), nil).Once()
	env.OnActivity(docSrc.DescribeDocuments, mock.Anything, activities.DescribeInput{NodeIDs: []int64{2101}}).
		Return([]activities.DocumentState{hubDoc("Policies", 2101, "Policy")}, nil).Once()
	page := activities.UpsertedPage{NodeID: 2101, PageID: "9101", URL: "https://conf.example/pages/9101"}
	env.OnActivity(docPages.UpsertDocumentPages, mock.Anything, mock.Anything).Return(&activities.UpsertResult{Pages: []activities.UpsertedPage{page}}, nil).Once()
	env.OnActivity(docSrc.WriteBackLinks, mock.Anything, activities.BackLinkInput{Links: []activities.UpsertedPage{page}}).Return(&activities.BackLinkResult{Written: 1}, nil).Once()
	env.ExecuteWorkflow(workflows.RefreshDocumentPage, workflows.RefreshDocumentPageInput{PageID: "9101"})
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, []string{"DocumentPageNode", "DescribeDocuments", "UpsertDocumentPages", "WriteBackLinks"}, *trace)
}

func TestRefreshDocumentPageStopsOnNonRetryableError(t *testing.T) {
	env, trace := documentsEnv(t)
	env.OnActivity(docPages.DocumentPageNode, mock.Anything, mock.Anything).
		Return(int64(0), activities.NonRetryable(activities.TypePageNotFound, "%s", "gone")).Once()
	env.ExecuteWorkflow(workflows.RefreshDocumentPage, workflows.RefreshDocumentPageInput{PageID: "9101"})
	require.True(t, env.IsWorkflowCompleted())
	requireAppErr(t, env.GetWorkflowError(), activities.TypePageNotFound)
	require.Equal(t, []string{"DocumentPageNode"}, *trace)
}
