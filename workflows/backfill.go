package workflows

import (
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/triggers"
)

// BackfillWorkflowID is the backfill of one space: one at a time per
// space, so a second start finds the running one.
func BackfillWorkflowID(spaceKey string) string { return "backfill:" + spaceKey }

// BackfillDryRunWorkflowID is a dry run's id: it never blocks, nor is
// mistaken for, the real backfill of the space.
func BackfillDryRunWorkflowID(spaceKey string) string { return "backfill:" + spaceKey + ":dry-run" }

// The backfill's query and signals.
const (
	BackfillProgressQuery = "progress" // returns BackfillProgress
	BackfillPauseSignal   = "pause"    // no new batch, no new flow; flows in flight finish
	BackfillResumeSignal  = "resume"
)

// States of a backfill, as the progress query reports them.
const (
	BackfillRunning   = "running"
	BackfillPaused    = "paused"
	BackfillDraining  = "draining" // waiting for flows in flight before continuing as new
	BackfillDone      = "done"
	BackfillCancelled = "cancelled"
)

// Defaults and bounds of a backfill.
const (
	DefaultBackfillConcurrency = 4  // flows in flight
	DefaultBackfillBatch       = 50 // pages decided per activity
	MaxBackfillConcurrency     = 100
	MaxBackfillBatch           = 200
	// backfillHistoryLimit is where a run continues as new, far below
	// the 10k events at which Temporal starts warning: a batch of 50
	// adds a few hundred events, so a run never comes near it.
	backfillHistoryLimit = 4000
	// backfillHistoryBytes bounds the history's size the same way: a
	// batch of skipped pages carries their reasons, some 20 KB.
	backfillHistoryBytes = 4 << 20
	maxBackfillFailedIDs = 100  // failed flows named in the progress
	maxBackfillElsewhere = 1000 // flows started by other triggers named in the progress
	maxBackfillSkipped   = 20   // skipped pages named in the progress
	maxBackfillReasons   = 20   // distinct skip reasons counted separately
	backfillRequester    = "backfill"
	// backfillConcurrentStarts is the change that starts a batch's child
	// flows without waiting for each one's start before the next (one
	// workflow task for a whole batch of starts, not one per page).
	backfillConcurrentStarts = "backfill-concurrent-starts"
)

// BackfillInput says which space to backfill and how. Progress is empty on
// the first run; a run that continues as new hands its own to the next.
type BackfillInput struct {
	SpaceKey    string
	Since       time.Time `json:",omitzero"` // only pages last modified since then; zero: the whole space
	Until       time.Time `json:",omitzero"` // set by the first run to its start: later edits are the triggers' job
	Concurrency int       // flows in flight at most (default DefaultBackfillConcurrency)
	BatchSize   int       // pages per batch (default DefaultBackfillBatch)
	DryRun      bool      // decide only: start nothing, change nothing
	RequestedBy string
	Progress    *BackfillProgress `json:",omitempty"`

	// RootPageID limits the backfill to a page tree, the page and every
	// page below it (a closure's tree); "": the whole space.
	RootPageID string `json:",omitempty"`
}

// BackfillProgress is what a backfill has done so far: the progress query,
// the current details, and the result. In a dry run Published, Filed and
// Submitted count what would be started.
type BackfillProgress struct {
	SpaceKey        string
	DryRun          bool `json:",omitempty"`
	State           string
	Total           int              // pages looked at
	Published       int              // PublishPage runs that finished
	Filed           int              // FileRecord runs that finished
	Submitted       int              // pages submitted to their document lifecycle
	AlreadyRecorded int              // pages whose record already holds their current version
	AlreadyStarted  int              // the flow for the page version had been started before (by any trigger)
	Skipped         int              // pages needing nothing (see SkippedBy)
	Failed          int              // flows that failed (see FailedIDs)
	InFlight        int              // flows running now
	SkippedBy       []BackfillReason `json:",omitempty"` // per reason, the first maxBackfillReasons reasons
	SkippedPages    []BackfillSkip   `json:",omitempty"` // the first maxBackfillSkipped skipped pages
	FailedIDs       []string         `json:",omitempty"` // the first maxBackfillFailedIDs failed flows' workflow ids
	// Elsewhere are the publish and file flows another trigger had
	// started (the first maxBackfillElsewhere; ElsewhereMore counts the
	// rest): a closure waits for them before listing the records.
	Elsewhere     []string `json:",omitempty"`
	ElsewhereMore int      `json:",omitempty"`
	Batches       int
	Runs          int // continue-as-new generations before this run
	Cursor        activities.BackfillCursor
}

