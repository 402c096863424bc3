package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/triggers"
)

// RouteEventInput is one accepted Confluence event.
type RouteEventInput struct {
	PageID     string
	Event      string // e.g. label_added
	Actor      string // userKey / accountId of who caused it
	DeliveryID string // the delivery's identity (a hash of the signed body)
	Label      string // label events: the label
	Timestamp  int64  // the event's time (ms since the epoch) when the delivery carried one
}

// RouteEventWorkflowID is one id per delivery: a redelivered event finds
// the run of the first delivery instead of starting another.
func RouteEventWorkflowID(pageID, deliveryKey string) string {
	return fmt.Sprintf("route:%s:%s", pageID, deliveryKey)
}

// RouteEvent hands a Confluence event to the flow it calls for. The
// webhook receiver only verifies and records the event (it never waits on
// Confluence); this run reads the page and starts PublishPage or
// FileRecord for its current version, or nothing, with the reason.
func RouteEvent(ctx workflow.Context, in RouteEventInput) (*activities.RouteResult, error) {
	if in.PageID == "" {
		return nil, activities.NonRetryable(activities.TypeInvalidInput, "page id is required")
	}
	var trig *triggers.TriggerActivities
	var res activities.RouteResult
	actx := activityCtx(ctx, activities.ConfluenceTaskQueue, routeCall, "Read page and start its flow")
	err := workflow.ExecuteActivity(actx, trig.RoutePage, routeInput(in)).Get(ctx, &res)
	if err != nil {
		return nil, err
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**Flow:** %s  \n**Reason:** %s  \n**Workflow:** %s", res.Flow, res.Reason, res.WorkflowID))
	return &res, nil
}

// routeInput carries the event's facts to the router, which records a
// label approval by the event's actor.
func routeInput(in RouteEventInput) activities.RouteInput {
	r := activities.RouteInput{PageID: in.PageID, Cause: fmt.Sprintf("webhook %s by %s", in.Event, in.Actor),
		Event: in.Event, Actor: in.Actor, Label: in.Label}
	if in.Timestamp > 0 {
		r.EventAt = time.UnixMilli(in.Timestamp).UTC()
	}
	return r
}
