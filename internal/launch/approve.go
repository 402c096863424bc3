package launch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// ApprovalRequest is an operator's approval of one page version on behalf
// of a named approver (`starter approve-publish`).
type ApprovalRequest struct {
	PageID      string
	Version     int    // required: an approval is of one version
	Approver    string // the account that approved (recorded as Approved By)
	Meaning     string // what the approval means; the mapping's default when empty
	RequestedBy string // the operator
}

// ApprovePublish records the approval in the page's approval log (a
// content property, which makes no page version) and starts PublishPage
// for exactly that version.
func (p *Publisher) ApprovePublish(ctx context.Context, req ApprovalRequest) (*Started, error) {
	req.Approver = strings.TrimSpace(req.Approver)
	switch {
	case !workflows.ValidPageID(req.PageID):
		return nil, invalidPageID(req.PageID)
	case req.Version <= 0:
		return nil, errors.New("an approval is of one page version: give --version N")
	case req.Approver == "":
		return nil, errors.New("name the approver with --as USER: the record says who approved")
	}
	page, err := p.Confluence.GetPage(ctx, req.PageID, confluence.GetPageOptions{Version: req.Version})
	if rest.IsKind(err, rest.KindNotFound) {
		return nil, &PageNotFoundError{PageID: fmt.Sprintf("%s (version %d)", req.PageID, req.Version)}
	}
	if err != nil {
		return nil, fmt.Errorf("read page %s version %d: %w", req.PageID, req.Version, err)
	}
	meaning := req.Meaning
	if meaning == "" {
		meaning = mapping.DefaultApprovalMeaning
	}
	err = activities.RecordApproval(ctx, p.Confluence, page.ID, activities.Approval{
		PageVersion: page.Version.Number, By: req.Approver, At: time.Now().UTC(), Source: activities.ApprovalByOperator,
		Signal: fmt.Sprintf("approved by %s, recorded by %s", req.Approver, req.RequestedBy), Meaning: meaning,
	})
	if err != nil {
		return nil, fmt.Errorf("record the approval of page %s version %d: %w", req.PageID, req.Version, err)
	}
	return p.Start(ctx, PublishKind, page.ID, page.Version.Number, req.RequestedBy)
}
