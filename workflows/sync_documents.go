package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/documentpages"
	"github.com/xecm-bridge/xecm-bridge/activities/documentsources"
)

// SyncDocumentsScheduleID is the Temporal Schedule that runs SyncDocuments.
const SyncDocumentsScheduleID = "xecm-bridge-sync-documents"

// SyncDocumentsWorkflowID is the id of an on-demand sync.
const SyncDocumentsWorkflowID = "xecm-bridge-sync-documents-now"

// maxSyncEvents is where a sync continues as new, well before the history
// limits: a large first sync of a hub pages through many batches.
const maxSyncEvents = 2000

// SyncDocumentsInput configures a sync run.
type SyncDocumentsInput struct {
	// Full reads every document of every watch, not only changed ones, and
	// archives the pages of documents that left their hub.
	Full bool
	// FullEvery makes every Nth scheduled run a full sweep (0: never).
	FullEvery int
	// State is carried over continue-as-new; nil on a fresh run.
	State *SyncState `json:",omitempty"`
	// From is the result of an earlier run to continue from, for a run
	// outside the Schedule (the Schedule passes its last result itself).
	From *SyncState `json:",omitempty"`
}

// SyncState is where the change feed stands. It is the run's result, and
// the next scheduled run starts from it.
type SyncState struct {
	Cursors map[string]activities.WatchCursor
	Next    map[string]activities.WatchCursor `json:",omitempty"` // being built by a run that continued as new
	Runs    int                               // runs so far, for FullEvery
	Linked  []string                          // connected watches whose workspace already links back
	// Position of a run that continued as new.
	Full        bool
	Watch, Page int
	Seen        []int64 // full sweep: documents seen so far in the current watch
	Failed      []int64 `json:",omitempty"` // documents that failed with a typed error, tried again first next run
	Totals      SyncTotals
}

// SyncTotals counts what one run did.
type SyncTotals struct {
	Documents      int // changed documents read from OTCS
	Created        int // document pages created
	Changed        int // document pages given a new version
	Restored       int // panels edited by people and put back
	Flagged        int // source-changed flags raised
	Archived       int // pages of withdrawn or deleted sources archived
	Unarchived     int // pages of sources current again moved back from the archive
	Unseen         int // documents a full sweep's listing missed that OTCS confirmed still there (brought up to date, not archived)
	Skipped        int // documents without a page (nothing approved yet, or refused)
	Refused        int // documents whose OTCS readers the bridge cannot map (no page, or one kept to the bridge and the kept groups)
	Restricted     int // pages read-restricted from their source (templates: copies only, no Confluence template)
	BackLinks      int // back links written into OTCS
	KeptInConfl    int // back links not written: the document is on hold or a record
	WorkspacePages int // "Workspace documents" pages written
	OTCSRequests   int // made by the change feed
	Failed         int // templates that did not convert (typed error; tried again next run)
}

// SyncDocuments is the change feed from OTCS (flows F2, F6, F8). OTCS has
// no push channel, so a Schedule runs it: it reads each watched folder or
// workspace newest change first, stops at the previous run's cursor, and
// updates only the document pages of what changed. An unchanged watch costs
// one OTCS request and no Confluence request, whatever its size.
func SyncDocuments(ctx workflow.Context, in SyncDocumentsInput) (*SyncState, error) {
	return runFeed(ctx, in, feedSteps{
		feed: activities.FeedDocuments, self: SyncDocuments,
		apply: func(ctx workflow.Context, st *SyncState, docs []activities.DocumentState) error {
			return st.apply(ctx, docs)
		},
		archive: archiveGone,
	})
}

// archiveGone runs after a full sweep of a watch: the pages whose
// document the sweep did not see are candidates; OTCS confirms each, the
// ones still there are brought up to date, and only the confirmed gone are
// withdrawn and archived.
func archiveGone(ctx workflow.Context, st *SyncState, watch string) error {
	var pages *documentpages.DocumentPageActivities
	var src *documentsources.DocumentSourceActivities
	var unseen []int64
	err := workflow.ExecuteActivity(documentsCtx(ctx, activities.ConfluenceTaskQueue, "List pages the sweep did not see"), pages.UnseenDocuments,
		activities.MissingInput{Watch: watch, Seen: st.Seen}).Get(ctx, &unseen)
	if err != nil || len(unseen) == 0 {
		return err
	}
	var confirmed activities.AbsenceResult
	err = workflow.ExecuteActivity(documentsCtx(ctx, activities.OpenTextTaskQueue, "Confirm with OTCS which are gone"), src.ConfirmAbsence,
		activities.AbsenceInput{Feed: activities.FeedDocuments, Watch: watch, NodeIDs: unseen}).Get(ctx, &confirmed)
	if err != nil {
		return err
	}
	st.Totals.OTCSRequests += confirmed.Requests
	st.Totals.Unseen += len(confirmed.Present)
	if len(confirmed.Present) > 0 {
		st.Totals.Documents += len(confirmed.Present)
		if err := st.apply(ctx, confirmed.Present); err != nil {
			return err
		}
	}
	if len(confirmed.Gone) == 0 {
		return nil
	}
	var gone activities.UpsertResult
	err = workflow.ExecuteActivity(documentsCtx(ctx, activities.ConfluenceTaskQueue, "Archive pages of sources that left the hub"), pages.ArchiveMissing,
		activities.ArchiveInput{Watch: watch, Gone: confirmed.Gone}).Get(ctx, &gone)
	st.Totals.Archived += len(gone.Pages)
	return err
}

