package control

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// NoLifecycleError says a page has no running lifecycle to act on.
type NoLifecycleError struct{ PageID string }

func (e *NoLifecycleError) Error() string {
	return fmt.Sprintf("page %s has no running lifecycle (submit it first: starter submit --page %s)", e.PageID, e.PageID)
}

// DecisionRefusedError is an approve/reject the workflow's validator
// refused (wrong reviewer, stale version, no open review); nothing was
// recorded.
type DecisionRefusedError struct{ Msg string }

func (e *DecisionRefusedError) Error() string { return "decision refused: " + e.Msg }

// Submit submits a page's current version for review: it starts the page's
// DocumentLifecycle (id lifecycle:<pageId>) or, when one runs, signals it
// the new version (one workflow per page whatever the number of submits).
// version 0 means the current version.
func (p *Client) Submit(ctx context.Context, pageID string, version int, requestedBy string) (*Started, error) {
	version, err := p.resolveVersion(ctx, pageID, version)
	if err != nil {
		return nil, err
	}
	id := workflows.LifecycleWorkflowID(pageID)
	existing := false
	opts := client.StartWorkflowOptions{
		ID:        id,
		TaskQueue: workflows.TaskQueue,
		// A running lifecycle is signalled instead (below); a finished one
		// (returned, withdrawn, failed) may be followed by a new one for a
		// later version.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.PageIDAttr.ValueSet(pageID),
			workflows.StageAttr.ValueSet(string(workflows.StageDraft))),
		StaticSummary: fmt.Sprintf("Review and approve Confluence page %s", pageID),
		StaticDetails: fmt.Sprintf("Submitted by %s (version %d). Draft → review → approve → classify → return.", requestedBy, version),
	}
	input := workflows.LifecycleInput{PageID: pageID, Version: version, RequestedBy: requestedBy}
	submit := workflows.SubmitRequest{Version: version, By: requestedBy}
	// Start, or signal the run that holds the page: the input of a new run
	// is the submission (no signal to pay for), a running one gets it as a
	// signal. A run that ends between the two is followed by a new one.
	var run client.WorkflowRun
	for attempt := 0; ; attempt++ {
		run, err = p.Temporal.ExecuteWorkflow(ctx, opts, workflows.DocumentLifecycle, input)
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if err == nil || !errors.As(err, &started) {
			break
		}
		existing = true
		err = p.Temporal.SignalWorkflow(ctx, id, "", workflows.LifecycleSubmitSignal, submit)
		var gone *serviceerror.NotFound
		if err == nil {
			run = p.Temporal.GetWorkflow(ctx, id, started.RunId)
			break
		}
		if !errors.As(err, &gone) || attempt > 0 {
			break
		}
		existing = false
	}
	if err != nil {
		return nil, fmt.Errorf("submit page %s: %w", pageID, err)
	}
	return &Started{WorkflowID: id, RunID: run.GetRunID(), Existing: existing, Version: version, Run: run}, nil
}

// Decide sends a reviewer's approve (approve=true) or reject Update and
// waits until the workflow has recorded it. A refusal by the validator is
// a *DecisionRefusedError.
func (p *Client) Decide(ctx context.Context, pageID string, approve bool, d workflows.ReviewDecision) (*workflows.DecisionReceipt, error) {
	name := workflows.LifecycleRejectUpdate
	if approve {
		name = workflows.LifecycleApproveUpdate
	}
	if d.PageVersion == 0 {
		st, err := p.LifecycleStatus(ctx, pageID)
		if err != nil {
			return nil, err
		}
		d.PageVersion = st.PageVersion
	}
	h, err := p.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflows.LifecycleWorkflowID(pageID), UpdateName: name, Args: []any{d},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		var r workflows.DecisionReceipt
		if err = h.Get(ctx, &r); err == nil {
			return &r, nil
		}
	}
	return nil, p.lifecycleError(pageID, err)
}

// Withdraw asks the page's lifecycle to cancel its review.
func (p *Client) Withdraw(ctx context.Context, pageID, by, reason string) error {
	err := p.Temporal.SignalWorkflow(ctx, workflows.LifecycleWorkflowID(pageID), "", workflows.LifecycleWithdrawSignal,
		workflows.WithdrawRequest{By: by, Reason: reason})
	return p.lifecycleError(pageID, err)
}

// Retry asks a Blocked lifecycle to try declaring its record again.
func (p *Client) Retry(ctx context.Context, pageID, by string) error {
	err := p.Temporal.SignalWorkflow(ctx, workflows.LifecycleWorkflowID(pageID), "", workflows.LifecycleRetrySignal,
		workflows.RetryRequest{By: by})
	return p.lifecycleError(pageID, err)
}

// LifecycleStatus queries the page's lifecycle (running or finished).
func (p *Client) LifecycleStatus(ctx context.Context, pageID string) (*workflows.LifecycleState, error) {
	v, err := p.Temporal.QueryWorkflow(ctx, workflows.LifecycleWorkflowID(pageID), "", workflows.StatusQuery)
	if err != nil {
		return nil, p.lifecycleError(pageID, err)
	}
	var st workflows.LifecycleState
	if err := v.Get(&st); err != nil {
		return nil, err
	}
	return &st, nil
}

func (p *Client) lifecycleError(pageID string, err error) error {
	if err == nil {
		return nil
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return &NoLifecycleError{PageID: pageID}
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return &DecisionRefusedError{Msg: appErr.Message()}
	}
	return err
}
