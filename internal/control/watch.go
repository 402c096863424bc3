package control

import (
	"context"

	enumspb "go.temporal.io/api/enums/v1"
)

// OpenFlows describes each flow's latest run: those still running, and
// those that ended without completing (failed, terminated, timed out,
// cancelled, or unknown to Temporal). It makes Client an
// activities.FlowWatcher.
func (p *Client) OpenFlows(ctx context.Context, workflowIDs []string) (running, unfinished []string, err error) {
	for _, id := range workflowIDs {
		d, err := p.Temporal.DescribeWorkflowExecution(ctx, id, "")
		switch {
		case isNotFound(err):
			unfinished = append(unfinished, id)
			continue
		case err != nil:
			return nil, nil, err
		}
		switch d.GetWorkflowExecutionInfo().GetStatus() {
		case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
			running = append(running, id)
		case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
		default:
			unfinished = append(unfinished, id)
		}
	}
	return running, unfinished, nil
}
