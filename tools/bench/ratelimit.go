package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/xecm-bridge/xecm-bridge/activities"
)

// rateLimitBench runs two worker processes with BRIDGE_OPENTEXT_RATE=5 and
// measures, from the run histories, how many activities of the OpenText
// queue started per second: the limit is the server's, for all workers of
// the queue together, so two workers must not double it.
func (w *world) rateLimitBench(ctx context.Context, pages int) (avg float64, peak int, err error) {
	env := append(append([]string{}, w.env...), "BRIDGE_OPENTEXT_RATE=5")
	var cmds []*exec.Cmd
	for i := 0; i < 2; i++ {
		cmd := exec.Command(w.bin, "--queues", "all")
		cmd.Env, cmd.Stderr = env, os.Stderr
		if err := cmd.Start(); err != nil {
			return 0, 0, err
		}
		cmds = append(cmds, cmd)
	}
	defer func() {
		for _, c := range cmds {
			stopWorkers(c)
		}
	}()
	var mu sync.Mutex
	var ids []string
	var wg sync.WaitGroup
	errs := make(chan error, pages)
	for i := 0; i < pages; i++ {
		id := w.confSim.CreatePage("POL", fmt.Sprintf("Rate limit policy #%04d", i), "<p>Rate.</p>", "557058:bench", "approved", "dept-bench").ID
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := w.publisher.Publish(ctx, id, 0, "bench")
			if err == nil {
				err = st.Run.Get(ctx, nil)
			}
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			ids = append(ids, st.WorkflowID)
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, 0, err
	}
	var starts []time.Time
	for _, id := range ids {
		it := w.temporal.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		scheduledOnOTCS := map[int64]bool{}
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				return 0, 0, err
			}
			if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetTaskQueue().GetName() == activities.OpenTextTaskQueue {
				scheduledOnOTCS[ev.GetEventId()] = true
			}
			if a := ev.GetActivityTaskStartedEventAttributes(); a != nil && scheduledOnOTCS[a.GetScheduledEventId()] {
				starts = append(starts, ev.GetEventTime().AsTime())
			}
		}
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i].Before(starts[j]) })
	if len(starts) < 2 {
		return 0, 0, fmt.Errorf("too few OpenText activities to measure (%d)", len(starts))
	}
	avg = float64(len(starts)-1) / starts[len(starts)-1].Sub(starts[0]).Seconds()
	for i := range starts {
		n := 0
		for j := i; j < len(starts) && starts[j].Sub(starts[i]) < time.Second; j++ {
			n++
		}
		peak = max(peak, n)
	}
	return avg, peak, nil
}
