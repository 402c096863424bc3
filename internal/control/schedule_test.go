package control_test

import (
	"context"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// schedule describes a Schedule and decodes its workflow action's one
// argument into arg; the Schedule is deleted when the test ends.
func schedule(t *testing.T, id string, arg any) (client.Schedule, *client.ScheduleWorkflowAction) {
	t.Helper()
	h := tc.ScheduleClient().GetHandle(testCtx(t), id)
	t.Cleanup(func() { _ = h.Delete(context.Background()) })
	desc, err := h.Describe(testCtx(t))
	if err != nil {
		t.Fatalf("describe schedule %s: %v", id, err)
	}
	s := desc.Schedule
	action, ok := s.Action.(*client.ScheduleWorkflowAction)
	if !ok || len(action.Args) != 1 {
		t.Fatalf("schedule %s: action %#v", id, s.Action)
	}
	payload, ok := action.Args[0].(*commonpb.Payload)
	if !ok {
		t.Fatalf("schedule %s: argument %T", id, action.Args[0])
	}
	if err := converter.GetDefaultDataConverter().FromPayload(payload, arg); err != nil {
		t.Fatal(err)
	}
	return s, action
}

// every is a Schedule's one interval.
func every(t *testing.T, s client.Schedule) time.Duration {
	t.Helper()
	if s.Spec == nil || len(s.Spec.Intervals) != 1 {
		t.Fatalf("spec %+v, want one interval", s.Spec)
	}
	return s.Spec.Intervals[0].Every
}

// TestEnsureScheduleCreatesThenUpdates: each Ensure… call creates its
// Schedule, and a second call updates the same Schedule's interval,
// paused state and action (never a second Schedule); runs never overlap.
func TestEnsureScheduleCreatesThenUpdates(t *testing.T) {
	ctx := testCtx(t)
	wantWorkflow := func(name string, a *client.ScheduleWorkflowAction, wf any) {
		t.Helper()
		if a.Workflow != typeName(wf) || a.TaskQueue != workflows.TaskQueue {
			t.Errorf("%s: action runs %v on %s", name, a.Workflow, a.TaskQueue)
		}
	}

	t.Run("documents feed", func(t *testing.T) {
		if err := control.EnsureFeedSchedule(ctx, tc, control.DocumentsFeed, 10*time.Minute, 24, true); err != nil {
			t.Fatal(err)
		}
		var in workflows.SyncDocumentsInput
		s, a := schedule(t, workflows.SyncDocumentsScheduleID, &in)
		wantWorkflow("created", a, workflows.SyncDocuments)
		if every(t, s) != 10*time.Minute || !s.State.Paused || in.FullEvery != 24 || in.Full ||
			s.Policy.Overlap != enumspb.SCHEDULE_OVERLAP_POLICY_SKIP || !strings.Contains(s.State.Note, "documents feed") {
			t.Errorf("created: every %s, paused %t, input %+v, overlap %s, note %q", every(t, s), s.State.Paused, in, s.Policy.Overlap, s.State.Note)
		}
		if err := control.EnsureFeedSchedule(ctx, tc, control.DocumentsFeed, time.Hour, 6, false); err != nil {
			t.Fatal(err)
		}
		s, a = schedule(t, workflows.SyncDocumentsScheduleID, &in)
		wantWorkflow("updated", a, workflows.SyncDocuments)
		if every(t, s) != time.Hour || s.State.Paused || in.FullEvery != 6 || s.Policy.Overlap != enumspb.SCHEDULE_OVERLAP_POLICY_SKIP {
			t.Errorf("updated: every %s, paused %t, input %+v, overlap %s", every(t, s), s.State.Paused, in, s.Policy.Overlap)
		}
	})

	t.Run("permission sweep", func(t *testing.T) {
		for _, e := range []time.Duration{time.Hour, 2 * time.Hour} {
			if err := control.EnsurePermissionsSchedule(ctx, tc, e, true); err != nil {
				t.Fatal(err)
			}
			var in workflows.SyncPermissionsInput
			s, a := schedule(t, workflows.SyncPermissionsScheduleID, &in)
			wantWorkflow("permissions", a, workflows.SyncPermissions)
			if every(t, s) != e || !s.State.Paused {
				t.Errorf("every %s (want %s), paused %t", every(t, s), e, s.State.Paused)
			}
		}
	})

	t.Run("reconcile", func(t *testing.T) {
		for _, lookback := range []time.Duration{24 * time.Hour, 2 * time.Hour} {
			if err := control.EnsureReconcileSchedule(ctx, tc, 5*time.Minute, workflows.ReconcileInput{Lookback: lookback}, true); err != nil {
				t.Fatal(err)
			}
			var in workflows.ReconcileInput
			s, a := schedule(t, workflows.ReconcileScheduleID, &in)
			wantWorkflow("reconcile", a, workflows.Reconcile)
			if every(t, s) != 5*time.Minute || !s.State.Paused || in.Lookback != lookback {
				t.Errorf("every %s, paused %t, input %+v (want lookback %s)", every(t, s), s.State.Paused, in, lookback)
			}
		}
	})
}
