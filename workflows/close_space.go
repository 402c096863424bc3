package workflows

import (
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/records"
	"github.com/xecm-bridge/xecm-bridge/activities/triggers"
)

// CloseSpaceWorkflowID is the closure of one space: one at a time, and a
// second start while it runs finds it.
func CloseSpaceWorkflowID(spaceKey string) string { return "close:" + spaceKey }

// CloseBackfillWorkflowID is the closure's own backfill (a child): it
// neither blocks nor is blocked by an operator's `starter backfill`.
func CloseBackfillWorkflowID(spaceKey string) string { return "close:" + spaceKey + ":backfill" }

// CloseWorkflowID is the closure of a page tree of a space (the root page
// and every page below it), or of the whole space when rootPageID is "".
func CloseWorkflowID(spaceKey, rootPageID string) string {
	if rootPageID == "" {
		return CloseSpaceWorkflowID(spaceKey)
	}
	return "close:" + spaceKey + ":page:" + rootPageID
}

func closeBackfillID(spaceKey, rootPageID string) string {
	if rootPageID == "" {
		return CloseBackfillWorkflowID(spaceKey)
	}
	return CloseWorkflowID(spaceKey, rootPageID) + ":backfill"
}

// CloseProgressQuery returns the closure's CloseProgress.
const CloseProgressQuery = "progress"

// Stages of a closure, in order, as the progress query and the details show them.
const (
	CloseChecking    = "checking"
	CloseBackfilling = "backfilling" // filing what has no record (the child backfill)
	CloseCollecting  = "collecting"  // listing the records and staging the manifest parts
	CloseSealing     = "sealing"     // building, storing and classifying the manifest
	CloseRestricting = "restricting" // making the pages read-only (closure.read_only)
	CloseDone        = "done"
)

// Defaults of a closure.
const (
	DefaultCloseBatch = 200 // pages listed per member batch
	MaxCloseBatch     = 500
	// closeHistoryLimit: a member batch adds about a dozen events and
	// some 30 KB (its members, twice); continuing as new well before the
	// backfill's own limits keeps every run small.
	closeHistoryLimit = 2000
	closeHistoryBytes = 2 << 20
)

// CloseSpaceInput says which space to close. Progress is empty on the
// first run; a run that continues as new hands its own to the next.
type CloseSpaceInput struct {
	SpaceKey    string
	RootPageID  string `json:",omitempty"` // a page tree: its root ("": the whole space)
	Concurrency int    // the backfill's flows in flight (default DefaultBackfillConcurrency)
	BatchSize   int    // pages per batch, backfill and members alike
	RequestedBy string
	Progress    *CloseProgress `json:",omitempty"`
}

// CloseProgress is what a closure has done: the progress query, the
// current details, and the result.
type CloseProgress struct {
	SpaceKey   string
	SpaceName  string `json:",omitempty"`
	RootPageID string `json:",omitempty"` // the tree closed ("": the space)
	RootTitle  string `json:",omitempty"`
	State      string
	// Existing: the set was sealed by an earlier closure; nothing was
	// filed or changed in OTCS.
	Existing bool `json:",omitempty"`
	// Backfill is the result of the closure's backfill.
	Backfill   *BackfillProgress `json:",omitempty"`
	Awaited    int               `json:",omitempty"` // flows other triggers started, waited for before listing
	Listed     int               // pages looked at for the manifest
	Members    int               // records in the manifest (staged so far)
	Unrecorded int               // pages without a record (never approved, say)
	Parts      int               // manifest parts staged
	Cursor     activities.BackfillCursor
	Set        activities.RecordSet
	ReadOnly   bool      // the mapping makes the pages read-only
	Restricted int       // pages made read-only (not counting those already so)
	ClosedAt   time.Time `json:",omitzero"`
	Runs       int       // continue-as-new generations before this run
}

