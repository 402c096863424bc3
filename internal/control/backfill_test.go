package control_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// spaces numbers the spaces the tests make, so a test run again on the
// same server (-count) has spaces of its own.
var spaces atomic.Int32

// spaceKey is a space of its own for one test: backfill ids are per space.
func spaceKey(t *testing.T) string {
	return fmt.Sprintf("BF%s-%d", strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()), spaces.Add(1))
}

// TestBackfillFindsTheRunningOneWhateverItsFlags: a second backfill of a
// space while one runs finds that run (its flags are not applied); a dry
// run is its own workflow and never blocks a real one; a finished
// backfill may be run again, as a new run.
func TestBackfillFindsTheRunningOneWhateverItsFlags(t *testing.T) {
	ctx := testCtx(t)
	space := spaceKey(t)
	id := workflows.BackfillWorkflowID(space)
	first, err := ctl.Backfill(ctx, control.BackfillRequest{SpaceKey: space, Concurrency: 3, BatchSize: 10, RequestedBy: "ops"})
	wantStarted(t, first, err, id, "", false)

	again, err := ctl.Backfill(ctx, control.BackfillRequest{SpaceKey: space, Concurrency: 9, RequestedBy: "other"})
	wantStarted(t, again, err, id, first.RunID, true)
	var in workflows.BackfillInput
	query(t, id, first.RunID, inputQuery, &in)
	if in.SpaceKey != space || in.Concurrency != 3 || in.BatchSize != 10 || in.RequestedBy != "ops" || in.DryRun {
		t.Errorf("the running backfill's input is %+v, want the first request's", in)
	}

	dry, err := ctl.Backfill(ctx, control.BackfillRequest{SpaceKey: space, DryRun: true})
	wantStarted(t, dry, err, workflows.BackfillDryRunWorkflowID(space), "", false)
	terminate(t, dry.WorkflowID)

	finish(t, id, first.RunID, "complete")
	next, err := ctl.Backfill(ctx, control.BackfillRequest{SpaceKey: space, RequestedBy: "ops"})
	wantStarted(t, next, err, id, "", false)
	if next.RunID == first.RunID {
		t.Error("a backfill after the first finished found the finished run")
	}
	terminate(t, id)
}

// TestBackfillRunFollowsContinueAsNew: the Run handle of a started
// backfill answers the last generation's result, and a backfill asked for
// while a later generation runs finds that generation.
func TestBackfillRunFollowsContinueAsNew(t *testing.T) {
	ctx := testCtx(t)
	space := spaceKey(t)
	id := workflows.BackfillWorkflowID(space)
	st, err := ctl.Backfill(ctx, control.BackfillRequest{SpaceKey: space})
	wantStarted(t, st, err, id, "", false)
	finish(t, id, st.RunID, "continue")

	found, err := ctl.Backfill(ctx, control.BackfillRequest{SpaceKey: space})
	wantStarted(t, found, err, id, "", true)
	if found.RunID == st.RunID {
		t.Fatal("found the first generation, which continued as new")
	}
	finish(t, id, found.RunID, "complete")
	var pr workflows.BackfillProgress
	if err := st.Run.Get(ctx, &pr); err != nil {
		t.Fatal(err)
	}
	if pr.Runs != 1 || pr.State != workflows.BackfillDone {
		t.Errorf("the first start's Run answers %+v, want the second generation's result", pr)
	}
}

