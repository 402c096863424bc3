package control

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// RunStatus is what a status call says of a long run (a backfill, a
// closure): its ids and Temporal status (Running, Completed, Failed,
// Canceled...), its progress (the query while it runs, its result once
// it has completed) or its failure.
type RunStatus[P any] struct {
	WorkflowID string `json:"workflowId"`
	RunID      string `json:"runId"`
	Status     string `json:"status"`
	Progress   *P     `json:"progress,omitempty"`
	Error      string `json:"error,omitempty"`
	// ProgressError says why a running run's progress could not be read
	// (no workflow worker answered the query, say).
	ProgressError string `json:"progressError,omitempty"`
}

// errNoRun says Temporal has no run of that workflow id.
var errNoRun = errors.New("no such run")

// runStatus reads the latest run of id: its progress from query while
// it runs, its result once completed, its failure otherwise.
func runStatus[P any](ctx context.Context, c client.Client, id, query string) (*RunStatus[P], error) {
	desc, err := c.DescribeWorkflowExecution(ctx, id, "")
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return nil, errNoRun
	}
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", id, err)
	}
	info := desc.GetWorkflowExecutionInfo()
	st := &RunStatus[P]{WorkflowID: id, RunID: info.GetExecution().GetRunId(), Status: info.GetStatus().String()}
	var progress P
	switch info.GetStatus() {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		v, err := c.QueryWorkflow(ctx, id, st.RunID, query)
		if err == nil {
			err = v.Get(&progress)
		}
		if err != nil {
			st.ProgressError = err.Error()
			break
		}
		st.Progress = &progress
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		if err := c.GetWorkflow(ctx, id, st.RunID).Get(ctx, &progress); err == nil {
			st.Progress = &progress
		}
	default:
		if werr := c.GetWorkflow(ctx, id, st.RunID).Get(ctx, nil); werr != nil {
			st.Error = workflows.DescribeFailure(werr)
		}
	}
	return st, nil
}
