package main

import (
	"context"
	"sync"

	enumspb "go.temporal.io/api/enums/v1"
)

// retryFigures are read from the runs' histories: what the chaos cost in
// retries. A retried activity's history keeps only its last attempt, whose
// last failure is the cause of the last retry.
type retryFigures struct {
	Activities       int // activities scheduled
	Retried          int // of which needed more than one attempt
	ExtraAttempts    int
	ByTimeout        int // last retry after a timeout (heartbeat or start-to-close: a killed worker)
	ByBackend        int // last retry after an error (429/503/down, connection refused)
	WorkflowTimeouts int // workflow tasks timed out (a killed worker held them)
}

// runRef names one run; an empty RunID is the latest run of the id.
type runRef struct{ ID, RunID string }

func pageRuns(pages []seededPage) []runRef {
	out := make([]runRef, len(pages))
	for i, p := range pages {
		out[i] = runRef{ID: p.WorkflowID}
	}
	return out
}

// readRetries reads the histories of runs.
func (w *world) readRetries(ctx context.Context, runs []runRef) (retryFigures, error) {
	var (
		mu  sync.Mutex
		f   retryFigures
		err error
		wg  sync.WaitGroup
	)
	sem := make(chan struct{}, 8)
	c := w.tc.get()
	for _, p := range runs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var local retryFigures
			it := c.GetWorkflowHistory(ctx, p.ID, p.RunID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
			for it.HasNext() {
				ev, e := it.Next()
				if e != nil {
					mu.Lock()
					err = e
					mu.Unlock()
					return
				}
				switch ev.GetEventType() {
				case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
					local.Activities++
				case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
					a := ev.GetActivityTaskStartedEventAttributes()
					if a.GetAttempt() > 1 {
						local.Retried++
						local.ExtraAttempts += int(a.GetAttempt()) - 1
						if a.GetLastFailure().GetTimeoutFailureInfo() != nil {
							local.ByTimeout++
						} else {
							local.ByBackend++
						}
					}
				case enumspb.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
					local.WorkflowTimeouts++
				}
			}
			mu.Lock()
			f.Activities += local.Activities
			f.Retried += local.Retried
			f.ExtraAttempts += local.ExtraAttempts
			f.ByTimeout += local.ByTimeout
			f.ByBackend += local.ByBackend
			f.WorkflowTimeouts += local.WorkflowTimeouts
			mu.Unlock()
		}()
	}
	wg.Wait()
	return f, err
}
