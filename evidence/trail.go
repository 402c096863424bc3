package evidence

// The durable trail beyond the describe call: the steps of each run from
// its history, and the record node's OTCS audit.

import (
	"context"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// Step is one activity of a run, from its history: what ran, when, how
// many attempts it took and how it ended. No payload is read, so an
// encrypted history gives the same steps.
type Step struct {
	Activity    string    `json:"activity"`
	TaskQueue   string    `json:"taskQueue"`
	ScheduledAt time.Time `json:"scheduledAt"`
	StartedAt   time.Time `json:"startedAt,omitzero"`
	ClosedAt    time.Time `json:"closedAt,omitzero"`
	Attempts    int32     `json:"attempts,omitempty"`
	Outcome     string    `json:"outcome"` // Completed, Failed, TimedOut, Canceled, or Open
	Failure     string    `json:"failure,omitempty"`
}

// runSteps reads the run's history and lists its activities in the order
// they were scheduled.
func runSteps(ctx context.Context, c client.Client, workflowID, runID string) ([]Step, error) {
	var steps []Step
	bySchedule := map[int64]int{} // scheduled event id → index in steps
	it := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return steps, err
		}
		at := e.GetEventTime().AsTime().UTC()
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			a := e.GetActivityTaskScheduledEventAttributes()
			bySchedule[e.GetEventId()] = len(steps)
			steps = append(steps, Step{Activity: a.GetActivityType().GetName(), TaskQueue: a.GetTaskQueue().GetName(), ScheduledAt: at, Outcome: "Open"})
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			a := e.GetActivityTaskStartedEventAttributes()
			if i, ok := bySchedule[a.GetScheduledEventId()]; ok {
				steps[i].StartedAt, steps[i].Attempts = at, a.GetAttempt()
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			closeStep(steps, bySchedule, e.GetActivityTaskCompletedEventAttributes().GetScheduledEventId(), at, "Completed", nil)
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_FAILED:
			a := e.GetActivityTaskFailedEventAttributes()
			closeStep(steps, bySchedule, a.GetScheduledEventId(), at, "Failed", a.GetFailure())
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
			a := e.GetActivityTaskTimedOutEventAttributes()
			closeStep(steps, bySchedule, a.GetScheduledEventId(), at, "TimedOut", a.GetFailure())
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_CANCELED:
			closeStep(steps, bySchedule, e.GetActivityTaskCanceledEventAttributes().GetScheduledEventId(), at, "Canceled", nil)
		}
	}
	return steps, nil
}

// failure is what the history's failure says: its message (the typed
// errors put their type and reason there), never its details.
type failure interface{ GetMessage() string }

func closeStep(steps []Step, bySchedule map[int64]int, scheduled int64, at time.Time, outcome string, f failure) {
	i, ok := bySchedule[scheduled]
	if !ok {
		return
	}
	steps[i].ClosedAt, steps[i].Outcome = at, outcome
	if f != nil {
		steps[i].Failure = f.GetMessage()
	}
}

// audit reads the record node's OTCS audit trail. A server that does not
// give it (an older OTCS, or an account that may not read it: 400
// "invalid action 'audit-list'") leaves a note, not a failure: the rest
// of the pack still stands.
func (b *builder) audit(ctx context.Context) {
	events, err := b.src.OTCS.NodeAudit(ctx, b.p.Record.NodeID)
	if err != nil {
		b.p.Trail.AuditError = err.Error()
		b.note("the OTCS audit of node %d is missing: %v", b.p.Record.NodeID, err)
		return
	}
	for _, e := range events {
		name, err := b.member(ctx, e.UserID)
		if err != nil {
			name = ""
		}
		b.p.Trail.OTCSAudit = append(b.p.Trail.OTCSAudit, AuditEvent{AuditEvent: e, User: name})
	}
}
