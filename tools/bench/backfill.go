package main

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// backfillRun is what one backfill cost.
type backfillRun struct {
	took            time.Duration
	progress        workflows.BackfillProgress
	actions, events int // the backfill's own runs (continue-as-new chain)
	flowActions     int // the publish runs it started
	largest         int // the largest history of any run involved
	// deciding is the time the backfill's runs spent in BackfillBatch
	// (scheduled to completed), when no new flow is started; draining is
	// the time each run waited, before continuing as new, for its last
	// flows to end.
	deciding, draining time.Duration
	batches            int
}

// backfillBench seeds n approved pages and backfills them twice: the first
// run publishes every page (at most 50 flows in flight), the second finds
// them all recorded (fast path). Pages/s are set against the dev server's
// ceiling for trivial workflows measured in the same run.
func (w *world) backfillBench(ctx context.Context, n int, ceiling float64) error {
	since := time.Now().UTC()
	for i := 0; i < n; i++ {
		w.confSim.CreatePage("POL", fmt.Sprintf("Backfill policy #%05d", i), "<p>Backfilled.</p>", "557058:bench", "approved", "dept-bench")
	}
	cmd, err := w.startWorkers()
	if err != nil {
		return err
	}
	defer stopWorkers(cmd)
	first, err := w.backfillOnce(ctx, since, true)
	if err != nil {
		return err
	}
	again, err := w.backfillOnce(ctx, since, false)
	if err != nil {
		return err
	}
	p := first.progress
	fmt.Printf("| backfill of %d approved pages, 50 flows in flight | %s, %.1f pages/s = %.0f %% of the dev server ceiling (issue 21 target: at least 50 %%); %d published, %d failed; %d actions for the backfill itself (%d runs), %.1f actions per page in all; largest history %d events; %d batch decisions took %.1f s in all, and the runs drained their last flows before continuing as new for %.1f s |\n",
		n, first.took.Round(time.Second), float64(p.Published)/first.took.Seconds(), 100*float64(p.Published)/first.took.Seconds()/ceiling,
		p.Published, p.Failed, first.actions, p.Runs+1, float64(first.actions+first.flowActions)/float64(n), first.largest,
		first.batches, first.deciding.Seconds(), first.draining.Seconds())
	q := again.progress
	fmt.Printf("| the same backfill again (every page recorded: fast path) | %s, %d of %d already recorded, %d published; %d actions (%.2f per page), no rendition streamed |\n",
		again.took.Round(time.Millisecond), q.AlreadyRecorded, n, q.Published, again.actions, float64(again.actions)/float64(n))
	return nil
}

// backfillOnce runs one backfill of POL from since and measures it; with
// flows, it also counts the actions of the publish runs it started.
func (w *world) backfillOnce(ctx context.Context, since time.Time, flows bool) (backfillRun, error) {
	var r backfillRun
	start := time.Now()
	st, err := w.publisher.Backfill(ctx, control.BackfillRequest{SpaceKey: "POL", Since: since, Concurrency: 50, RequestedBy: "bench"})
	if err != nil {
		return r, err
	}
	if err := st.Run.Get(ctx, &r.progress); err != nil {
		return r, err
	}
	r.took = time.Since(start)
	runs, err := w.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: fmt.Sprintf("WorkflowId = '%s'", st.WorkflowID)})
	if err != nil {
		return r, err
	}
	for _, e := range runs.GetExecutions() {
		if e.GetStartTime().AsTime().Before(start.Add(-time.Second)) {
			continue // an earlier backfill of the space
		}
		ev, ac, err := w.historyCostRun(ctx, st.WorkflowID, e.GetExecution().GetRunId())
		if err != nil {
			return r, err
		}
		r.events, r.actions, r.largest = r.events+ev, r.actions+ac, max(r.largest, ev)
		if err := w.backfillStalls(ctx, st.WorkflowID, e.GetExecution().GetRunId(), &r); err != nil {
			return r, err
		}
	}
	if !flows {
		return r, nil
	}
	pubs, err := w.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: fmt.Sprintf("WorkflowType = 'PublishPage' AND StartTime >= '%s'", start.UTC().Format(time.RFC3339)), PageSize: 1000})
	if err != nil {
		return r, err
	}
	for page := pubs; ; {
		for _, e := range page.GetExecutions() {
			ev, ac, err := w.historyCostRun(ctx, e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId())
			if err != nil {
				return r, err
			}
			r.flowActions, r.largest = r.flowActions+ac, max(r.largest, ev)
		}
		if len(page.GetNextPageToken()) == 0 {
			break
		}
		if page, err = w.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowType = 'PublishPage' AND StartTime >= '%s'", start.UTC().Format(time.RFC3339)), PageSize: 1000,
			NextPageToken: page.GetNextPageToken()}); err != nil {
			return r, err
		}
	}
	return r, nil
}

// backfillStalls adds one backfill run's time in batch decisions and its
// drain before continuing as new (from its last batch decision's end, or
// its last child start, to the run's close) to r.
func (w *world) backfillStalls(ctx context.Context, workflowID, runID string, r *backfillRun) error {
	it := w.temporal.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	scheduled := map[int64]time.Time{}
	var lastStart time.Time
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return err
		}
		at := ev.GetEventTime().AsTime()
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			if ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName() == "BackfillBatch" {
				scheduled[ev.GetEventId()] = at
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			if t, ok := scheduled[ev.GetActivityTaskCompletedEventAttributes().GetScheduledEventId()]; ok {
				r.deciding += at.Sub(t)
				r.batches++
			}
		case enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
			lastStart = at
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
			if !lastStart.IsZero() {
				r.draining += at.Sub(lastStart)
			}
		}
	}
	return nil
}