// CloseSpace files every page of a space that needs it (the backfill, as
// a child run), then makes the space's record set in OTCS: a folder with
// a manifest of every record (page, version, node, checksum) declared as
// a record itself, and then, when the mapping says so, makes the pages
// read-only. Its steps look for what earlier ones did: a second closure
// finds the sealed set and changes nothing; a worker that dies between
// calls leaves a retry that finishes the job. The manifest is staged in
// OTCS in parts, one per batch of pages, and built there when sealing,
// so it never passes through Temporal as one payload.
func CloseSpace(ctx workflow.Context, in CloseSpaceInput) (*CloseProgress, error) {
	c, err := startClose(ctx, in)
	if err != nil {
		return nil, err
	}
	if c.p.State == CloseChecking {
		if err := c.check(ctx); err != nil {
			return nil, err
		}
		if c.p.Set.Sealed {
			c.p.Existing, c.p.Members = true, c.p.Set.Members
			c.setState(ctx, c.afterSeal())
		} else {
			c.setState(ctx, CloseBackfilling)
		}
	}
	if c.p.State == CloseBackfilling {
		if err := c.backfill(ctx); err != nil {
			return nil, err
		}
		c.setState(ctx, CloseCollecting)
	}
	for c.p.State == CloseCollecting {
		more, err := c.collect(ctx)
		if err != nil {
			return nil, err
		}
		if !more {
			c.setState(ctx, CloseSealing)
			break
		}
		if c.historyFull(ctx) {
			return nil, c.continueAsNew(ctx)
		}
	}
	if c.p.State == CloseSealing {
		if err := c.seal(ctx); err != nil {
			return nil, err
		}
		c.p.Cursor = activities.BackfillCursor{}
		c.setState(ctx, c.afterSeal())
	}
	for c.p.State == CloseRestricting {
		more, err := c.restrict(ctx)
		if err != nil {
			return nil, err
		}
		if !more {
			c.setState(ctx, CloseDone)
			break
		}
		if c.historyFull(ctx) {
			return nil, c.continueAsNew(ctx)
		}
	}
	p := c.p
	return &p, nil
}

type closure struct {
	in CloseSpaceInput
	p  CloseProgress
}

func startClose(ctx workflow.Context, in CloseSpaceInput) (*closure, error) {
	if in.SpaceKey == "" {
		return nil, activities.NonRetryable(activities.TypeInvalidInput, "space key is required")
	}
	if in.BatchSize <= 0 {
		in.BatchSize = DefaultCloseBatch
	}
	in.BatchSize = min(in.BatchSize, MaxCloseBatch)
	c := &closure{in: in, p: CloseProgress{SpaceKey: in.SpaceKey, RootPageID: in.RootPageID, State: CloseChecking}}
	if in.Progress != nil {
		c.p = *in.Progress
		c.in.Progress = nil
	}
	if err := workflow.SetQueryHandler(ctx, CloseProgressQuery, func() (*CloseProgress, error) {
		p := c.p
		return &p, nil
	}); err != nil {
		return nil, err
	}
	c.details(ctx)
	return c, nil
}

// check asks Confluence and the mapping about the space, then finds or
// makes its record set.
func (c *closure) check(ctx workflow.Context) error {
	var acts *triggers.BackfillActivities
	var space activities.CloseCheckResult
	if err := workflow.ExecuteActivity(confluenceCtx(ctx, "Check space "+c.in.SpaceKey+" before closing it"), acts.CloseCheck,
		activities.CloseCheckInput{SpaceKey: c.in.SpaceKey, RootPageID: c.in.RootPageID}).Get(ctx, &space); err != nil {
		return err
	}
	c.p.SpaceName, c.p.ReadOnly, c.p.RootTitle = space.SpaceName, space.ReadOnly, space.RootTitle
	c.p.ClosedAt = workflow.Now(ctx).UTC()
	var ot *records.OpenTextActivities
	return workflow.ExecuteActivity(opentextCtx(ctx, "Find or make the record set of space "+c.in.SpaceKey), ot.OpenRecordSet,
		activities.OpenRecordSetInput{SpaceKey: c.in.SpaceKey, RootPageID: c.in.RootPageID, Fresh: true}).Get(ctx, &c.p.Set)
}

