package control_test

import (
	"context"
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// TestPublishOfAPageVersionIsOneRun: a second publish of the same page
// version finds the running run, and once that run has succeeded every
// later publish finds it too: a published version is never published
// twice. Version 0 is the page's current version.
func TestPublishOfAPageVersionIsOneRun(t *testing.T) {
	ctx := testCtx(t)
	page := newPage(t, 2)
	id := workflows.PublishPageWorkflowID(page, 2)

	first, err := ctl.Publish(ctx, page, 0, "ops")
	wantStarted(t, first, err, id, "", false)
	if first.Version != 2 {
		t.Errorf("version %d, want the current version 2", first.Version)
	}
	var in workflows.PublishPageInput
	query(t, id, first.RunID, inputQuery, &in)
	if in.PageID != page || in.Version != 2 || in.RequestedBy != "ops" || in.Approval != nil {
		t.Errorf("the run's input is %+v", in)
	}

	again, err := ctl.Publish(ctx, page, 2, "webhook")
	wantStarted(t, again, err, id, first.RunID, true)

	finish(t, id, first.RunID, "complete")
	after, err := ctl.Publish(ctx, page, 2, "reconcile")
	wantStarted(t, after, err, id, first.RunID, true)
	if s := status(t, id, ""); s != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Errorf("the latest run of %s is %s, want the completed first one", id, s)
	}
	if after.Version != 2 {
		t.Errorf("version %d, want 2", after.Version)
	}
}

// TestPublishStartsAgainAfterARunThatDidNotSucceed: a failed, cancelled or
// terminated publish (say, not approved yet) may be started again, as a
// new run of the same workflow id.
func TestPublishStartsAgainAfterARunThatDidNotSucceed(t *testing.T) {
	ctx := testCtx(t)
	page := newPage(t, 1)
	id := workflows.PublishPageWorkflowID(page, 1)
	prev, err := ctl.Publish(ctx, page, 1, "ops")
	wantStarted(t, prev, err, id, "", false)

	for _, end := range []string{"fail", "cancel", "terminate"} {
		switch end {
		case "fail":
			finish(t, id, prev.RunID, "fail")
		case "cancel":
			if err := tc.CancelWorkflow(ctx, id, prev.RunID); err != nil {
				t.Fatal(err)
			}
			_ = prev.Run.Get(ctx, nil)
		case "terminate":
			if err := tc.TerminateWorkflow(ctx, id, prev.RunID, "test"); err != nil {
				t.Fatal(err)
			}
		}
		next, err := ctl.Publish(ctx, page, 1, "ops")
		wantStarted(t, next, err, id, "", false)
		if next.RunID == prev.RunID {
			t.Errorf("after a run that ended with %s: the same run %s, want a new one", end, prev.RunID)
		}
		prev = next
	}
	terminate(t, id)
}