// feedSteps are what a change-feed run does with what the feed finds.
type feedSteps struct {
	feed    string // activities.FeedDocuments or FeedTemplates
	self    any    // the workflow, for continue-as-new
	apply   func(ctx workflow.Context, st *SyncState, docs []activities.DocumentState) error
	archive func(ctx workflow.Context, st *SyncState, watch string) error // after a full sweep of watch; st.Seen holds what it found
}

// runFeed reads a change feed to its end: one browse page per
// ChangedDocuments call, each batch applied, each fully swept watch
// archived, continuing as new before the history grows large.
func runFeed(ctx workflow.Context, in SyncDocumentsInput, steps feedSteps) (*SyncState, error) {
	if err := holdLease(ctx, steps.feed); err != nil {
		return nil, err
	}
	st := startState(ctx, in)
	if in.State == nil {
		st.Runs++
		st.Full = in.Full || (in.FullEvery > 0 && st.Runs%in.FullEvery == 0) || len(st.Cursors) == 0
		st.Watch, st.Page, st.Seen, st.Totals = 0, 1, nil, SyncTotals{}
		if err := retryFailed(ctx, &st, steps); err != nil {
			return nil, err
		}
	}
	var src *documentsources.DocumentSourceActivities
	for {
		var feed activities.ChangedDocumentsResult
		err := workflow.ExecuteActivity(documentsCtx(ctx, activities.OpenTextTaskQueue, "Read changed documents"), src.ChangedDocuments,
			activities.ChangedDocumentsInput{Feed: steps.feed, Cursors: st.Cursors, Next: st.Next, Full: st.Full, Watch: st.Watch, Page: st.Page}).Get(ctx, &feed)
		if err != nil {
			return nil, err
		}
		st.Cursors, st.Next = feed.Cursors, feed.Next
		st.Totals.OTCSRequests += feed.Requests
		st.Totals.Documents += len(feed.Docs)
		st.Seen = append(st.Seen, feed.Seen...)
		if len(feed.Docs) > 0 {
			if err := steps.apply(ctx, &st, feed.Docs); err != nil {
				return nil, err
			}
		}
		if feed.FinishedWatch != "" {
			if err := steps.archive(ctx, &st, feed.FinishedWatch); err != nil {
				return nil, err
			}
			st.Seen = nil
		}
		st.Watch, st.Page = feed.Watch, feed.Page
		workflow.SetCurrentDetails(ctx, st.details())
		if feed.Done {
			break
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() || workflow.GetInfo(ctx).GetCurrentHistoryLength() > maxSyncEvents {
			return nil, workflow.NewContinueAsNewError(ctx, steps.self, SyncDocumentsInput{Full: in.Full, FullEvery: in.FullEvery, State: &st})
		}
	}
	st.Watch, st.Page, st.Seen, st.Next = 0, 0, nil, nil
	return &st, nil
}

// retryFailed describes and applies again the documents whose last
// attempt failed with a typed error (a template that did not convert):
// their change is behind the cursor, so the feed would not bring them.
func retryFailed(ctx workflow.Context, st *SyncState, steps feedSteps) error {
	if len(st.Failed) == 0 {
		return nil
	}
	ids := st.Failed
	st.Failed = nil
	var src *documentsources.DocumentSourceActivities
	var docs []activities.DocumentState
	err := workflow.ExecuteActivity(documentsCtx(ctx, activities.OpenTextTaskQueue, "Describe documents that failed last time"), src.DescribeDocuments,
		activities.DescribeInput{Feed: steps.feed, NodeIDs: ids}).Get(ctx, &docs)
	if err != nil {
		return err
	}
	return steps.apply(ctx, st, docs)
}

// startState is the state a run starts from: carried over continue-as-new,
// or the previous scheduled run's result.
func startState(ctx workflow.Context, in SyncDocumentsInput) SyncState {
	if in.State != nil {
		return *in.State
	}
	var prev SyncState
	if in.From != nil {
		prev = *in.From
	} else if workflow.HasLastCompletionResult(ctx) {
		if err := workflow.GetLastCompletionResult(ctx, &prev); err != nil {
			workflow.GetLogger(ctx).Warn("Previous sync result unreadable; starting with a full sweep", "error", err)
			prev = SyncState{}
		}
	}
	if prev.Cursors == nil {
		prev.Cursors = map[string]activities.WatchCursor{}
	}
	return prev
}

// apply brings the document pages of changed documents up to date, then
// what hangs off them: back links in OTCS and connected workspace pages.
func (st *SyncState) apply(ctx workflow.Context, docs []activities.DocumentState) error {
	up, err := upsertDocuments(ctx, docs)
	if err != nil {
		return err
	}
	st.Totals.add(up)
	bl, err := writeBackLinks(ctx, up)
	if err != nil {
		return err
	}
	st.Totals.BackLinks += bl.Written
	st.Totals.KeptInConfl += len(bl.KeptInConfluence)
	for _, w := range connectedWatches(docs) {
		var pages *documentpages.DocumentPageActivities
		var src *documentsources.DocumentSourceActivities
		var wp activities.WorkspacePageResult
		err := workflow.ExecuteActivity(documentsCtx(ctx, activities.ConfluenceTaskQueue, "Keep the Workspace documents page"), pages.EnsureWorkspacePage,
			activities.WorkspacePageInput{Watch: w.name, Types: w.types}).Get(ctx, &wp)
		if err != nil {
			return err
		}
		if wp.Changed {
			st.Totals.WorkspacePages++
		}
		if containsString(st.Linked, w.name) {
			continue
		}
		err = workflow.ExecuteActivity(documentsCtx(ctx, activities.OpenTextTaskQueue, "Link the workspace back to its space"), src.EnsureWorkspaceLink,
			activities.WorkspaceLinkInput{Watch: w.name, SpaceURL: wp.SpaceURL}).Get(ctx, nil)
		if err != nil {
			return err
		}
		st.Linked = append(st.Linked, w.name)
	}
	return nil
}

// connectedWatch is a watch with a connected space and the document types
// a batch showed in it.
type connectedWatch struct {
	name  string
	types []string
}

// connectedWatches lists, in batch order, the watches of docs whose
// workspace is connected to a space, with their document types.
func connectedWatches(docs []activities.DocumentState) []connectedWatch {
	var out []connectedWatch
	for _, d := range docs {
		if d.Watch == "" || !d.Connected {
			continue
		}
		i := 0
		for i < len(out) && out[i].name != d.Watch {
			i++
		}
		if i == len(out) {
			out = append(out, connectedWatch{name: d.Watch})
		}
		if d.Doc.Type != "" && !containsString(out[i].types, d.Doc.Type) {
			out[i].types = append(out[i].types, d.Doc.Type)
		}
	}
	return out
}

// upsertDocuments runs UpsertDocumentPages on the Confluence queue.
func upsertDocuments(ctx workflow.Context, docs []activities.DocumentState) (*activities.UpsertResult, error) {
	var pages *documentpages.DocumentPageActivities
	var up activities.UpsertResult
	err := workflow.ExecuteActivity(documentsCtx(ctx, activities.ConfluenceTaskQueue, fmt.Sprintf("Update %d document pages", len(docs))),
		pages.UpsertDocumentPages, activities.UpsertInput{Docs: docs}).Get(ctx, &up)
	return &up, err
}

// writeBackLinks runs WriteBackLinks on the OpenText queue for the pages
// whose document does not hold its page URL yet.
func writeBackLinks(ctx workflow.Context, up *activities.UpsertResult) (*activities.BackLinkResult, error) {
	var need []activities.UpsertedPage
	for _, p := range up.Pages {
		if p.URL != "" && p.BackLink != p.URL {
			need = append(need, p)
		}
	}
	out := &activities.BackLinkResult{}
	if len(need) == 0 {
		return out, nil
	}
	var src *documentsources.DocumentSourceActivities
	err := workflow.ExecuteActivity(documentsCtx(ctx, activities.OpenTextTaskQueue, "Write back links into OTCS"), src.WriteBackLinks,
		activities.BackLinkInput{Links: need}).Get(ctx, out)
	return out, err
}

func (t *SyncTotals) add(up *activities.UpsertResult) {
	for _, p := range up.Pages {
		switch {
		case p.Skipped != "":
			t.Skipped++
		case p.Created:
			t.Created++
		case p.Changed:
			t.Changed++
		}
		if p.Restored {
			t.Restored++
		}
		if p.Refused != "" {
			t.Refused++
		}
		if p.Restricted && p.PageID != "" {
			t.Restricted++
		}
		if p.Flagged {
			t.Flagged++
		}
		if p.Archived {
			t.Archived++
		}
		if p.Unarchived {
			t.Unarchived++
		}
	}
}

func (st *SyncState) details() string {
	t := st.Totals
	mode := "changes"
	if st.Full {
		mode = "full sweep"
	}
	return fmt.Sprintf("**Run:** %d (%s)  \n**Changed documents:** %d  \n**Pages created / updated / archived:** %d / %d / %d  \n**Panels restored:** %d  \n**Back links written:** %d",
		st.Runs, mode, t.Documents, t.Created, t.Changed, t.Archived, t.Restored, t.BackLinks)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
