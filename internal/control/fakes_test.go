package control_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// Stand-ins answer for the real workflows: they take the real input types
// (a start with the wrong input fails to decode), record what they were
// sent, and end when a test tells them how (finishSignal). None runs an
// activity, so a test is as fast as the server.
const (
	finishSignal = "test-finish"  // "complete", "fail" or "continue" (as new)
	inputQuery   = "test-input"   // the run's input
	signalsQuery = "test-signals" // the signals received, "name arg-json" each

	// failType is the ApplicationError type of a stand-in told to fail.
	failType = "TestFailure"
	// reviewer is the one reviewer the lifecycle stand-in allows.
	reviewer = "rita"
	// noProgress, as a backfill's RequestedBy, makes the backfill stand-in
	// register no progress query (a worker that cannot answer it).
	noProgress = "test-no-progress-query"
)

// typeName is the workflow type the SDK gives a workflow function (what
// control's ExecuteWorkflow(workflows.X) starts), so each stand-in is
// registered under the real name.
func typeName(fn any) string {
	name := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()
	return name[strings.LastIndex(name, ".")+1:]
}

func registerStandIns(w worker.Worker) {
	reg := func(real, standIn any) {
		w.RegisterWorkflowWithOptions(standIn, workflow.RegisterOptions{Name: typeName(real)})
	}
	reg(workflows.PublishPage, held[workflows.PublishPageInput](typeName(workflows.PublishPage)))
	reg(workflows.FileRecord, held[workflows.FileRecordInput](typeName(workflows.FileRecord)))
	reg(workflows.RouteEvent, held[workflows.RouteEventInput](typeName(workflows.RouteEvent)))
	reg(workflows.SyncReferences, held[workflows.SyncReferencesInput](typeName(workflows.SyncReferences)))
	reg(workflows.RefreshDocumentPage, held[workflows.RefreshDocumentPageInput](typeName(workflows.RefreshDocumentPage)))
	reg(workflows.SecureRecords, held[activities.SecureRecordsInput](typeName(workflows.SecureRecords), workflows.AccessChangedSignal))
	reg(workflows.SyncDocuments, held[workflows.SyncDocumentsInput](typeName(workflows.SyncDocuments)))
	reg(workflows.SyncTemplates, held[workflows.SyncDocumentsInput](typeName(workflows.SyncTemplates)))
	reg(workflows.SyncPermissions, held[workflows.SyncPermissionsInput](typeName(workflows.SyncPermissions)))
	reg(workflows.Backfill, fakeBackfill)
	reg(workflows.DocumentLifecycle, fakeLifecycle)
}

// held is a stand-in that records its input and the named signals, and
// waits for finishSignal (or cancellation).
func held[In any](name string, signals ...string) func(workflow.Context, In) (string, error) {
	return func(ctx workflow.Context, in In) (string, error) {
		var got []string
		if err := workflow.SetQueryHandler(ctx, inputQuery, func() (In, error) { return in, nil }); err != nil {
			return "", err
		}
		if err := workflow.SetQueryHandler(ctx, signalsQuery, func() ([]string, error) { return got, nil }); err != nil {
			return "", err
		}
		var how string
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(workflow.GetSignalChannel(ctx, finishSignal), func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, &how) })
		sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) { how = "cancelled" })
		for _, s := range signals {
			sel.AddReceive(workflow.GetSignalChannel(ctx, s), func(c workflow.ReceiveChannel, _ bool) {
				var arg json.RawMessage
				c.Receive(ctx, &arg)
				got = append(got, strings.TrimSpace(s+" "+string(arg)))
			})
		}
		for how == "" {
			sel.Select(ctx)
		}
		switch how {
		case "fail":
			return "", temporal.NewNonRetryableApplicationError("the stand-in was told to fail", failType, nil)
		case "continue":
			return "", workflow.NewContinueAsNewError(ctx, name, in)
		case "cancelled":
			return "", ctx.Err()
		}
		return "done", nil
	}
}

