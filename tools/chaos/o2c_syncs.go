package main

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// syncRun is one SyncDocuments workflow the O→C scenario started.
type syncRun struct {
	ID, Kind       string // Kind: "on demand" (starter sync now) or "scheduled"
	Started, Close time.Duration
	Status         string
	Result         *workflows.SyncState
}

// syncDriver starts SyncDocuments as the starter and the Schedule would:
// on-demand full sweeps (control.SyncNow, the starter's `sync now`) and a
// chain of scheduled runs, each continuing from the previous run's result
// with every FullEvery-th a full sweep, so an on-demand sweep and a
// scheduled run overlap.
type syncDriver struct {
	w         *world
	fullEvery int

	mu      sync.Mutex
	runs    []*syncRun
	open    int
	maxOpen int
	retries int // starts retried while the dev server was down
	last    *workflows.SyncState
}

// scheduledID is the id of the chain's nth run (the Schedule appends the
// time; a counter is as unique here).
func scheduledID(n int) string { return fmt.Sprintf("sync-documents-chaos-%03d", n) }

// start starts one run, retrying while Temporal is unreachable.
func (d *syncDriver) start(ctx context.Context, kind string, n int, from *workflows.SyncState) (*syncRun, error) {
	for {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		id, err := d.startOnce(cctx, kind, n, from)
		cancel()
		if err == nil {
			r := &syncRun{ID: id, Kind: kind, Started: time.Since(d.w.t0)}
			d.mu.Lock()
			d.runs = append(d.runs, r)
			d.open++
			d.maxOpen = max(d.maxOpen, d.open)
			d.mu.Unlock()
			d.w.logf("sync %s started (%s)", id, kind)
			return r, nil
		}
		d.mu.Lock()
		d.retries++
		d.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (d *syncDriver) startOnce(ctx context.Context, kind string, n int, from *workflows.SyncState) (string, error) {
	c := d.w.tc.get()
	if kind == "on demand" {
		st, err := (&control.Client{Temporal: c}).SyncNow(ctx, control.DocumentsFeed, "chaos")
		if err != nil {
			return "", err
		}
		return st.WorkflowID, nil
	}
	// What the Schedule's action starts (control.EnsureFeedSchedule), with
	// the previous result passed as From instead of the Schedule's own.
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: scheduledID(n), TaskQueue: workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            "Sync document pages from OTCS (chaos schedule)",
	}, workflows.SyncDocuments, workflows.SyncDocumentsInput{FullEvery: d.fullEvery, From: from})
	return scheduledID(n), err
}

// wait polls a run until it closes (through continue-as-new) and reads
// its result; ctx ending leaves it open.
func (d *syncDriver) wait(ctx context.Context, r *syncRun) {
	for {
		c := d.w.tc.get()
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		desc, err := c.DescribeWorkflowExecution(dctx, r.ID, "")
		cancel()
		if err == nil {
			info := desc.GetWorkflowExecutionInfo()
			if st := info.GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING && st != enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW {
				var res workflows.SyncState
				if st == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
					gctx, cancel := context.WithTimeout(ctx, 5*time.Second)
					err = c.GetWorkflow(gctx, r.ID, info.GetExecution().GetRunId()).Get(gctx, &res)
					cancel()
				}
				if err == nil {
					d.mu.Lock()
					r.Status, r.Close = statusName(st), info.GetCloseTime().AsTime().Sub(d.w.t0)
					if st == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
						r.Result = &res
					}
					d.open--
					d.mu.Unlock()
					d.w.logf("sync %s %s (%s)", r.ID, r.Status, syncLine(r.Result))
					return
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// minScheduled is how many scheduled runs the chaos phase makes at least,
// so incremental runs meet the edits too: killed workers can hold the
// first sweeps until after the chaos.
const minScheduled = 3

// during runs the syncs of the chaos phase: on-demand sweeps until chaos
// ends, and the scheduled chain until then and for at least minScheduled
// runs, pause apart; every run it started is waited for until ctx (the
// deadline) ends.
func (d *syncDriver) during(ctx, chaos context.Context, pause time.Duration) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for chaos.Err() == nil {
			r, err := d.start(chaos, "on demand", 0, nil)
			if err != nil {
				return
			}
			d.wait(ctx, r)
			sleep(chaos, pause)
		}
	}()
	go func() {
		defer wg.Done()
		for n := 1; chaos.Err() == nil || n <= minScheduled; n++ {
			d.mu.Lock()
			from := d.last
			d.mu.Unlock()
			r, err := d.start(ctx, "scheduled", n, from)
			if err != nil {
				return
			}
			d.wait(ctx, r)
			if r.Result != nil {
				d.mu.Lock()
				d.last = r.Result
				d.mu.Unlock()
			}
			if chaos.Err() == nil {
				sleep(chaos, pause)
			}
		}
	}()
	wg.Wait()
}

// once starts one run and waits for it; the scheduled kind continues the
// chain from its last result.
func (d *syncDriver) once(ctx context.Context, kind string, n int) *syncRun {
	d.mu.Lock()
	from := d.last
	d.mu.Unlock()
	r, err := d.start(ctx, kind, n, from)
	if err != nil {
		return &syncRun{ID: "(not started)", Kind: kind, Status: err.Error()}
	}
	d.wait(ctx, r)
	if r.Result != nil && kind == "scheduled" {
		d.mu.Lock()
		d.last = r.Result
		d.mu.Unlock()
	}
	return r
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// snapshot returns the runs so far, by start.
func (d *syncDriver) snapshot() []syncRun {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]syncRun, len(d.runs))
	for i, r := range d.runs {
		out[i] = *r
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Started < out[j].Started })
	return out
}

// syncLine sums up a run's totals for the progress lines.
func syncLine(st *workflows.SyncState) string {
	if st == nil {
		return "no result"
	}
	t := st.Totals
	mode := "changes"
	if st.Full {
		mode = "full sweep"
	}
	return fmt.Sprintf("%s: %d documents read, %d pages created, %d updated, %d archived, %d back links", mode, t.Documents, t.Created, t.Changed, t.Archived, t.BackLinks)
}
