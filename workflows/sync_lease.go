package workflows

import (
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// SyncLease is held by the one change-feed run of a feed that may write
// at a time. Its workflow id is fixed per feed, so a second run cannot
// start it while the first holds it; it ends when the run holding it
// closes (parent close policy terminate), completed, failed, terminated or
// continued as new.
//
// Without it, a sync started on demand and a scheduled one could describe
// the same document at once and both write its back link and its
// controlled copy.
func SyncLease(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool { return false })
}

// SyncLeaseWorkflowID is the lease of a feed ("" for documents).
func SyncLeaseWorkflowID(feed string) string {
	if feed == "" {
		feed = "documents"
	}
	return "xecm-bridge-sync-lease-" + feed
}

// maxLeaseWait is the longest pause between two tries for a lease.
const maxLeaseWait = 30 * time.Second

// holdLease waits until this run holds its feed's lease.
func holdLease(ctx workflow.Context, feed string) error {
	opts := workflow.ChildWorkflowOptions{
		WorkflowID:            SyncLeaseWorkflowID(feed),
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_TERMINATE,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		StaticSummary:         "Held while this run writes; the next sync waits for it",
	}
	for wait := time.Second; ; wait = min(2*wait, maxLeaseWait) {
		lease := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), SyncLease)
		err := lease.GetChildWorkflowExecution().Get(ctx, nil)
		if err == nil {
			return nil
		}
		if !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
			return fmt.Errorf("take the sync lease: %w", err)
		}
		// Another run of this feed is writing (or the lease of a run that
		// just continued as new is still being ended): wait for it.
		workflow.SetCurrentDetails(ctx, "**Waiting:** another sync of this feed is running")
		if err := workflow.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}