// BackfillReason counts the pages skipped for one reason.
type BackfillReason struct {
	Reason string
	Pages  int
}

// BackfillSkip is one skipped page and the full reason.
type BackfillSkip struct {
	PageID  string
	Version int
	Reason  string
}

// Backfill decides every page of a space with the rules the webhook and
// reconciliation use, and starts what each page needs: PublishPage or
// FileRecord as child runs (the usual deterministic ids, so a flow any
// trigger already started is not started again), review submissions
// through an activity. At most Concurrency flows run at once; pages
// already recorded at their current version cost two cheap reads. The
// operator can pause, resume and cancel it; it continues as new long
// before its history grows large, carrying cursor and counters.
func Backfill(ctx workflow.Context, in BackfillInput) (*BackfillProgress, error) {
	b, err := startBackfill(ctx, in)
	if err != nil {
		return nil, err
	}
	for {
		if err := b.waitFor(ctx, b.mayStart); err != nil {
			return b.stopped(ctx, err)
		}
		batch, err := b.nextBatch(ctx)
		if err != nil {
			return b.stopped(ctx, err)
		}
		for _, page := range batch.Pages {
			if err := b.schedule(ctx, page); err != nil {
				return b.stopped(ctx, err)
			}
		}
		// Only a fully scheduled batch moves the cursor, and the run
		// continues as new only here, between batches: the next run
		// neither skips a page nor decides one twice.
		b.progress.Cursor = batch.Next
		b.progress.Batches++
		b.details(ctx)
		if !batch.More {
			break
		}
		if b.historyFull(ctx) {
			return nil, b.continueAsNew(ctx)
		}
	}
	if err := b.waitFor(ctx, b.drained); err != nil {
		return b.stopped(ctx, err)
	}
	b.progress.State = BackfillDone
	b.details(ctx)
	return b.snapshot(), nil
}

// backfill is one run's state: the progress, the flows in flight, and the
// selector that hears of their ends and of pause and resume.
type backfill struct {
	in       BackfillInput
	progress BackfillProgress
	paused   bool
	draining bool // waiting for the flows in flight before continuing as new
	inFlight int
	sel      workflow.Selector
	// concurrentStarts: child starts are not waited for one by one
	// (workflow.GetVersion; histories from before replay the old way).
	concurrentStarts bool
}

