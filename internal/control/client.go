// Package control is the bridge's control surface: Client starts and
// steers every flow with its deterministic workflow id and conflict policy,
// so every trigger — the starter CLI, the webhook receiver, the trigger
// activities, reconciliation, backfill and tests — gets the same
// exactly-once behaviour.
//
// The trigger chain, from a change in Confluence to a record in OTCS:
//
//  1. Confluence posts an event to the webhook receiver (internal/webhook),
//     which verifies the signature and timestamp and calls Client.Route.
//  2. Route starts RouteEvent (id route:<page>:<hash of the signed body>),
//     so a redelivered or replayed event starts nothing new.
//  3. RouteEvent runs TriggerActivities.RoutePage on the Confluence queue:
//     it reads the page, records a label approval by the event's actor, and
//     decides (activities.Decide: record rule, then submit label, then
//     approval label or content state).
//  4. RoutePage calls Client.StartFlow (the activities.FlowStarter
//     interface): PublishPage, FileRecord, DocumentLifecycle, and for the
//     OpenText → Confluence direction SyncReferences or RefreshDocumentPage,
//     each with an id made from the page and version.
//  5. The Reconcile Schedule (ReconcileSpaces) and Backfill route pages the
//     same way, and the starter calls Client's methods directly.
package control

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/xecm-bridge/xecm-bridge/activities"
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

func invalidPageID(id string) error {
	return fmt.Errorf("page id %q is not a Confluence content id (1 to %d digits): nothing was started", id, workflows.MaxPageIDLen)
}

// Client starts and steers the bridge's flows: Publish, File, Submit,
// Decide, Withdraw, Retry, Route, References, SyncNow, Backfill and their
// status calls. The starter, the webhook receiver, the trigger activities
// and the tests all use it.
type Client struct {
	Temporal   client.Client
	Confluence *confluence.Client // resolves the current version when none is given
	// Eager asks the server to hand a started run's first workflow task
	// back with the start's answer, to a workflows-queue worker of the
	// same process built on Temporal (client.StartWorkflowOptions
	// EnableEagerStart): no poll round trip and no matching wait before
	// the run's first step. Set it only where such a worker runs, and
	// never with Worker Deployment versioning, which an eager start does
	// not respect. Without a free local worker the start is an ordinary
	// one.
	Eager bool
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
func (p *Client) Publish(ctx context.Context, pageID string, version int, requestedBy string) (*Started, error) {
	return p.Start(ctx, workflows.PublishFlow, pageID, version, requestedBy)
}

// File starts FileRecord for a page version, with the same reuse rules.
func (p *Client) File(ctx context.Context, pageID string, version int, requestedBy string) (*Started, error) {
	return p.Start(ctx, workflows.FileFlow, pageID, version, requestedBy)
}

// Start starts a page flow (workflows.PublishFlow or FileFlow) for a page
// version.
func (p *Client) Start(ctx context.Context, kind workflows.PageFlow, pageID string, version int, requestedBy string) (*Started, error) {
	return p.start(ctx, kind, workflows.PublishPageInput{PageID: pageID, Version: version, RequestedBy: requestedBy})
}

// start starts (or finds) the run for in's page version.
func (p *Client) start(ctx context.Context, kind workflows.PageFlow, in workflows.PublishPageInput) (*Started, error) {
	pageID, requestedBy := in.PageID, in.RequestedBy
	version, err := p.resolveVersion(ctx, pageID, in.Version)
	if err != nil {
		return nil, err
	}
	in.Version = version
	id := kind.ID(pageID, version)
	// A run that is going or went well is the answer (the server refuses
	// the start and names it); only a failed or cancelled one may be
	// started again.
	opts := client.StartWorkflowOptions{
		ID:                    id,
		WorkflowIDReusePolicy: workflows.PageFlowReuse,
		TypedSearchAttributes: kind.SearchAttributes(pageID),
		StaticSummary:         kind.SummaryOf(pageID, version),
		StaticDetails:         fmt.Sprintf(kind.Details, requestedBy),
	}
	return p.startOnce(ctx, opts, kind.Workflow, in, version)
}

// StartFlow starts the named flow ("publish", "file" or "review") for a page
// version; it makes Client an activities.FlowStarter.
func (p *Client) StartFlow(ctx context.Context, flow activities.Flow, pageID string, version int, requestedBy string) (string, bool, error) {
	var (
		st  *Started
		err error
	)
	page, isPageFlow := workflows.PageFlowFor(flow)
	switch {
	case isPageFlow:
		st, err = p.Start(ctx, page, pageID, version, requestedBy)
	case flow == activities.FlowReview:
		st, err = p.Submit(ctx, pageID, version, requestedBy)
	case flow == activities.FlowReferences:
		st, err = p.References(ctx, pageID, version, nil, requestedBy)
	case flow == activities.FlowDocumentPage:
		st, err = p.RefreshDocumentPage(ctx, pageID, requestedBy)
	case flow == activities.FlowAccess:
		st, err = p.SecureRecords(ctx, pageID, requestedBy)
	default:
		return "", false, fmt.Errorf("unknown flow %q", flow)
	}
	if err != nil {
		return "", false, err
	}
	return st.WorkflowID, st.Existing, nil
}

// Route starts RouteEvent for one accepted webhook delivery. A redelivery
// (same delivery key) finds the first delivery's run and starts nothing.
func (p *Client) Route(ctx context.Context, in workflows.RouteEventInput) (*Started, error) {
	if !workflows.ValidPageID(in.PageID) {
		return nil, invalidPageID(in.PageID)
	}
	id := workflows.RouteEventWorkflowID(in.PageID, in.DeliveryID)
	return p.startOnce(ctx, client.StartWorkflowOptions{
		ID:                    id,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.PageIDAttr.ValueSet(in.PageID)),
		StaticSummary:         fmt.Sprintf("Confluence %s on page %s", in.Event, in.PageID),
	}, workflows.RouteEvent, in, 0)
}