// TestBackfillStatusInEveryState: the status reads the progress query of
// a running backfill, the result of a completed one, the failure (type:
// message) of a failed one; a progress nobody can answer is reported, not
// an error; a space never backfilled is a *NoBackfillError.
func TestBackfillStatusInEveryState(t *testing.T) {
	ctx := testCtx(t)
	space := spaceKey(t)
	id := workflows.BackfillWorkflowID(space)

	_, err := ctl.BackfillStatus(ctx, space)
	nb := asError[*control.NoBackfillError](t, err)
	if want := "space " + space + " has no recorded backfill (start one: starter backfill --space " + space + ")"; err.Error() != want || nb.SpaceKey != space {
		t.Errorf("%q, want %q", err, want)
	}

	run, err := ctl.Backfill(ctx, control.BackfillRequest{SpaceKey: space})
	wantStarted(t, run, err, id, "", false)
	st, err := ctl.BackfillStatus(ctx, space)
	if err != nil {
		t.Fatal(err)
	}
	if st.WorkflowID != id || st.RunID != run.RunID || st.Status != "Running" || st.Progress == nil || st.Progress.State != workflows.BackfillRunning || st.ProgressError != "" {
		t.Errorf("running: %+v", st)
	}
	finish(t, id, run.RunID, "complete")
	if st, err = ctl.BackfillStatus(ctx, space); err != nil || st.Status != "Completed" || st.Progress == nil || st.Progress.State != workflows.BackfillDone || st.Progress.SpaceKey != space {
		t.Errorf("completed: %+v, %v", st, err)
	}

	run, err = ctl.Backfill(ctx, control.BackfillRequest{SpaceKey: space})
	wantStarted(t, run, err, id, "", false)
	finish(t, id, run.RunID, "fail")
	if st, err = ctl.BackfillStatus(ctx, space); err != nil || st.Status != "Failed" || st.Error != failType+": 3 pages could not be read" || st.Progress != nil {
		t.Errorf("failed: %+v, %v", st, err)
	}

	run, err = ctl.Backfill(ctx, control.BackfillRequest{SpaceKey: space})
	wantStarted(t, run, err, id, "", false)
	if err := ctl.CancelBackfill(ctx, space); err != nil {
		t.Fatal(err)
	}
	_ = run.Run.Get(ctx, nil)
	if st, err = ctl.BackfillStatus(ctx, space); err != nil || st.Status != "Canceled" || st.Error == "" {
		t.Errorf("cancelled: %+v, %v", st, err)
	}

	run, err = ctl.Backfill(ctx, control.BackfillRequest{SpaceKey: space, RequestedBy: noProgress})
	wantStarted(t, run, err, id, "", false)
	terminate(t, id)
	if st, err = ctl.BackfillStatus(ctx, space); err != nil || st.Status != "Running" || st.Progress != nil || !strings.Contains(st.ProgressError, workflows.BackfillProgressQuery) {
		t.Errorf("no progress query: %+v, %v", st, err)
	}
}

// TestSteeringABackfill: pause and resume reach the running backfill;
// cancel cancels it; with no backfill running (none, or finished) each is
// a *NoBackfillError saying so, as the server would accept a cancel of a
// closed run without a word.
func TestSteeringABackfill(t *testing.T) {
	ctx := testCtx(t)
	space := spaceKey(t)
	id := workflows.BackfillWorkflowID(space)
	steer := map[string]func() error{
		"pause":  func() error { return ctl.PauseBackfill(ctx, space) },
		"resume": func() error { return ctl.ResumeBackfill(ctx, space) },
		"cancel": func() error { return ctl.CancelBackfill(ctx, space) },
	}
	notRunning := func(when string) {
		t.Helper()
		for name, call := range steer {
			err := call()
			nb := asError[*control.NoBackfillError](t, err)
			if want := "space " + space + " has no running backfill (start one: starter backfill --space " + space + ")"; nb.SpaceKey != space || err.Error() != want {
				t.Errorf("%s %s: %q, want %q", name, when, err, want)
			}
		}
	}
	notRunning("before any backfill")

	run, err := ctl.Backfill(ctx, control.BackfillRequest{SpaceKey: space})
	wantStarted(t, run, err, id, "", false)
	progress := func() string {
		t.Helper()
		var pr workflows.BackfillProgress
		query(t, id, run.RunID, workflows.BackfillProgressQuery, &pr)
		return pr.State
	}
	if err := ctl.PauseBackfill(ctx, space); err != nil || progress() != workflows.BackfillPaused {
		t.Errorf("pause: %v, state %s", err, progress())
	}
	if err := ctl.ResumeBackfill(ctx, space); err != nil || progress() != workflows.BackfillRunning {
		t.Errorf("resume: %v, state %s", err, progress())
	}
	if err := ctl.CancelBackfill(ctx, space); err != nil {
		t.Fatal(err)
	}
	_ = run.Run.Get(ctx, nil)
	if s := status(t, id, run.RunID).String(); s != "Canceled" {
		t.Errorf("after cancel the run is %s", s)
	}
	notRunning("after it was cancelled")
}