// startBackfill checks the input, takes over the previous run's progress,
// and sets up the query and signals.
func startBackfill(ctx workflow.Context, in BackfillInput) (*backfill, error) {
	if in.SpaceKey == "" {
		return nil, activities.NonRetryable(activities.TypeInvalidInput, "space key is required")
	}
	if in.Concurrency <= 0 {
		in.Concurrency = DefaultBackfillConcurrency
	}
	in.Concurrency = min(in.Concurrency, MaxBackfillConcurrency)
	if in.BatchSize <= 0 {
		in.BatchSize = DefaultBackfillBatch
	}
	in.BatchSize = min(in.BatchSize, MaxBackfillBatch)
	if in.Until.IsZero() {
		in.Until = workflow.Now(ctx).UTC()
	}
	b := &backfill{in: in, progress: BackfillProgress{SpaceKey: in.SpaceKey, DryRun: in.DryRun, State: BackfillRunning}}
	if in.Progress != nil {
		b.progress = *in.Progress
		b.in.Progress = nil
		b.paused = b.progress.State == BackfillPaused
	}
	b.concurrentStarts = workflow.GetVersion(ctx, backfillConcurrentStarts, workflow.DefaultVersion, 1) >= 1
	b.sel = workflow.NewSelector(ctx)
	b.sel.AddReceive(workflow.GetSignalChannel(ctx, BackfillPauseSignal), func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		b.setPaused(ctx, true)
	})
	b.sel.AddReceive(workflow.GetSignalChannel(ctx, BackfillResumeSignal), func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		b.setPaused(ctx, false)
	})
	// Cancellation must wake a wait; the flows in flight are abandoned.
	b.sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) {})
	b.setState()
	if err := workflow.SetQueryHandler(ctx, BackfillProgressQuery, func() (*BackfillProgress, error) { return b.snapshot(), nil }); err != nil {
		return nil, err
	}
	b.details(ctx)
	return b, nil
}

// nextBatch lists and decides the pages after the cursor.
func (b *backfill) nextBatch(ctx workflow.Context) (*activities.BackfillBatch, error) {
	var acts *triggers.BackfillActivities
	var batch activities.BackfillBatch
	summary := fmt.Sprintf("Decide the next %d pages of space %s", b.in.BatchSize, b.in.SpaceKey)
	err := workflow.ExecuteActivity(activityCtx(ctx, activities.ConfluenceTaskQueue, backfillCall, summary), acts.BackfillBatch, activities.BackfillBatchInput{
		SpaceKey: b.in.SpaceKey, RootPageID: b.in.RootPageID, Since: b.in.Since, Until: b.in.Until,
		After: b.progress.Cursor, Limit: b.in.BatchSize, DryRun: b.in.DryRun,
	}).Get(ctx, &batch)
	return &batch, err
}

// schedule does what one decided page needs: count it, or start its flow.
func (b *backfill) schedule(ctx workflow.Context, page activities.BackfillDecision) error {
	b.progress.Total++
	switch {
	case page.Recorded:
		b.progress.AlreadyRecorded++
	case page.Flow == activities.FlowNone:
		b.skip(page)
	case b.in.DryRun:
		b.count(page.Flow)
	case page.Flow == activities.FlowReview:
		return b.submit(ctx, page)
	default:
		return b.startChild(ctx, page)
	}
	return nil
}

// startChild starts the page's PublishPage or FileRecord run once a slot
// is free, under the id every trigger uses. A run of that id that is going
// or went well is the answer ("already started"), not waited for; a failed
// one may run again.
func (b *backfill) startChild(ctx workflow.Context, page activities.BackfillDecision) error {
	if err := b.waitFor(ctx, b.mayStart); err != nil {
		return err
	}
	flow, ok := PageFlowFor(page.Flow)
	if !ok {
		flow = PublishFlow
	}
	id := flow.ID(page.PageID, page.Version)
	// A disconnected context: cancelling the backfill must not cancel the
	// flows it started (ABANDON keeps them when the backfill closes).
	childCtx, _ := workflow.NewDisconnectedContext(ctx)
	childCtx = workflow.WithChildOptions(childCtx, workflow.ChildWorkflowOptions{
		WorkflowID:            id,
		TaskQueue:             TaskQueue,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: PageFlowReuse,
		TypedSearchAttributes: flow.SearchAttributes(page.PageID),
		StaticSummary:         flow.SummaryOf(page.PageID, page.Version),
		StaticDetails:         fmt.Sprintf("Requested by the backfill of space %s (%s).", b.in.SpaceKey, page.Reason),
	})
	run := workflow.ExecuteChildWorkflow(childCtx, flow.Workflow, PublishPageInput{PageID: page.PageID, Version: page.Version, RequestedBy: backfillRequester})
	finished := func(f workflow.Future) {
		b.inFlight--
		if err := f.Get(childCtx, nil); err != nil {
			b.fail(id)
			return
		}
		b.count(flow.Name)
	}
	if b.concurrentStarts {
		// The start holds a slot from now on; the next page's start goes
		// out in the same workflow task. Whether the server started it
		// (or a run of that id had been, by any trigger) comes back
		// through the selector, as the flow's end does.
		b.inFlight++
		b.sel.AddFuture(run.GetChildWorkflowExecution(), func(f workflow.Future) {
			if err := f.Get(childCtx, nil); err != nil {
				b.inFlight--
				if temporal.IsWorkflowExecutionAlreadyStartedError(err) {
					b.startedElsewhere(id)
				} else {
					b.fail(id)
				}
				return
			}
			b.sel.AddFuture(run, finished)
		})
		return nil
	}
	if err := run.GetChildWorkflowExecution().Get(childCtx, nil); err != nil {
		if temporal.IsWorkflowExecutionAlreadyStartedError(err) {
			b.startedElsewhere(id)
			return nil
		}
		b.fail(id)
		return nil
	}
	b.inFlight++
	b.sel.AddFuture(run, finished)
	return nil
}

