package control

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/workflows"
)

const permissionsDetails = "Re-reads the OTCS permissions of every document with a page and re-applies the rule: restricted sources get pages restricted to their mapped readers, the bridge and the kept groups; public ones unrestricted pages. Permission changes leave no modify date, so the change feed never sees them."

// SyncPermissionsNow starts the permission sweep at once; a sweep already
// going is found instead.
func (p *Client) SyncPermissionsNow(ctx context.Context, requestedBy string) (*Started, error) {
	return p.startOnce(ctx, client.StartWorkflowOptions{
		ID: workflows.SyncPermissionsWorkflowID, WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		StaticSummary: "Re-apply OTCS permissions to document pages (on demand)",
		StaticDetails: "Requested by " + requestedBy + ".",
	}, workflows.SyncPermissions, workflows.SyncPermissionsInput{}, 0)
}

// EnsurePermissionsSchedule creates or updates the Schedule of the
// permission sweep. Runs never overlap.
func EnsurePermissionsSchedule(ctx context.Context, c client.Client, every time.Duration, paused bool) error {
	if every < time.Minute {
		return fmt.Errorf("permission sweep interval %s is below one minute", every)
	}
	action := &client.ScheduleWorkflowAction{
		ID:            "sync-permissions",
		Workflow:      workflows.SyncPermissions,
		Args:          []any{workflows.SyncPermissionsInput{}},
		TaskQueue:     workflows.TaskQueue,
		StaticSummary: fmt.Sprintf("Re-apply OTCS permissions to document pages (every %s)", every),
		StaticDetails: permissionsDetails,
	}
	return ensureSchedule(ctx, c, workflows.SyncPermissionsScheduleID, action, every, paused, "xecm-bridge: OpenText → Confluence permission sweep")
}
