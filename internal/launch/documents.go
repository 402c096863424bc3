package launch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// References starts SyncReferences for a page version (the current one
// when version is 0); add lists documents an operator references from the
// page without a link. One run per page version and request.
func (p *Publisher) References(ctx context.Context, pageID string, version int, add []int64, requestedBy string) (*Started, error) {
	version, err := p.resolveVersion(ctx, pageID, version)
	if err != nil {
		return nil, err
	}
	id := workflows.SyncReferencesWorkflowID(pageID, version)
	if len(add) > 0 {
		ids := make([]string, len(add))
		for i, n := range add {
			ids[i] = fmt.Sprint(n)
		}
		id += ":add-" + strings.Join(ids, "-")
	}
	return p.startOnce(ctx, client.StartWorkflowOptions{
		ID: id, WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.PageIDAttr.ValueSet(pageID)),
		StaticSummary:         fmt.Sprintf("References from Confluence page %s v%d to OTCS documents", pageID, version),
		StaticDetails:         "Requested by " + requestedBy + ".",
	}, workflows.SyncReferences, workflows.SyncReferencesInput{PageID: pageID, Version: version, Add: add}, version)
}

// RefreshDocumentPage starts RefreshDocumentPage for a document page that
// changed in Confluence; a run already going for the page covers it.
func (p *Publisher) RefreshDocumentPage(ctx context.Context, pageID, requestedBy string) (*Started, error) {
	if !workflows.ValidPageID(pageID) {
		return nil, invalidPageID(pageID)
	}
	return p.startOnce(ctx, client.StartWorkflowOptions{
		ID: workflows.RefreshDocumentPageWorkflowID(pageID), WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.PageIDAttr.ValueSet(pageID)),
		StaticSummary:         "Refresh document page " + pageID + " from OTCS",
		StaticDetails:         "Requested by " + requestedBy + ".",
	}, workflows.RefreshDocumentPage, workflows.RefreshDocumentPageInput{PageID: pageID}, 0)
}

// SyncDocumentsNow starts an on-demand SyncDocuments run: a full sweep of
// every watch. A run already going is found instead, so two requests never
// make two runs.
func (p *Publisher) SyncDocumentsNow(ctx context.Context, requestedBy string) (*Started, error) {
	return p.startOnce(ctx, client.StartWorkflowOptions{
		ID: workflows.SyncDocumentsWorkflowID, WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		StaticSummary: "Sync document pages from OTCS (full sweep, on demand)",
		StaticDetails: "Requested by " + requestedBy + ".",
	}, workflows.SyncDocuments, workflows.SyncDocumentsInput{Full: true}, 0)
}

// startOnce starts a workflow or finds the running one with its id.
func (p *Publisher) startOnce(ctx context.Context, opts client.StartWorkflowOptions, wf, in any, version int) (*Started, error) {
	opts.TaskQueue = workflows.TaskQueue
	opts.WorkflowIDConflictPolicy = enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING
	opts.WorkflowExecutionErrorWhenAlreadyStarted = true
	run, err := p.Temporal.ExecuteWorkflow(ctx, opts, wf, in)
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &already) {
		return &Started{WorkflowID: opts.ID, RunID: already.RunId, Existing: true, Version: version, Run: p.Temporal.GetWorkflow(ctx, opts.ID, already.RunId)}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", opts.ID, err)
	}
	return &Started{WorkflowID: opts.ID, RunID: run.GetRunID(), Version: version, Run: run}, nil
}

// EnsureDocumentsSchedule creates or updates the Schedule that runs
// SyncDocuments every interval, with every fullEvery-th run a full sweep.
// Runs never overlap.
func EnsureDocumentsSchedule(ctx context.Context, c client.Client, every time.Duration, fullEvery int, paused bool) error {
	if every < time.Minute {
		return fmt.Errorf("document sync interval %s is below one minute", every)
	}
	action := &client.ScheduleWorkflowAction{
		ID:            "sync-documents",
		Workflow:      workflows.SyncDocuments,
		Args:          []any{workflows.SyncDocumentsInput{FullEvery: fullEvery}},
		TaskQueue:     workflows.TaskQueue,
		StaticSummary: fmt.Sprintf("Sync document pages from OTCS (every %s)", every),
		StaticDetails: "Reads each watched OTCS folder and workspace newest change first, down to the previous run's cursor, and updates only the document pages of what changed.",
	}
	return ensureSchedule(ctx, c, workflows.SyncDocumentsScheduleID, action, every, paused, "xecm-bridge: OpenText → Confluence change feed")
}
