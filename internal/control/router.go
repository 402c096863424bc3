package control

import (
	"context"

	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// WebhookRouter records each accepted webhook delivery through Route: it
// is the webhook receiver's Router (internal/webhook), in the receiver
// binary and in every test or benchmark that runs the real receiver.
type WebhookRouter struct{ Client *Client }

// Route starts the delivery's RouteEvent run and says whether one was
// already there.
func (r WebhookRouter) Route(ctx context.Context, in workflows.RouteEventInput) (string, bool, error) {
	st, err := r.Client.Route(ctx, in)
	if err != nil {
		return "", false, err
	}
	return st.WorkflowID, st.Existing, nil
}
