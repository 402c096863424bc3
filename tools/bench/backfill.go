package main

import (
	"context"
	"fmt"
	"time"

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
	fmt.Printf("| backfill of %d approved pages, 50 flows in flight | %s, %.1f pages/s = %.0f %% of the dev server ceiling (issue 21 target: at least 50 %%); %d published, %d failed; %d actions for the backfill itself (%d runs), %.1f actions per page in all; largest history %d events |\n",
		n, first.took.Round(time.Second), float64(p.Published)/first.took.Seconds(), 100*float64(p.Published)/first.took.Seconds()/ceiling,
		p.Published, p.Failed, first.actions, p.Runs+1, float64(first.actions+first.flowActions)/float64(n), first.largest)
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
