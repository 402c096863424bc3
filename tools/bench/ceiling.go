package main

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

const ceilingQueue = "bench-ceiling"

// ceilingWorkflow is the least a durable flow does: start, one activity,
// complete.
func ceilingWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	return workflow.ExecuteActivity(ctx, "noop").Get(ctx, nil)
}

func noop(context.Context) error { return nil }

// ceiling measures the dev server's rate for trivial workflows, started as
// the publishes are (50 at a time), on a worker with the bench's
// concurrency settings: the upper bound any flow on this machine meets.
func (w *world) ceiling(ctx context.Context, n int) (float64, error) {
	// The bridge's worker settings: concurrency as in the bench's env, and
	// the same autoscaling pollers (internal/roles).
	wk := worker.New(w.temporal, ceilingQueue, worker.Options{
		MaxConcurrentWorkflowTaskExecutionSize: 100, MaxConcurrentActivityExecutionSize: 50,
		WorkflowTaskPollerBehavior: worker.NewPollerBehaviorAutoscaling(worker.PollerBehaviorAutoscalingOptions{}),
		ActivityTaskPollerBehavior: worker.NewPollerBehaviorAutoscaling(worker.PollerBehaviorAutoscalingOptions{}),
	})
	wk.RegisterWorkflowWithOptions(ceilingWorkflow, workflow.RegisterOptions{Name: "ceiling"})
	wk.RegisterActivityWithOptions(noop, activity.RegisterOptions{Name: "noop"})
	if err := wk.Start(); err != nil {
		return 0, err
	}
	defer wk.Stop()
	took, err := fiftyAtATime(n, func(i int) error {
		run, err := w.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("ceiling-%d", i), TaskQueue: ceilingQueue}, "ceiling")
		if err != nil {
			return err
		}
		return run.Get(ctx, nil)
	})
	if err != nil {
		return 0, err
	}
	return float64(n) / took.Seconds(), nil
}
