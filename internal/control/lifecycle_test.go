package control_test

import (
	"context"
	"testing"

	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// lifecycleState is the status query of a page's lifecycle run.
func lifecycleState(t *testing.T, page, runID string) workflows.LifecycleState {
	t.Helper()
	var st workflows.LifecycleState
	query(t, workflows.LifecycleWorkflowID(page), runID, workflows.StatusQuery, &st)
	return st
}

// submitted submits version 1 of a new page and returns the page and run.
func submitted(t *testing.T, versions int) (string, *control.Started) {
	t.Helper()
	page := newPage(t, versions)
	st, err := ctl.Submit(testCtx(t), page, 1, "ann")
	wantStarted(t, st, err, workflows.LifecycleWorkflowID(page), "", false)
	terminate(t, st.WorkflowID)
	return page, st
}

// TestSubmitStartsOrSignalsTheOneLifecycle: one lifecycle per page. The
// first submit starts it with the version as input; a submit while it
// runs is the submit signal to that run; after it has ended a submit
// starts a new run of the same id.
func TestSubmitStartsOrSignalsTheOneLifecycle(t *testing.T) {
	ctx := testCtx(t)
	page, first := submitted(t, 2)
	id := first.WorkflowID
	if st := lifecycleState(t, page, first.RunID); st.PageVersion != 1 || st.SubmittedBy != "ann" || first.Version != 1 {
		t.Errorf("the first run holds version %d by %q (Started.Version %d)", st.PageVersion, st.SubmittedBy, first.Version)
	}

	again, err := ctl.Submit(ctx, page, 0, "bob")
	wantStarted(t, again, err, id, first.RunID, true)
	if again.Version != 2 {
		t.Errorf("version %d, want the current version 2", again.Version)
	}
	if st := lifecycleState(t, page, first.RunID); st.PendingVersion != 2 || st.Note != "version 2 submitted by bob" {
		t.Errorf("after the second submit the run has pending version %d, note %q", st.PendingVersion, st.Note)
	}

	finish(t, id, first.RunID, "complete")
	next, err := ctl.Submit(ctx, page, 2, "bob")
	wantStarted(t, next, err, id, "", false)
	if next.RunID == first.RunID {
		t.Error("a submit after the lifecycle ended found the ended run")
	}
	if st := lifecycleState(t, page, next.RunID); st.PageVersion != 2 || st.PendingVersion != 0 {
		t.Errorf("the new run holds version %d (pending %d), want 2", st.PageVersion, st.PendingVersion)
	}
}

// endsBeforeSignal is a Temporal client whose lifecycle run ends between
// Submit's start (already started) and its submit signal: the race Submit
// follows with a new run.
type endsBeforeSignal struct {
	client.Client
	ended int
}

func (c *endsBeforeSignal) SignalWorkflow(ctx context.Context, id, runID, name string, arg any) error {
	if name == workflows.LifecycleSubmitSignal && c.ended == 0 {
		c.ended++
		if err := c.Client.TerminateWorkflow(ctx, id, "", "ended meanwhile"); err != nil {
			return err
		}
	}
	return c.Client.SignalWorkflow(ctx, id, runID, name, arg)
}

// TestSubmitFollowsALifecycleThatEndedMeanwhile: when the running
// lifecycle ends before the submit signal reaches it, Submit starts a new
// run for the version instead of failing or signalling nothing.
func TestSubmitFollowsALifecycleThatEndedMeanwhile(t *testing.T) {
	ctx := testCtx(t)
	page, first := submitted(t, 2)
	racy := &endsBeforeSignal{Client: tc}
	st, err := (&control.Client{Temporal: racy, Confluence: ctl.Confluence}).Submit(ctx, page, 2, "bob")
	wantStarted(t, st, err, first.WorkflowID, "", false)
	if racy.ended != 1 || st.RunID == first.RunID {
		t.Fatalf("the run did not end meanwhile (ended %d) or was found (%s)", racy.ended, st.RunID)
	}
	if s := lifecycleState(t, page, st.RunID); s.PageVersion != 2 || s.SubmittedBy != "bob" {
		t.Errorf("the new run holds version %d by %q, want 2 by bob", s.PageVersion, s.SubmittedBy)
	}
}

// TestDecideRefusals: every way an approve or reject is refused reaches
// the reviewer as a typed error with the message to act on, and nothing
// is recorded; an accepted decision comes back with its receipt.
func TestDecideRefusals(t *testing.T) {
	ctx := testCtx(t)
	page, run := submitted(t, 1)

	t.Run("validator refuses", func(t *testing.T) {
		for _, c := range []struct {
			name string
			d    workflows.ReviewDecision
			msg  string
		}{
			{"not a reviewer", workflows.ReviewDecision{Reviewer: "mallory", PageVersion: 1},
				`"mallory" may not review page ` + page + "; allowed reviewers: rita"},
			{"stale version", workflows.ReviewDecision{Reviewer: reviewer, PageVersion: 7},
				"version 7 of page " + page + " is not the version under review (1)"},
		} {
			_, err := ctl.Decide(ctx, page, true, c.d)
			refused := asError[*control.DecisionRefusedError](t, err)
			if refused.Msg != c.msg || err.Error() != "decision refused: "+c.msg {
				t.Errorf("%s: %q (Msg %q), want the validator's %q", c.name, err, refused.Msg, c.msg)
			}
		}
		if st := lifecycleState(t, page, run.RunID); len(st.Decisions) != 0 {
			t.Errorf("a refused decision was recorded: %+v", st.Decisions)
		}
	})

	t.Run("accepted, version under review filled in", func(t *testing.T) {
		r, err := ctl.Decide(ctx, page, false, workflows.ReviewDecision{Reviewer: reviewer, Comment: "fix the table"})
		if err != nil {
			t.Fatal(err)
		}
		if r.PageVersion != 1 || r.Round != 1 || r.Decision != activities.VerdictRejected {
			t.Errorf("receipt %+v", *r)
		}
		if st := lifecycleState(t, page, run.RunID); len(st.Decisions) != 1 || st.Decisions[0].By != reviewer || st.Decisions[0].Comment != "fix the table" {
			t.Errorf("decisions %+v", st.Decisions)
		}
	})

	t.Run("already decided", func(t *testing.T) {
		_, err := ctl.Decide(ctx, page, true, workflows.ReviewDecision{Reviewer: reviewer, PageVersion: 1})
		if refused := asError[*control.DecisionRefusedError](t, err); refused.Msg != "version 1 of page "+page+" was already decided" {
			t.Errorf("%q", err)
		}
	})

	t.Run("the handler fails", func(t *testing.T) {
		other, _ := submitted(t, 1)
		_, err := ctl.Decide(ctx, other, true, workflows.ReviewDecision{Reviewer: reviewer, PageVersion: 1, Comment: "handler fails"})
		if refused := asError[*control.DecisionRefusedError](t, err); refused.Msg != "the decision of rita could not be recorded" {
			t.Errorf("%q", err)
		}
	})

	t.Run("no lifecycle", func(t *testing.T) {
		never := newPage(t, 1)
		for _, version := range []int{1, 0} { // 0: the status query first
			_, err := ctl.Decide(ctx, never, true, workflows.ReviewDecision{Reviewer: reviewer, PageVersion: version})
			nl := asError[*control.NoLifecycleError](t, err)
			want := "page " + never + " has no running lifecycle (submit it first: starter submit --page " + never + ")"
			if nl.PageID != never || err.Error() != want {
				t.Errorf("version %d: %q, want %q", version, err, want)
			}
		}
	})

	t.Run("lifecycle ended", func(t *testing.T) {
		ended, endedRun := submitted(t, 1)
		finish(t, endedRun.WorkflowID, endedRun.RunID, "complete")
		for _, version := range []int{1, 0} {
			_, err := ctl.Decide(ctx, ended, true, workflows.ReviewDecision{Reviewer: reviewer, PageVersion: version})
			if nl := asError[*control.NoLifecycleError](t, err); nl.PageID != ended {
				t.Errorf("version %d: %q", version, err)
			}
		}
	})
}

// TestWithdrawAndRetryReachTheRunningLifecycle: withdraw and retry are
// signals to the page's running lifecycle; with none running (never
// submitted, or ended) they are a *NoLifecycleError.
func TestWithdrawAndRetryReachTheRunningLifecycle(t *testing.T) {
	ctx := testCtx(t)
	page, run := submitted(t, 1)
	if err := ctl.Withdraw(ctx, page, "ann", "wrong page"); err != nil {
		t.Fatal(err)
	}
	if err := ctl.Retry(ctx, page, "ops"); err != nil {
		t.Fatal(err)
	}
	st := lifecycleState(t, page, run.RunID)
	if st.Withdraw == nil || *st.Withdraw != (workflows.WithdrawRequest{By: "ann", Reason: "wrong page"}) || !st.RetryRequested || st.Note != "retry by ops" {
		t.Errorf("the run got withdraw %+v, retry %t (%q)", st.Withdraw, st.RetryRequested, st.Note)
	}

	never := newPage(t, 1)
	finish(t, run.WorkflowID, run.RunID, "complete")
	for _, p := range []string{never, page} {
		for name, err := range map[string]error{"withdraw": ctl.Withdraw(ctx, p, "ann", ""), "retry": ctl.Retry(ctx, p, "ops")} {
			if nl := asError[*control.NoLifecycleError](t, err); nl.PageID != p {
				t.Errorf("%s of page %s: %q", name, p, err)
			}
		}
	}
}

// TestLifecycleStatusOfARunningOrEndedLifecycle: the status is read from
// the running run and still from an ended one; a page never submitted is
// a *NoLifecycleError.
func TestLifecycleStatusOfARunningOrEndedLifecycle(t *testing.T) {
	ctx := testCtx(t)
	page, run := submitted(t, 1)
	st, err := ctl.LifecycleStatus(ctx, page)
	if err != nil || st.Stage != workflows.StageReview || st.PageID != page || st.PageVersion != 1 {
		t.Fatalf("running: %+v, %v", st, err)
	}
	finish(t, run.WorkflowID, run.RunID, "complete")
	if st, err = ctl.LifecycleStatus(ctx, page); err != nil || st.Stage != workflows.StageReturned {
		t.Errorf("ended: %+v, %v", st, err)
	}
	never := newPage(t, 1)
	_, err = ctl.LifecycleStatus(ctx, never)
	asError[*control.NoLifecycleError](t, err)
}