// submit hands a page carrying its space's submit label to its document
// lifecycle. Lifecycles last days: the submission is all that is waited for.
func (b *backfill) submit(ctx workflow.Context, page activities.BackfillDecision) error {
	if err := b.waitFor(ctx, b.mayStart); err != nil {
		return err
	}
	var acts *triggers.BackfillActivities
	var res activities.BackfillSubmitResult
	err := workflow.ExecuteActivity(confluenceCtx(ctx, "Submit page "+page.PageID+" for review"), acts.BackfillSubmit,
		activities.BackfillSubmitInput{PageID: page.PageID, Version: page.Version, RequestedBy: backfillRequester}).Get(ctx, &res)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		b.fail(LifecycleWorkflowID(page.PageID))
	case res.Existing:
		b.progress.AlreadyStarted++
	default:
		b.progress.Submitted++
	}
	return nil
}

// continueAsNew lets the flows in flight finish, then hands cursor,
// counters and input to a fresh run. Signals that came in meanwhile are
// taken first, so a pause is carried over.
func (b *backfill) continueAsNew(ctx workflow.Context) error {
	b.draining = true
	b.setState()
	b.details(ctx)
	if err := b.waitFor(ctx, b.drained); err != nil {
		_, err = b.stopped(ctx, err)
		return err
	}
	b.takePending(ctx)
	b.draining = false
	b.setState()
	b.progress.Runs++
	next := b.in
	next.Progress = b.snapshot()
	return workflow.NewContinueAsNewError(ctx, Backfill, next)
}

// startedElsewhere counts a page flow whose id another trigger had
// started, and names it for a closure to wait for.
func (b *backfill) startedElsewhere(id string) {
	b.progress.AlreadyStarted++
	if len(b.progress.Elsewhere) < maxBackfillElsewhere {
		b.progress.Elsewhere = append(b.progress.Elsewhere, id)
	} else {
		b.progress.ElsewhereMore++
	}
}

// waitFor blocks until ready() holds, taking signals and finished flows as
// they come; it returns the cancellation error when the backfill is
// cancelled.
func (b *backfill) waitFor(ctx workflow.Context, ready func() bool) error {
	b.takePending(ctx)
	for ctx.Err() == nil && !ready() {
		b.sel.Select(ctx)
	}
	return ctx.Err()
}

// takePending handles whatever has already arrived, so a pause sent
// before the next start is honoured by it.
func (b *backfill) takePending(ctx workflow.Context) {
	for ctx.Err() == nil && b.sel.HasPending() {
		b.sel.Select(ctx)
	}
}