// fakeBackfill answers the progress query and the pause and resume
// signals as Backfill does, and ends when told.
func fakeBackfill(ctx workflow.Context, in workflows.BackfillInput) (*workflows.BackfillProgress, error) {
	pr := workflows.BackfillProgress{SpaceKey: in.SpaceKey, DryRun: in.DryRun, State: workflows.BackfillRunning}
	if in.Progress != nil {
		pr = *in.Progress
	}
	if in.RequestedBy != noProgress {
		if err := workflow.SetQueryHandler(ctx, workflows.BackfillProgressQuery, func() (workflows.BackfillProgress, error) { return pr, nil }); err != nil {
			return nil, err
		}
	}
	if err := workflow.SetQueryHandler(ctx, inputQuery, func() (workflows.BackfillInput, error) { return in, nil }); err != nil {
		return nil, err
	}
	var how string
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(workflow.GetSignalChannel(ctx, finishSignal), func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, &how) })
	sel.AddReceive(workflow.GetSignalChannel(ctx, workflows.BackfillPauseSignal), func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		pr.State = workflows.BackfillPaused
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, workflows.BackfillResumeSignal), func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		pr.State = workflows.BackfillRunning
	})
	sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) { how = "cancelled" })
	for how == "" {
		sel.Select(ctx)
	}
	switch how {
	case "fail":
		return nil, temporal.NewNonRetryableApplicationError("3 pages could not be read", failType, nil)
	case "continue":
		pr.Runs++
		in.Progress = &pr
		return nil, workflow.NewContinueAsNewError(ctx, typeName(workflows.Backfill), in)
	case "cancelled":
		return nil, ctx.Err()
	}
	pr.State = workflows.BackfillDone
	return &pr, nil
}

// fakeLifecycle holds a page in review by one reviewer: it answers the
// status query, validates and records approve/reject Updates, and takes
// the submit, withdraw and retry signals into its state.
func fakeLifecycle(ctx workflow.Context, in workflows.LifecycleInput) (*workflows.LifecycleResult, error) {
	st := workflows.LifecycleState{PageID: in.PageID, Stage: workflows.StageReview, Round: 1, PageVersion: in.Version,
		SubmittedBy: in.RequestedBy, Reviewers: []string{reviewer}}
	if err := workflow.SetQueryHandler(ctx, workflows.StatusQuery, func() (workflows.LifecycleState, error) { return st, nil }); err != nil {
		return nil, err
	}
	for _, u := range []struct {
		name    string
		verdict activities.Verdict
	}{{workflows.LifecycleApproveUpdate, activities.VerdictApproved}, {workflows.LifecycleRejectUpdate, activities.VerdictRejected}} {
		verdict := u.verdict
		err := workflow.SetUpdateHandlerWithOptions(ctx, u.name,
			func(ctx workflow.Context, d workflows.ReviewDecision) (workflows.DecisionReceipt, error) {
				if d.Comment == "handler fails" {
					return workflows.DecisionReceipt{}, fmt.Errorf("the decision of %s could not be recorded", d.Reviewer)
				}
				st.Decisions = append(st.Decisions, workflows.Decision{Round: st.Round, PageVersion: st.PageVersion, Decision: verdict, By: d.Reviewer, Comment: d.Comment})
				return workflows.DecisionReceipt{Round: st.Round, PageVersion: st.PageVersion, Decision: verdict}, nil
			},
			workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, d workflows.ReviewDecision) error {
				switch {
				case len(st.Decisions) > 0:
					return fmt.Errorf("version %d of page %s was already decided", st.PageVersion, st.PageID)
				case !slices.Contains(st.Reviewers, d.Reviewer):
					return fmt.Errorf("%q may not review page %s; allowed reviewers: %s", d.Reviewer, st.PageID, strings.Join(st.Reviewers, ", "))
				case d.PageVersion != st.PageVersion:
					return fmt.Errorf("version %d of page %s is not the version under review (%d)", d.PageVersion, st.PageID, st.PageVersion)
				}
				return nil
			}})
		if err != nil {
			return nil, err
		}
	}
	submit := workflow.GetSignalChannel(ctx, workflows.LifecycleSubmitSignal)
	withdraw := workflow.GetSignalChannel(ctx, workflows.LifecycleWithdrawSignal)
	retry := workflow.GetSignalChannel(ctx, workflows.LifecycleRetrySignal)
	var how string
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(workflow.GetSignalChannel(ctx, finishSignal), func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, &how) })
	sel.AddReceive(submit, func(c workflow.ReceiveChannel, _ bool) {
		var r workflows.SubmitRequest
		c.Receive(ctx, &r)
		st.PendingVersion, st.Note = r.Version, fmt.Sprintf("version %d submitted by %s", r.Version, r.By)
	})
	sel.AddReceive(withdraw, func(c workflow.ReceiveChannel, _ bool) {
		var r workflows.WithdrawRequest
		c.Receive(ctx, &r)
		st.Withdraw = &r
	})
	sel.AddReceive(retry, func(c workflow.ReceiveChannel, _ bool) {
		var r workflows.RetryRequest
		c.Receive(ctx, &r)
		st.RetryRequested, st.Note = true, "retry by "+r.By
	})
	for how == "" {
		sel.Select(ctx)
	}
	if how == "fail" {
		return nil, temporal.NewNonRetryableApplicationError("the stand-in was told to fail", failType, nil)
	}
	st.Stage = workflows.StageReturned
	return &workflows.LifecycleResult{PageID: st.PageID, Stage: st.Stage, PageVersion: st.PageVersion}, nil
}

