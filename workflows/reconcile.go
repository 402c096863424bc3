package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
	"github.com/xecm-bridge/xecm-bridge/activities/records"
	"github.com/xecm-bridge/xecm-bridge/activities/triggers"
)

// ReconcileScheduleID is the Temporal Schedule that runs Reconcile.
const ReconcileScheduleID = "xecm-bridge-reconcile"

// ReconcileInput configures a reconciliation run.
type ReconcileInput struct {
	// Lookback is how far back the first run (and a newly mapped space)
	// looks for changed pages.
	Lookback time.Duration
	// AccessEvery makes every Nth run re-check the read access of every
	// published page and narrow its record (0: DefaultAccessEvery;
	// negative: never). A restriction changed without a webhook leaves no
	// modification date, so only this finds it.
	AccessEvery int `json:",omitempty"`
	// StatusEvery makes every Nth run show the life of every published
	// page's record in OTCS on the page: RM data, holds (which freeze the
	// page), disposal (0: DefaultStatusEvery; negative: never).
	StatusEvery int `json:",omitempty"`
}

// DefaultStatusEvery is every how many reconciliation runs the records'
// status is swept: hourly at the default 5-minute interval, as the access
// re-check. A sweep reads every published page's record in both systems,
// so a large estate pays for it in requests; BRIDGE_RECONCILE_STATUS_EVERY
// (the Schedule's input) makes a hold freeze its source sooner.
const DefaultStatusEvery = 12

// recordStatusVersion guards the record-status sweep, which runs after
// reconciliations recorded before it.
const recordStatusVersion = "record-status-sweep"

// DefaultAccessEvery is every how many reconciliation runs the records'
// access is re-checked: hourly at the demo's 5-minute interval.
const DefaultAccessEvery = 12

// accessBatch is how many published pages one re-check activity reads.
const accessBatch = 200

// Reconcile finds pages changed since the previous run and starts what a
// webhook should have started, so a missed or disabled webhook delays a
// document but never loses it. It runs from a Temporal Schedule; each run
// continues from the cursors the previous run returned (its last
// completion result), so nothing between two runs is skipped.
func Reconcile(ctx workflow.Context, in ReconcileInput) (*activities.ReconcileResult, error) {
	var prev activities.ReconcileResult
	if workflow.HasLastCompletionResult(ctx) {
		if err := workflow.GetLastCompletionResult(ctx, &prev); err != nil {
			workflow.GetLogger(ctx).Warn("Previous reconciliation result unreadable; using the lookback", "error", err)
			prev = activities.ReconcileResult{}
		}
	}
	if in.Lookback <= 0 {
		in.Lookback = time.Hour
	}
	var trig *triggers.TriggerActivities
	var res activities.ReconcileResult
	actx := activityCtx(ctx, activities.ConfluenceTaskQueue, reconcileCall, "Find changed pages and start their flows")
	err := workflow.ExecuteActivity(actx, trig.ReconcileSpaces, activities.ReconcileInput{
		Cursors: prev.Cursors, Lookback: in.Lookback, Now: workflow.Now(ctx),
	}).Get(ctx, &res)
	if err != nil {
		return nil, err
	}
	res.Runs = prev.Runs + 1
	every := in.AccessEvery
	if every == 0 {
		every = DefaultAccessEvery
	}
	if every > 0 && res.Runs%every == 0 {
		if res.Access, err = recheckAccess(ctx, res.Cursors); err != nil {
			return nil, err
		}
	}
	if workflow.GetVersion(ctx, recordStatusVersion, workflow.DefaultVersion, 1) == 1 {
		every := in.StatusEvery
		if every == 0 {
			every = DefaultStatusEvery
		}
		if every > 0 && res.Runs%every == 0 {
			if res.Status, err = sweepRecordStatus(ctx, res.Cursors); err != nil {
				return nil, err
			}
		}
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**Changed pages:** %d  \n**Flows started or found:** %d", res.Pages, res.StartedTotal))
	return &res, nil
}

// recheckAccess narrows the records of every published page of the
// mapped spaces to who may read the page now, a batch at a time.
func recheckAccess(ctx workflow.Context, spaces []activities.SpaceCursor) (*activities.AccessCheck, error) {
	var conf *pages.ConfluenceActivities
	out := &activities.AccessCheck{}
	for _, sp := range spaces {
		var pages []string
		err := workflow.ExecuteActivity(documentsCtx(ctx, activities.ConfluenceTaskQueue, "List the published pages of "+sp.SpaceKey), conf.PublishedPages, sp.SpaceKey).Get(ctx, &pages)
		if err != nil {
			return nil, err
		}
		out.Pages += len(pages)
		for i := 0; i < len(pages); i += accessBatch {
			batch := pages[i:min(i+accessBatch, len(pages))]
			// Narrowing only: this snapshot may be older than a page's own
			// SecureRecords run, which alone widens.
			narrowed, found, err := applyAccess(ctx, activities.SecureRecordsInput{PageIDs: batch, SpaceKey: sp.SpaceKey, RequestedBy: "reconciliation"}, false)
			if err != nil {
				return nil, err
			}
			out.Records += len(found.Records)
			out.Narrowed = append(out.Narrowed, narrowed.Narrowed...)
		}
	}
	return out, nil
}

// sweepRecordStatus shows the life of every published page's record on
// the page, a batch at a time: which record each page links (Confluence
// queue), its state in OTCS (OpenText queue, reads only), then the status
// property, comment, hold freeze or release and disposal policy
// (Confluence queue).
func sweepRecordStatus(ctx workflow.Context, spaces []activities.SpaceCursor) (*activities.StatusCheck, error) {
	var conf *pages.ConfluenceActivities
	var otcs *records.OpenTextActivities
	out := &activities.StatusCheck{}
	for _, sp := range spaces {
		var ids []string
		err := workflow.ExecuteActivity(documentsCtx(ctx, activities.ConfluenceTaskQueue, "List the published pages of "+sp.SpaceKey), conf.PublishedPages, sp.SpaceKey).Get(ctx, &ids)
		if err != nil {
			return nil, err
		}
		out.Pages += len(ids)
		for i := 0; i < len(ids); i += accessBatch {
			batch := ids[i:min(i+accessBatch, len(ids))]
			var recs activities.PageRecordsResult
			if err := workflow.ExecuteActivity(documentsCtx(ctx, activities.ConfluenceTaskQueue, "Read the records of the pages"), conf.PageRecords, batch).Get(ctx, &recs); err != nil {
				return nil, err
			}
			if len(recs.Records) == 0 {
				continue
			}
			out.Records += len(recs.Records)
			var states []activities.RecordState
			err := workflow.ExecuteActivity(documentsCtx(ctx, activities.OpenTextTaskQueue, fmt.Sprintf("Read the life of %d records", len(recs.Records))), otcs.RecordStates,
				activities.RecordStatesInput{Records: recs.Records}).Get(ctx, &states)
			if err != nil {
				return nil, err
			}
			var shown activities.RecordStatusResult
			err = workflow.ExecuteActivity(documentsCtx(ctx, activities.ConfluenceTaskQueue, "Show the records' status on their pages"), conf.ShowRecordStatus,
				activities.RecordStatusInput{States: states}).Get(ctx, &shown)
			if err != nil {
				return nil, err
			}
			out.Updated = append(out.Updated, shown.Updated...)
			out.Frozen = append(out.Frozen, shown.Frozen...)
			out.Released = append(out.Released, shown.Released...)
			out.Disposed = append(out.Disposed, shown.Disposed...)
			out.Refused = append(out.Refused, shown.Refused...)
		}
	}
	return out, nil
}
