package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// firstTaskWait is how long a run's first workflow task waited between
// being scheduled and being started. An eager start's task is started in
// the start's own write (microseconds apart); a polled one waits for the
// server to hand it to a poll (tens of milliseconds on the 2-core machine).
func firstTaskWait(t *testing.T, workflowID string) time.Duration {
	t.Helper()
	it := h.temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var scheduled time.Time
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
			scheduled = ev.GetEventTime().AsTime()
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED:
			return ev.GetEventTime().AsTime().Sub(scheduled)
		}
	}
	t.Fatalf("%s has no started workflow task", workflowID)
	return 0
}

// A flow a trigger activity starts in a process that also runs the
// workflows worker (here roles.All, unversioned) is started eagerly: its
// first workflow task comes back with the start, to that worker, without
// a poll. The history is the same as a polled start's.
func TestTriggeredPublishStartsEagerly(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	p := h.confSim.CreatePage("POL", "Eagerly published policy", "<p>Body.</p>", "557058:editor", "dept-legal")
	require.NoError(t, h.confSim.AddLabel(p.ID, "approved"))
	st, err := h.publisher.Route(ctx, workflows.RouteEventInput{PageID: p.ID, Event: "label_added", Actor: "557058:admin", DeliveryID: "eager-test", Label: "approved"})
	require.NoError(t, err)
	require.NoError(t, st.Run.Get(ctx, nil))
	publishID := workflows.PublishPageWorkflowID(p.ID, 1)
	waitCompleted(t, publishID)
	wait := firstTaskWait(t, publishID)
	t.Logf("first workflow task of %s waited %s (the route, started by a client without a worker: %s)", publishID, wait, firstTaskWait(t, st.WorkflowID))
	require.Less(t, wait, 5*time.Millisecond, "the publish's first task came back with its start")

	// The same start without Eager waits for a poll, and the control
	// client asks for an eager start only when told to.
	q := h.confSim.CreatePage("POL", "Polled policy", "<p>Body.</p>", "557058:editor", "approved", "dept-legal")
	polled, err := (&control.Client{Temporal: h.temporal, Confluence: h.conf}).Publish(ctx, q.ID, 1, "e2e test")
	require.NoError(t, err)
	require.NoError(t, polled.Run.Get(ctx, nil))
	t.Logf("a polled start's first task waited %s", firstTaskWait(t, polled.WorkflowID))
}
