package e2e

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/internal/heartbeat"
)

// The workers' liveness heartbeats (internal/heartbeat) on a real server:
// a long activity that never heartbeats itself outlives a short heartbeat
// timeout; details an attempt recorded survive the beats of the next
// attempt; a transfer whose byte progress stalls still times out.
func TestLivenessHeartbeats(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const queue = "heartbeat-test"
	w := worker.New(h.temporal, queue, worker.Options{
		Interceptors: []interceptor.WorkerInterceptor{heartbeat.Interceptor(200*time.Millisecond, time.Second)},
	})
	w.RegisterWorkflowWithOptions(beatWorkflow, workflow.RegisterOptions{Name: "beatWorkflow"})
	w.RegisterActivityWithOptions(silentActivity, activity.RegisterOptions{Name: "silent"})
	w.RegisterActivityWithOptions(resumingActivity, activity.RegisterOptions{Name: "resuming"})
	w.RegisterActivityWithOptions(stallingActivity, activity.RegisterOptions{Name: "stalling"})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for _, tc := range []struct {
		activity string
		want     string // result, or "timeout"
	}{
		{"silent", "done after 3s"},
		{"resuming", "resumed from p1"},
		{"stalling", "timeout"},
	} {
		run, err := h.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: queue}, "beatWorkflow", tc.activity)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		err = run.Get(ctx, &got)
		var te *temporal.TimeoutError
		switch {
		case tc.want == "timeout" && !(errors.As(err, &te) && te.TimeoutType().String() == "Heartbeat"):
			t.Errorf("%s: want a heartbeat timeout, got %v", tc.activity, err)
		case tc.want != "timeout" && (err != nil || got != tc.want):
			t.Errorf("%s: got %q, %v; want %q", tc.activity, got, err, tc.want)
		}
	}
}

func beatWorkflow(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		HeartbeatTimeout:    time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 100 * time.Millisecond, MaximumAttempts: 3},
	})
	if name == "stalling" {
		ctx = workflow.WithRetryPolicy(ctx, temporal.RetryPolicy{MaximumAttempts: 1})
	}
	var out string
	err := workflow.ExecuteActivity(ctx, name).Get(ctx, &out)
	return out, err
}

// silentActivity runs three times its heartbeat timeout without a beat.
func silentActivity(ctx context.Context) (string, error) {
	time.Sleep(3 * time.Second)
	return "done after 3s", nil
}

// resumingActivity records progress, fails; the second attempt runs past
// the heartbeat timeout on liveness beats alone and fails; the third finds
// the first attempt's progress.
func resumingActivity(ctx context.Context) (string, error) {
	switch activity.GetInfo(ctx).Attempt {
	case 1:
		activity.RecordHeartbeat(ctx, "p1")
		return "", errors.New("first attempt fails after recording p1")
	case 2:
		time.Sleep(1500 * time.Millisecond)
		return "", errors.New("second attempt fails without recording")
	}
	var p string
	if err := activity.GetHeartbeatDetails(ctx, &p); err != nil {
		return "", err
	}
	return "resumed from " + p, nil
}

// stallingActivity reports some bytes, then none: a stuck transfer.
func stallingActivity(ctx context.Context) (string, error) {
	activity.RecordHeartbeat(ctx, heartbeat.Bytes(1<<20))
	select {
	case <-time.After(5 * time.Second):
		return "not stuck after all", nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