// --- helpers the tests share ---

// testCtx is a test's deadline: generous, as a hang is the only way it
// is reached.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newPage makes a page with the given number of versions and returns its id.
func newPage(t *testing.T, versions int) string {
	t.Helper()
	p := confSim.CreatePage("CTL", t.Name(), "<p>body</p>", "557058:author")
	for v := 2; v <= versions; v++ {
		if _, err := confSim.UpdatePage(p.ID, p.Title, fmt.Sprintf("<p>body v%d</p>", v), "557058:author"); err != nil {
			t.Fatal(err)
		}
	}
	return p.ID
}

// finish tells a stand-in run how to end and waits until it has.
func finish(t *testing.T, id, runID, how string) {
	t.Helper()
	ctx := testCtx(t)
	if err := tc.SignalWorkflow(ctx, id, runID, finishSignal, how); err != nil {
		t.Fatalf("finish %s: %v", id, err)
	}
	_ = tc.GetWorkflow(ctx, id, runID).GetWithOptions(ctx, nil, client.WorkflowRunGetOptions{DisableFollowingRuns: true})
}

// terminate ends a run that a test left running (a cleanup).
func terminate(t *testing.T, id string) {
	t.Helper()
	t.Cleanup(func() { _ = tc.TerminateWorkflow(context.Background(), id, "", "test over") })
}

// status is the Temporal status of a run ("" for the latest).
func status(t *testing.T, id, runID string) enumspb.WorkflowExecutionStatus {
	t.Helper()
	desc, err := tc.DescribeWorkflowExecution(testCtx(t), id, runID)
	if err != nil {
		t.Fatalf("describe %s: %v", id, err)
	}
	return desc.GetWorkflowExecutionInfo().GetStatus()
}

// query reads a query of a run into out.
func query(t *testing.T, id, runID, name string, out any) {
	t.Helper()
	v, err := tc.QueryWorkflow(testCtx(t), id, runID, name)
	if err == nil {
		err = v.Get(out)
	}
	if err != nil {
		t.Fatalf("query %s of %s: %v", name, id, err)
	}
}

// asError asserts that err is (or wraps) a *T and returns it.
func asError[T error](t *testing.T, err error) T {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("error %v (%T) is not a %T", err, err, target)
	}
	return target
}

// wantStarted checks the start answer: workflow id, run id when runID is
// not "", whether it was found rather than started, and that its Run
// handle names the same run.
func wantStarted(t *testing.T, st *control.Started, err error, id, runID string, existing bool) *control.Started {
	t.Helper()
	if err != nil {
		t.Fatalf("start %s: %v", id, err)
	}
	if st.WorkflowID != id {
		t.Errorf("workflow id %q, want %q", st.WorkflowID, id)
	}
	if runID != "" && st.RunID != runID {
		t.Errorf("%s: run id %q, want %q", id, st.RunID, runID)
	}
	if st.RunID == "" {
		t.Errorf("%s: no run id", id)
	}
	if st.Existing != existing {
		t.Errorf("%s: existing = %t, want %t", id, st.Existing, existing)
	}
	if st.Run == nil || st.Run.GetID() != id {
		t.Errorf("%s: the Run handle is not of the workflow", id)
	}
	return st
}
