package control

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

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// References starts SyncReferences for a page version (the current one
// when version is 0); add lists documents an operator references from the
// page without a link. One run per page version and request.
func (p *Client) References(ctx context.Context, pageID string, version int, add []int64, requestedBy string) (*Started, error) {
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
func (p *Client) RefreshDocumentPage(ctx context.Context, pageID, requestedBy string) (*Started, error) {
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

// SecureRecords tells the page's one SecureRecords run that its read
// access changed, starting the run when none is running
// (signal-with-start): the run applies changes in order and reads again
// when one arrives meanwhile, so its records follow the newest state.
func (p *Client) SecureRecords(ctx context.Context, pageID, requestedBy string) (*Started, error) {
	if !workflows.ValidPageID(pageID) {
		return nil, invalidPageID(pageID)
	}
	id := workflows.SecureRecordsWorkflowID(pageID)
	// Signal-with-start does not say whether it started the run: the run
	// existed when it is the one that was running before the call.
	var running string
	if desc, err := p.Temporal.DescribeWorkflowExecution(ctx, id, ""); err == nil &&
		desc.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		running = desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	}
	run, err := p.Temporal.SignalWithStartWorkflow(ctx, id, workflows.AccessChangedSignal, requestedBy, client.StartWorkflowOptions{
		TaskQueue: workflows.TaskQueue, WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.PageIDAttr.ValueSet(pageID)),
		StaticSummary:         "Records under page " + pageID + " follow its readers",
		StaticDetails:         "Requested by " + requestedBy + ".",
	}, workflows.SecureRecords, activities.SecureRecordsInput{PageID: pageID, RequestedBy: requestedBy})
	if err != nil {
		return nil, fmt.Errorf("signal or start %s: %w", id, err)
	}
	return &Started{WorkflowID: id, RunID: run.GetRunID(), Existing: running != "" && run.GetRunID() == running, Run: run}, nil
}

// Feed is a change feed from OTCS with its workflow, Schedule and
// on-demand run.
type Feed struct {
	Name       string // "documents" or "templates", as the CLI says it
	Workflow   any
	ScheduleID string
	NowID      string // workflow id of an on-demand run
	Summary    string
	Details    string
}

// The change feeds.
var (
	DocumentsFeed = Feed{Name: "documents", Workflow: workflows.SyncDocuments, ScheduleID: workflows.SyncDocumentsScheduleID,
		NowID: workflows.SyncDocumentsWorkflowID, Summary: "Sync document pages from OTCS",
		Details: "Reads each watched OTCS folder and workspace newest change first, down to the previous run's cursor, and updates only the document pages of what changed."}
	TemplatesFeed = Feed{Name: "templates", Workflow: workflows.SyncTemplates, ScheduleID: workflows.SyncTemplatesScheduleID,
		NowID: workflows.SyncTemplatesWorkflowID, Summary: "Sync approved templates from OTCS",
		Details: "Reads each watched OTCS template folder newest change first, down to the previous run's cursor, and converts and publishes only the templates that changed."}
)

// SyncNow starts an on-demand run of a feed: a full sweep of every watch.
// A run already going is found instead, so two requests never make two
// runs.
func (p *Client) SyncNow(ctx context.Context, feed Feed, requestedBy string) (*Started, error) {
	return p.startOnce(ctx, client.StartWorkflowOptions{
		ID: feed.NowID, WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		StaticSummary: feed.Summary + " (full sweep, on demand)",
		StaticDetails: "Requested by " + requestedBy + ".",
	}, feed.Workflow, workflows.SyncDocumentsInput{Full: true}, 0)
}

// startOnce starts a workflow or finds the running one with its id.
//
// A running run is refused (conflict policy FAIL) rather than attached to
// (USE_EXISTING): the server answers USE_EXISTING with a plain success
// carrying the running run's id, and the SDK does not pass on that it
// started nothing, so the run found would be reported as new. Refused, it
// comes back as WorkflowExecutionAlreadyStarted with the running run's id,
// the same answer as a closed run the reuse policy keeps. The SDK's own
// retry of a start is still one start: the server dedupes the request id.
func (p *Client) startOnce(ctx context.Context, opts client.StartWorkflowOptions, wf, in any, version int) (*Started, error) {
	opts.TaskQueue = workflows.TaskQueue
	opts.WorkflowIDConflictPolicy = enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL
	opts.WorkflowExecutionErrorWhenAlreadyStarted = true
	opts.EnableEagerStart = p.Eager
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

// EnsureFeedSchedule creates or updates the Schedule that runs a feed
// every interval, with every fullEvery-th run a full sweep. Runs never
// overlap.
func EnsureFeedSchedule(ctx context.Context, c client.Client, feed Feed, every time.Duration, fullEvery int, paused bool) error {
	if every < time.Minute {
		return fmt.Errorf("%s sync interval %s is below one minute", feed.Name, every)
	}
	action := &client.ScheduleWorkflowAction{
		ID:            "sync-" + feed.Name,
		Workflow:      feed.Workflow,
		Args:          []any{workflows.SyncDocumentsInput{FullEvery: fullEvery}},
		TaskQueue:     workflows.TaskQueue,
		StaticSummary: fmt.Sprintf("%s (every %s)", feed.Summary, every),
		StaticDetails: feed.Details,
	}
	return ensureSchedule(ctx, c, feed.ScheduleID, action, every, paused, "xecm-bridge: OpenText → Confluence "+feed.Name+" feed")
}
