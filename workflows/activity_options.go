package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
)

// Retry forever (bounded by ScheduleToClose) with back-off: a backend that
// is down must not lose the document; non-retryable errors stop at once.
var backendRetry = &temporal.RetryPolicy{
	InitialInterval:    time.Second,
	BackoffCoefficient: 2,
	MaximumInterval:    2 * time.Minute,
}

// heartbeatTimeout is how long a running activity may go without a
// heartbeat: workers heartbeat every activity by time (internal/heartbeat),
// so this is how soon the activity of a worker that died is retried.
const heartbeatTimeout = 30 * time.Second

// timeouts is the time budget of one kind of activity: one attempt
// (startToClose), silence before a dead worker's attempt is retried
// (heartbeat), and all attempts together (scheduleToClose).
type timeouts struct {
	startToClose, heartbeat, scheduleToClose time.Duration
}

// The budgets of the workflows' activities.
var (
	// A single backend call.
	confluenceCall = timeouts{2 * time.Minute, heartbeatTimeout, 24 * time.Hour}
	opentextCall   = timeouts{5 * time.Minute, heartbeatTimeout, 24 * time.Hour}
	// Moving document bytes: long, so they report their progress; a stuck
	// transfer is retried after its progress stalls (two minutes).
	transferCall = timeouts{6 * time.Hour, heartbeatTimeout, 48 * time.Hour}
	// Batches of up to a browse page of documents.
	batchCall = timeouts{30 * time.Minute, heartbeatTimeout, 24 * time.Hour}
	// One reconciliation pass over the mapped spaces.
	reconcileCall = timeouts{30 * time.Minute, heartbeatTimeout, 2 * time.Hour}
	// Routing one webhook event.
	routeCall = timeouts{time.Minute, heartbeatTimeout, 24 * time.Hour}
	// Listing and deciding one backfill batch.
	backfillCall = timeouts{30 * time.Minute, LongestHeartbeatTimeout, 24 * time.Hour}
)

// LongestHeartbeatTimeout is the longest heartbeat timeout of any activity.
// A worker that is stopped should be given longer than this to finish
// (the Helm chart's terminationGracePeriodSeconds): killed sooner, its
// attempt is only retried once this much silence has passed.
const LongestHeartbeatTimeout = 2 * time.Minute

// activityCtx is the one place activity options are built: every
// activity retries with backendRetry and shows its summary in the UI.
func activityCtx(ctx workflow.Context, queue string, t timeouts, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:              queue,
		StartToCloseTimeout:    t.startToClose,
		HeartbeatTimeout:       t.heartbeat,
		ScheduleToCloseTimeout: t.scheduleToClose,
		RetryPolicy:            backendRetry,
		Summary:                summary,
	})
}

// confluenceCtx is for one Confluence call.
func confluenceCtx(ctx workflow.Context, summary string) workflow.Context {
	return activityCtx(ctx, activities.ConfluenceTaskQueue, confluenceCall, summary)
}

// opentextCtx is for one OTCS call.
func opentextCtx(ctx workflow.Context, summary string) workflow.Context {
	return activityCtx(ctx, activities.OpenTextTaskQueue, opentextCall, summary)
}

// transferCtx is for activities that move document bytes into OTCS.
func transferCtx(ctx workflow.Context, summary string) workflow.Context {
	return activityCtx(ctx, activities.OpenTextTaskQueue, transferCall, summary)
}

// documentsCtx is for the document activities: batches of up to a browse
// page; a dead worker's batch is retried after the heartbeat timeout.
func documentsCtx(ctx workflow.Context, queue, summary string) workflow.Context {
	return activityCtx(ctx, queue, batchCall, summary)
}
