package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/xecm-bridge/xecm-bridge/internal/temporalclient"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// status is `status WORKFLOW_ID`: a run's state, stage and result or failure.
func status(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("status")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageFor(fs, "status needs exactly one WORKFLOW_ID")
	}
	id := pos[0]
	c, tc, err := dialTemporal()
	if err != nil {
		return err
	}
	defer c.Close()
	desc, err := c.DescribeWorkflowExecution(ctx, id, "")
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return failedError{fmt.Sprintf("no workflow %s in namespace %s", id, tc.Namespace)}
	}
	if err != nil {
		return fmt.Errorf("describe %s: %w", id, err)
	}
	info := desc.GetWorkflowExecutionInfo()
	out := map[string]any{
		"workflowId": id,
		"runId":      info.GetExecution().GetRunId(),
		"status":     info.GetStatus().String(),
		"url":        temporalclient.WorkflowURL(tc, id),
	}
	var failure error
	switch info.GetStatus() {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		var st workflows.PublishStatus
		if v, qerr := c.QueryWorkflow(ctx, id, "", workflows.StatusQuery); qerr == nil && v.Get(&st) == nil {
			out["stage"] = st
		}
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		var res workflows.PublishPageResult
		if err := c.GetWorkflow(ctx, id, "").Get(ctx, &res); err == nil {
			out["result"] = res
		}
	default:
		failure = c.GetWorkflow(ctx, id, "").Get(ctx, nil)
		if failure == nil {
			failure = errors.New(info.GetStatus().String())
		}
		out["error"] = workflows.DescribeFailure(failure)
	}
	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "workflow: %s\nstatus: %s\nweb UI: %s\n", id, out["status"], out["url"])
		if st, ok := out["stage"].(workflows.PublishStatus); ok {
			fmt.Fprintf(stdout, "stage: %s (page %s v%d)\n", st.Stage, st.PageID, st.PageVersion)
		}
		if res, ok := out["result"].(workflows.PublishPageResult); ok {
			printResult(stdout, &res)
		}
	}
	if failure != nil {
		return failedError{fmt.Sprintf("%s %s: %s", id, info.GetStatus(), workflows.DescribeFailure(failure))}
	}
	return nil
}