// TestFileIsItsOwnFlow: filing a page version is a FileRecord run with its
// own id, apart from a publish of the same version, with the same reuse
// rules.
func TestFileIsItsOwnFlow(t *testing.T) {
	ctx := testCtx(t)
	page := newPage(t, 1)
	filed, err := ctl.File(ctx, page, 0, "ops")
	fileID := workflows.FileRecordWorkflowID(page, 1)
	wantStarted(t, filed, err, fileID, "", false)
	desc, err := tc.DescribeWorkflowExecution(ctx, fileID, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := desc.GetWorkflowExecutionInfo().GetType().GetName(); got != "FileRecord" {
		t.Errorf("%s runs workflow type %s, want FileRecord", fileID, got)
	}
	published, err := ctl.Publish(ctx, page, 1, "ops")
	wantStarted(t, published, err, workflows.PublishPageWorkflowID(page, 1), "", false)

	finish(t, fileID, filed.RunID, "complete")
	again, err := ctl.File(ctx, page, 1, "ops")
	wantStarted(t, again, err, fileID, filed.RunID, true)
	terminate(t, published.WorkflowID)
}

// TestPublishOfAPageConfluenceDoesNotKnow: with no version given, a page
// Confluence answers 404 for is a *PageNotFoundError, and nothing is
// started (the client has no Temporal to start with).
func TestPublishOfAPageConfluenceDoesNotKnow(t *testing.T) {
	ctx := testCtx(t)
	noTemporal := &control.Client{Confluence: ctl.Confluence}
	const page = "987654321"
	for name, call := range map[string]func() (*control.Started, error){
		"publish":    func() (*control.Started, error) { return noTemporal.Publish(ctx, page, 0, "ops") },
		"file":       func() (*control.Started, error) { return noTemporal.File(ctx, page, 0, "ops") },
		"submit":     func() (*control.Started, error) { return noTemporal.Submit(ctx, page, 0, "ops") },
		"references": func() (*control.Started, error) { return noTemporal.References(ctx, page, 0, nil, "ops") },
	} {
		_, err := call()
		nf := asError[*control.PageNotFoundError](t, err)
		if nf.PageID != page || err.Error() != "Confluence page 987654321 does not exist (or the bridge's account cannot see it)" {
			t.Errorf("%s: %q (page %q)", name, err, nf.PageID)
		}
	}
}

// TestApprovePublishCarriesTheApprovalInTheStart: the approval is the
// run's input (recorded by its first activity); an approval of a version
// whose publish is going finds that run and its input stays the first
// approval. A version Confluence does not have is a *PageNotFoundError
// naming it.
func TestApprovePublishCarriesTheApprovalInTheStart(t *testing.T) {
	ctx := testCtx(t)
	page := newPage(t, 3)
	id := workflows.PublishPageWorkflowID(page, 2)
	st, err := ctl.ApprovePublish(ctx, control.ApprovalRequest{PageID: page, Version: 2, Approver: "  ann ", Meaning: "fit to issue", RequestedBy: "ops"})
	wantStarted(t, st, err, id, "", false)
	var in workflows.PublishPageInput
	query(t, id, st.RunID, inputQuery, &in)
	a := in.Approval
	switch {
	case in.Version != 2 || in.RequestedBy != "ops":
		t.Errorf("input %+v", in)
	case a == nil:
		t.Fatal("the run's input has no approval")
	case a.PageVersion != 2 || a.By != "ann" || a.Source != activities.ApprovalByOperator || a.Meaning != "fit to issue" ||
		a.Signal != "approved by ann, recorded by ops" || a.At.IsZero():
		t.Errorf("approval %+v", *a)
	}

	again, err := ctl.ApprovePublish(ctx, control.ApprovalRequest{PageID: page, Version: 2, Approver: "bob", RequestedBy: "ops"})
	wantStarted(t, again, err, id, st.RunID, true)
	query(t, id, st.RunID, inputQuery, &in)
	if in.Approval == nil || in.Approval.By != "ann" {
		t.Errorf("after a second approval the run's approval is %+v, want ann's", in.Approval)
	}

	_, err = ctl.ApprovePublish(ctx, control.ApprovalRequest{PageID: page, Version: 9, Approver: "ann"})
	if nf := asError[*control.PageNotFoundError](t, err); nf.PageID != page+" (version 9)" {
		t.Errorf("not found names %q, want the page and version", nf.PageID)
	}
	_, err = tc.DescribeWorkflowExecution(ctx, workflows.PublishPageWorkflowID(page, 9), "")
	asError[*serviceerror.NotFound](t, err)
	terminate(t, id)
}

// TestStartFlowNamesEachFlow: StartFlow (the trigger activities' way in)
// starts the flow it is named and answers its workflow id; an unknown
// flow is an error.
func TestStartFlowNamesEachFlow(t *testing.T) {
	ctx := testCtx(t)
	page := newPage(t, 1)
	for flow, want := range map[activities.Flow]string{
		workflows.PublishFlow.Name:  workflows.PublishPageWorkflowID(page, 1),
		workflows.FileFlow.Name:     workflows.FileRecordWorkflowID(page, 1),
		activities.FlowReview:       workflows.LifecycleWorkflowID(page),
		activities.FlowReferences:   workflows.SyncReferencesWorkflowID(page, 1),
		activities.FlowDocumentPage: workflows.RefreshDocumentPageWorkflowID(page),
		activities.FlowAccess:       workflows.SecureRecordsWorkflowID(page),
	} {
		id, existing, err := ctl.StartFlow(ctx, flow, page, 1, "trigger")
		if err != nil || id != want || existing {
			t.Errorf("StartFlow(%q) = %q, %t, %v; want %q, false", flow, id, existing, err, want)
		}
		terminate(t, want)
	}
	if _, _, err := ctl.StartFlow(ctx, "archive", page, 1, "trigger"); err == nil || !strings.Contains(err.Error(), `unknown flow "archive"`) {
		t.Errorf("StartFlow(archive) = %v, want unknown flow", err)
	}
}

// describesNothing is a Temporal client whose Describe finds no run: a
// run another trigger starts between a start's Describe and its start.
type describesNothing struct{ client.Client }

func (describesNothing) DescribeWorkflowExecution(context.Context, string, string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	return nil, serviceerror.NewNotFound("not yet")
}

// TestAStartRacingAnotherTriggerFindsItsRun: when the run of a page
// version (or a backfill) appears after the Describe that looks for it,
// the start still finds that run and says so, instead of reporting it as
// started.
func TestAStartRacingAnotherTriggerFindsItsRun(t *testing.T) {
	ctx := testCtx(t)
	racy := &control.Client{Temporal: describesNothing{tc}, Confluence: ctl.Confluence}
	page := newPage(t, 1)
	first, err := ctl.Publish(ctx, page, 1, "webhook")
	wantStarted(t, first, err, workflows.PublishPageWorkflowID(page, 1), "", false)
	st, err := racy.Publish(ctx, page, 1, "reconcile")
	wantStarted(t, st, err, first.WorkflowID, first.RunID, true)
	terminate(t, first.WorkflowID)

	space := spaceKey(t)
	bf, err := ctl.Backfill(ctx, control.BackfillRequest{SpaceKey: space})
	wantStarted(t, bf, err, workflows.BackfillWorkflowID(space), "", false)
	st, err = racy.Backfill(ctx, control.BackfillRequest{SpaceKey: space})
	wantStarted(t, st, err, bf.WorkflowID, bf.RunID, true)
	terminate(t, bf.WorkflowID)
}