// backfill runs the space's backfill as a child and waits for it: every
// page it starts a flow for is filed before the records are listed. A
// failed flow stops the closure before anything is sealed.
func (c *closure) backfill(ctx workflow.Context) error {
	id := closeBackfillID(c.in.SpaceKey, c.in.RootPageID)
	childCtx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            id,
		TaskQueue:             TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(SpaceAttr.ValueSet(c.in.SpaceKey)),
		StaticSummary:         fmt.Sprintf("Backfill space %s before closing it", c.in.SpaceKey),
		StaticDetails:         fmt.Sprintf("Requested by the closure of space %s (%s).", c.in.SpaceKey, CloseWorkflowID(c.in.SpaceKey, c.in.RootPageID)),
	})
	var res BackfillProgress
	err := workflow.ExecuteChildWorkflow(childCtx, Backfill, BackfillInput{
		SpaceKey: c.in.SpaceKey, RootPageID: c.in.RootPageID, Concurrency: c.in.Concurrency, BatchSize: min(c.in.BatchSize, MaxBackfillBatch),
		RequestedBy: "close:" + c.in.RequestedBy,
	}).Get(ctx, &res)
	if err != nil {
		return err
	}
	res.SkippedPages = nil // the backfill's own result keeps them; the closure counts
	elsewhere, more := res.Elsewhere, res.ElsewhereMore
	res.Elsewhere = nil
	c.p.Backfill = &res
	if res.Failed > 0 {
		return activities.NonRetryable(activities.TypeClosureIncomplete,
			"space %s: %d flows of the closure's backfill failed (%v); no record set was sealed: fix them and run close again", c.in.SpaceKey, res.Failed, res.FailedIDs)
	}
	// Flows another trigger had started are waited for, so their records
	// are in the manifest (closures recorded before this step replay
	// without it).
	if workflow.GetVersion(ctx, closeAwaitFlows, workflow.DefaultVersion, 1) < 1 || len(elsewhere)+more == 0 {
		return nil
	}
	if more > 0 {
		return activities.NonRetryable(activities.TypeClosureIncomplete,
			"space %s: %d flows started by other triggers were running while the closure's backfill ran; no record set was sealed: run close again once they end", c.in.SpaceKey, len(elsewhere)+more)
	}
	var acts *triggers.BackfillActivities
	var waited activities.AwaitFlowsResult
	if err := workflow.ExecuteActivity(activityCtx(ctx, activities.ConfluenceTaskQueue, backfillCall,
		fmt.Sprintf("Wait for %d flows other triggers started in space %s", len(elsewhere), c.in.SpaceKey)), acts.AwaitFlows,
		activities.AwaitFlowsInput{SpaceKey: c.in.SpaceKey, WorkflowIDs: elsewhere}).Get(ctx, &waited); err != nil {
		return err
	}
	c.p.Awaited = len(elsewhere)
	if len(waited.Unfinished) > 0 {
		return activities.NonRetryable(activities.TypeClosureIncomplete,
			"space %s: %d flows other triggers started did not complete (%v); no record set was sealed: fix them and run close again", c.in.SpaceKey, len(waited.Unfinished), waited.Unfinished)
	}
	return nil
}

// closeAwaitFlows marks closures that wait for flows other triggers started.
const closeAwaitFlows = "close-await-flows"

// collect lists the next batch of pages with their records and stages
// the members as the next manifest part.
func (c *closure) collect(ctx workflow.Context) (bool, error) {
	var acts *triggers.BackfillActivities
	var batch activities.RecordSetMembersBatch
	if err := workflow.ExecuteActivity(activityCtx(ctx, activities.ConfluenceTaskQueue, backfillCall,
		fmt.Sprintf("List the records of the next %d pages of space %s", c.in.BatchSize, c.in.SpaceKey)), acts.RecordSetMembers,
		activities.RecordSetMembersInput{SpaceKey: c.in.SpaceKey, RootPageID: c.in.RootPageID, After: c.p.Cursor, Limit: c.in.BatchSize}).Get(ctx, &batch); err != nil {
		return false, err
	}
	if len(batch.Members) > 0 {
		var ot *records.OpenTextActivities
		var part activities.RecordSetPartResult
		n := c.p.Parts + 1
		if err := workflow.ExecuteActivity(opentextCtx(ctx, fmt.Sprintf("Stage manifest part %d of space %s", n, c.in.SpaceKey)), ot.StageRecordSetPart,
			activities.RecordSetPartInput{SpaceKey: c.in.SpaceKey, PartsID: c.p.Set.PartsID, Part: n, Members: batch.Members}).Get(ctx, &part); err != nil {
			return false, err
		}
		c.p.Parts = n
	}
	c.p.Listed += batch.Listed
	c.p.Members += len(batch.Members)
	c.p.Unrecorded += batch.Unrecorded
	c.p.Cursor = batch.Next
	c.details(ctx)
	return batch.More, nil
}

