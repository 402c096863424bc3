package control

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// ApprovalRequest is an operator's approval of one page version on behalf
// of a named approver (`starter approve-publish`).
type ApprovalRequest struct {
	PageID      string
	Version     int    // required: an approval is of one version
	Approver    string // the account that approved (recorded as Approved By)
	Meaning     string // what the approval means; the space's approval.meaning when empty
	RequestedBy string // the operator
}

// ApprovePublish starts PublishPage for exactly that version with the
// approval in its input: the run's first activity records it in the page's
// approval log (a content property, which makes no page version) before it
// checks the approval, so one durable start carries both steps and a
// crash between them is finished by the activity's retry. A run for that
// version that is going or went well is found instead, and records nothing.
func (p *Client) ApprovePublish(ctx context.Context, req ApprovalRequest) (*Started, error) {
	req.Approver = strings.TrimSpace(req.Approver)
	switch {
	case !workflows.ValidPageID(req.PageID):
		return nil, invalidPageID(req.PageID)
	case req.Version <= 0:
		return nil, errors.New("an approval is of one page version: give --version N")
	case req.Approver == "":
		return nil, errors.New("name the approver with --as USER: the record says who approved")
	}
	_, err := p.Confluence.GetPage(ctx, req.PageID, confluence.GetPageOptions{Version: req.Version})
	if rest.IsKind(err, rest.KindNotFound) {
		return nil, &PageNotFoundError{PageID: fmt.Sprintf("%s (version %d)", req.PageID, req.Version)}
	}
	if err != nil {
		return nil, fmt.Errorf("read page %s version %d: %w", req.PageID, req.Version, err)
	}
	return p.start(ctx, workflows.PublishFlow, workflows.PublishPageInput{
		PageID: req.PageID, Version: req.Version, RequestedBy: req.RequestedBy,
		Approval: &activities.Approval{
			PageVersion: req.Version, By: req.Approver, At: time.Now().UTC(), Source: activities.ApprovalByOperator,
			Signal: fmt.Sprintf("approved by %s, recorded by %s", req.Approver, req.RequestedBy), Meaning: req.Meaning,
		},
	})
}