func (b *backfill) mayStart() bool { return !b.paused && b.inFlight < b.in.Concurrency }
func (b *backfill) drained() bool  { return b.inFlight == 0 }

// historyFull says it is time to continue as new: the server suggests it,
// or the history passed the backfill's own limits.
func (b *backfill) historyFull(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > backfillHistoryLimit ||
		info.GetCurrentHistorySize() > backfillHistoryBytes
}

// stopped ends the run on err; a cancellation is reported in the details.
func (b *backfill) stopped(ctx workflow.Context, err error) (*BackfillProgress, error) {
	if temporal.IsCanceledError(err) {
		b.progress.State = BackfillCancelled
		b.details(ctx)
	}
	return nil, err
}

func (b *backfill) setPaused(ctx workflow.Context, paused bool) {
	b.paused = paused
	b.setState()
	b.details(ctx)
}

// setState derives the reported state of a run that is still going.
func (b *backfill) setState() {
	switch {
	case b.progress.State == BackfillDone || b.progress.State == BackfillCancelled:
	case b.draining:
		b.progress.State = BackfillDraining
	case b.paused:
		b.progress.State = BackfillPaused
	default:
		b.progress.State = BackfillRunning
	}
}

// count records a flow that finished (or, in a dry run, would be started).
func (b *backfill) count(flow activities.Flow) {
	switch flow {
	case activities.FlowPublish:
		b.progress.Published++
	case activities.FlowFile:
		b.progress.Filed++
	case activities.FlowReview:
		b.progress.Submitted++
	}
}

// skip counts a page that needs nothing, by its reason. Reasons are few
// (the rules' own texts and error types); a bounded list keeps the
// progress small whatever the space holds.
func (b *backfill) skip(page activities.BackfillDecision) {
	b.progress.Skipped++
	if len(b.progress.SkippedPages) < maxBackfillSkipped {
		b.progress.SkippedPages = append(b.progress.SkippedPages, BackfillSkip{PageID: page.PageID, Version: page.Version, Reason: page.Reason})
	}
	reason := page.SkipKind
	if reason == "" {
		reason = page.Reason
	}
	for i := range b.progress.SkippedBy {
		if b.progress.SkippedBy[i].Reason == reason {
			b.progress.SkippedBy[i].Pages++
			return
		}
	}
	if len(b.progress.SkippedBy) == maxBackfillReasons-1 {
		reason = "(other reasons)"
		for i := range b.progress.SkippedBy {
			if b.progress.SkippedBy[i].Reason == reason {
				b.progress.SkippedBy[i].Pages++
				return
			}
		}
	}
	b.progress.SkippedBy = append(b.progress.SkippedBy, BackfillReason{Reason: reason, Pages: 1})
}

func (b *backfill) fail(workflowID string) {
	b.progress.Failed++
	if len(b.progress.FailedIDs) < maxBackfillFailedIDs {
		b.progress.FailedIDs = append(b.progress.FailedIDs, workflowID)
	}
}

// snapshot is the progress with the live figures filled in.
func (b *backfill) snapshot() *BackfillProgress {
	p := b.progress
	p.InFlight = b.inFlight
	return &p
}

// details keeps the Web UI's current details in step with the progress.
func (b *backfill) details(ctx workflow.Context) {
	p := b.snapshot()
	verb := ""
	if p.DryRun {
		verb = " (dry run: would be)"
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf(
		"**State:** %s  \n**Pages:** %d in %d batches  \n**Published%s:** %d  \n**Filed:** %d  \n**Submitted:** %d  \n"+
			"**Already recorded:** %d  \n**Already started:** %d  \n**Skipped:** %d  \n**Failed:** %d  \n**In flight:** %d",
		p.State, p.Total, p.Batches, verb, p.Published, p.Filed, p.Submitted,
		p.AlreadyRecorded, p.AlreadyStarted, p.Skipped, p.Failed, p.InFlight))
}