// seal builds the manifest from the parts in OTCS and declares it.
func (c *closure) seal(ctx workflow.Context) error {
	var ot *records.OpenTextActivities
	var set activities.RecordSet
	if err := workflow.ExecuteActivity(activityCtx(ctx, activities.OpenTextTaskQueue, batchCall, "Seal the record set of space "+c.in.SpaceKey), ot.SealRecordSet,
		activities.SealRecordSetInput{SpaceKey: c.in.SpaceKey, RootPageID: c.in.RootPageID, FolderID: c.p.Set.FolderID, PartsID: c.p.Set.PartsID,
			Parts: c.p.Parts, Members: c.p.Members, ClosedAt: c.p.ClosedAt}).Get(ctx, &set); err != nil {
		return err
	}
	c.p.Set = set
	return nil
}

// restrict makes the next batch of pages read-only.
func (c *closure) restrict(ctx workflow.Context) (bool, error) {
	var acts *triggers.BackfillActivities
	var batch activities.ReadOnlyPagesBatch
	if err := workflow.ExecuteActivity(activityCtx(ctx, activities.ConfluenceTaskQueue, backfillCall,
		fmt.Sprintf("Make the next %d pages of space %s read-only", c.in.BatchSize, c.in.SpaceKey)), acts.ReadOnlyPages,
		activities.ReadOnlyPagesInput{SpaceKey: c.in.SpaceKey, RootPageID: c.in.RootPageID, After: c.p.Cursor, Limit: c.in.BatchSize}).Get(ctx, &batch); err != nil {
		return false, err
	}
	c.p.Restricted += batch.Restricted
	c.p.Cursor = batch.Next
	c.details(ctx)
	return batch.More, nil
}

func (c *closure) afterSeal() string {
	if c.p.ReadOnly {
		return CloseRestricting
	}
	return CloseDone
}

func (c *closure) setState(ctx workflow.Context, state string) {
	c.p.State = state
	c.details(ctx)
}

func (c *closure) historyFull(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > closeHistoryLimit ||
		info.GetCurrentHistorySize() > closeHistoryBytes
}

func (c *closure) continueAsNew(ctx workflow.Context) error {
	c.p.Runs++
	next := c.in
	p := c.p
	next.Progress = &p
	return workflow.NewContinueAsNewError(ctx, CloseSpace, next)
}

// details keeps the Web UI's current details in step with the progress.
func (c *closure) details(ctx workflow.Context) {
	p := c.p
	filed := "-"
	if b := p.Backfill; b != nil {
		filed = fmt.Sprintf("%d published, %d filed, %d already recorded, %d skipped", b.Published, b.Filed, b.AlreadyRecorded+b.AlreadyStarted, b.Skipped)
	}
	set := "-"
	if p.Set.FolderID != 0 {
		set = fmt.Sprintf("[node %d](%s)", p.Set.FolderID, p.Set.URL)
		if p.Set.Sealed {
			set += fmt.Sprintf(", manifest node %d, SHA-256 %s", p.Set.ManifestID, p.Set.SHA256)
		}
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf(
		"**State:** %s  \n**Backfill:** %s  \n**Pages listed:** %d  \n**Records in the set:** %d in %d parts  \n"+
			"**Unrecorded pages:** %d  \n**Record set:** %s  \n**Read-only pages:** %d",
		p.State, filed, p.Listed, p.Members, p.Parts, p.Unrecorded, set, p.Restricted))
}
