package main

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// closeBench closes space POL and measures the record set: the closure's
// backfill (every page of the space decided; in the full bench the
// backfill rows have filed the n pages, so it takes the fast path), the
// listing of every page with its record, the manifest parts, and the
// sealed manifest. With seed, n approved pages are made first, so the
// closure files them itself (--close-only).
func (w *world) closeBench(ctx context.Context, n int, seed bool) error {
	if seed {
		for i := 0; i < n; i++ {
			w.confSim.CreatePage("POL", fmt.Sprintf("Closure policy #%05d", i), "<p>Closed.</p>", "557058:bench", "approved", "dept-bench")
		}
	}
	cmd, err := w.startWorkers()
	if err != nil {
		return err
	}
	defer stopWorkers(cmd)
	start := time.Now()
	st, err := w.publisher.Close(ctx, control.CloseRequest{SpaceKey: "POL", Concurrency: 50, RequestedBy: "bench"})
	if err != nil {
		return err
	}
	var p workflows.CloseProgress
	if err := st.Run.Get(ctx, &p); err != nil {
		return err
	}
	took := time.Since(start)
	actions, runs, largest := 0, 0, 0
	for _, id := range []string{st.WorkflowID, workflows.CloseBackfillWorkflowID("POL")} {
		list, err := w.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: fmt.Sprintf("WorkflowId = '%s'", id)})
		if err != nil {
			return err
		}
		for _, e := range list.GetExecutions() {
			if e.GetStartTime().AsTime().Before(start.Add(-time.Second)) {
				continue
			}
			ev, ac, err := w.historyCostRun(ctx, id, e.GetExecution().GetRunId())
			if err != nil {
				return err
			}
			actions, runs, largest = actions+ac, runs+1, max(largest, ev)
		}
	}
	b := p.Backfill
	if b == nil {
		b = &workflows.BackfillProgress{}
	}
	fmt.Printf("| close space POL with %d approved pages (`starter close`: backfill, manifest of every record, sealed set) | %s; %d pages listed, %d records in the manifest (%d parts), %d published by the closure, %d already recorded, %d failed; %d actions for the closure and its backfill (%d runs), largest history %d events |\n",
		n, took.Round(time.Millisecond), p.Listed, p.Members, p.Parts, b.Published, b.AlreadyRecorded, b.Failed, actions, runs, largest)
	return nil
}
