// Package launch starts the bridge's workflows with their deterministic ids
// and conflict policies, so every trigger (starter CLI, webhook receiver,
// reconciliation, tests) gets the same exactly-once behaviour.
package launch

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// PageNotFoundError says the page to publish does not exist (or is not
// visible to the bridge's account).
type PageNotFoundError struct{ PageID string }

func (e *PageNotFoundError) Error() string {
	return fmt.Sprintf("Confluence page %s does not exist (or the bridge's account cannot see it)", e.PageID)
}

// Publisher starts publishes; it is shared by the CLI and the tests.
type Publisher struct {
	Temporal   client.Client
	Confluence *confluence.Client // resolves the current version when none is given
}

// Started describes a publish run that was started or found.
type Started struct {
	WorkflowID string             `json:"workflowId"`
	RunID      string             `json:"runId"`
	Existing   bool               `json:"existing"` // a run for this page version already existed
	Version    int                `json:"version"`
	Run        client.WorkflowRun `json:"-"`
}

// Publish starts PublishPage for a page version (the current one when
// version is 0). A run for the same page version, running or finished
// successfully, is reused instead of starting another.
func (p *Publisher) Publish(ctx context.Context, pageID string, version int, requestedBy string) (*Started, error) {
	if version == 0 {
		page, err := p.Confluence.GetPage(ctx, pageID, confluence.GetPageOptions{})
		if rest.IsKind(err, rest.KindNotFound) {
			return nil, &PageNotFoundError{PageID: pageID}
		}
		if err != nil {
			return nil, fmt.Errorf("read current version of page %s: %w", pageID, err)
		}
		version = page.Version.Number
	}
	id := workflows.PublishPageWorkflowID(pageID, version)
	opts := client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		// A failed run (say, not approved yet) may be retried; a successful
		// one is final: the version is in OTCS.
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.PageIDAttr.ValueSet(pageID),
			workflows.StageAttr.ValueSet(workflows.StageReading)),
		StaticSummary: fmt.Sprintf("Publish Confluence page %s v%d to OTCS", pageID, version),
		StaticDetails: fmt.Sprintf("Requested by %s. Publishes the approved version as one controlled record (one node per page, one version per page version).", requestedBy),
	}
	// A run that is going or went well is the answer; only a failed or
	// cancelled one may be started again.
	if desc, err := p.Temporal.DescribeWorkflowExecution(ctx, id, ""); err == nil {
		info := desc.GetWorkflowExecutionInfo()
		switch info.GetStatus() {
		case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
			runID := info.GetExecution().GetRunId()
			return &Started{WorkflowID: id, RunID: runID, Existing: true, Version: version, Run: p.Temporal.GetWorkflow(ctx, id, runID)}, nil
		}
	}
	opts.WorkflowExecutionErrorWhenAlreadyStarted = true
	in := workflows.PublishPageInput{PageID: pageID, Version: version, RequestedBy: requestedBy}
	run, err := p.Temporal.ExecuteWorkflow(ctx, opts, workflows.PublishPage, in)
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &already) {
		return &Started{WorkflowID: id, RunID: already.RunId, Existing: true, Version: version, Run: p.Temporal.GetWorkflow(ctx, id, already.RunId)}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", id, err)
	}
	// With USE_EXISTING a run started by a concurrent trigger in the last
	// instant comes back here too: still one run, reported as new.
	return &Started{WorkflowID: id, RunID: run.GetRunID(), Version: version, Run: run}, nil
}
