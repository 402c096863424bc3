package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
)

// ReconcileScheduleID is the Temporal Schedule that runs Reconcile.
const ReconcileScheduleID = "xecm-bridge-reconcile"

// ReconcileInput configures a reconciliation run.
type ReconcileInput struct {
	// Lookback is how far back the first run (and a newly mapped space)
	// looks for changed pages.
	Lookback time.Duration
}

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
	var trig *activities.TriggerActivities
	var res activities.ReconcileResult
	actx := activityCtx(ctx, activities.ConfluenceTaskQueue, reconcileCall, "Find changed pages and start their flows")
	err := workflow.ExecuteActivity(actx, trig.ReconcileSpaces, activities.ReconcileInput{
		Cursors: prev.Cursors, Lookback: in.Lookback, Now: workflow.Now(ctx),
	}).Get(ctx, &res)
	if err != nil {
		return nil, err
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**Changed pages:** %d  \n**Flows started or found:** %d", res.Pages, res.StartedTotal))
	return &res, nil
}
