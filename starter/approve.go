package main

import (
	"context"
	"io"

	"github.com/xecm-bridge/xecm-bridge/internal/control"
)

// approvePublish is `approve-publish`: an operator records who approved
// one page version (when the approval happened outside Confluence's
// label or content state) and publishes that version.
func approvePublish(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("approve-publish")
	page := fs.String("page", "", "Confluence page id (required)")
	version := fs.Int("version", 0, "the approved page version (required)")
	as := fs.String("as", "", "account id of the approver (required)")
	meaning := fs.String("meaning", "", "what the approval means (default: \"Approved for publication as a controlled record\")")
	wait := fs.Bool("wait", false, "wait for the result")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *page == "" || *version <= 0 || *as == "" || len(pos) > 0 {
		return usageFor(fs, "approve-publish needs --page ID --version N --as USER: an approval is one person's decision on one version")
	}
	return startAndReport(ctx, func(p *control.Client) (*control.Started, error) {
		return p.ApprovePublish(ctx, control.ApprovalRequest{PageID: *page, Version: *version, Approver: *as, Meaning: *meaning, RequestedBy: requester()})
	}, *wait, *asJSON, stdout)
}