// EnsureReconcileSchedule creates or updates the Schedule that runs
// Reconcile every interval with in (in.Lookback: how far the first run
// looks back).
func EnsureReconcileSchedule(ctx context.Context, c client.Client, every time.Duration, in workflows.ReconcileInput, paused bool) error {
	if every < time.Minute {
		return fmt.Errorf("reconciliation interval %s is below one minute", every)
	}
	action := &client.ScheduleWorkflowAction{
		ID:            "reconcile",
		Workflow:      workflows.Reconcile,
		Args:          []any{in},
		TaskQueue:     workflows.TaskQueue,
		StaticSummary: fmt.Sprintf("Reconcile: start flows for pages changed since the last run (every %s)", every),
		StaticDetails: "Searches each mapped Confluence space (CQL) for pages modified since the previous run's cursor and starts PublishPage or FileRecord for them, as a webhook would have.",
	}
	return ensureSchedule(ctx, c, workflows.ReconcileScheduleID, action, every, paused, "xecm-bridge: catch what webhooks missed")
}

// ensureSchedule creates the schedule, or updates its action, interval and
// paused state. Runs never overlap.
func ensureSchedule(ctx context.Context, c client.Client, id string, action *client.ScheduleWorkflowAction, every time.Duration, paused bool, note string) error {
	spec := client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: every}}}
	h := c.ScheduleClient().GetHandle(ctx, id)
	if _, err := h.Describe(ctx); err == nil {
		return h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			s.Action = action
			s.Spec = &spec
			if s.State == nil {
				s.State = &client.ScheduleState{}
			}
			s.State.Paused = paused
			return &client.ScheduleUpdate{Schedule: &s}, nil
		}})
	}
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:      id,
		Spec:    spec,
		Action:  action,
		Paused:  paused,
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		Note:    note,
	})
	return err
}

// resolveVersion returns version, or the page's current version when it is
// 0, for a page id that can go into a workflow id.
func (p *Client) resolveVersion(ctx context.Context, pageID string, version int) (int, error) {
	if !workflows.ValidPageID(pageID) {
		return 0, invalidPageID(pageID)
	}
	if version != 0 {
		return version, nil
	}
	page, err := p.Confluence.GetPage(ctx, pageID, confluence.GetPageOptions{})
	if rest.IsKind(err, rest.KindNotFound) {
		return 0, &PageNotFoundError{PageID: pageID}
	}
	if err != nil {
		return 0, fmt.Errorf("read current version of page %s: %w", pageID, err)
	}
	return page.Version.Number, nil
}
