package documentsources

import (
	"context"
	"errors"

	"github.com/xecm-bridge/xecm-bridge/activities"
)

// A permission change in OTCS leaves a node's modify date alone, so the
// change feed never sees one. The permission sweep (workflow
// SyncPermissions) re-reads the permissions of every document with a page
// and re-applies the rule:
//
//   - DocumentPages (Confluence): every document page with its node
//   - ReadPermissions (OpenText): the readership of a batch of nodes
//   - ApplyReaders (Confluence): each page's read restriction made to match

// ReadPermissions reads the permissions of each page's source: one OTCS
// request per document, plus member look-ups a worker has not cached.
func (a *DocumentSourceActivities) ReadPermissions(ctx context.Context, in activities.PermissionsInput) (_ *activities.PermissionsResult, err error) {
	defer func() { activities.Observe(ctx, "ReadPermissions", err) }()
	out := &activities.PermissionsResult{}
	for _, p := range in.Pages {
		r, reqs, err := a.readership(ctx, p.NodeID)
		out.Requests += reqs
		if err != nil {
			if errors.Is(err, errNodeGone) {
				out.Pages = append(out.Pages, activities.PageReaders{DocumentPageRef: p, Missing: true})
				continue
			}
			return nil, err
		}
		out.Pages = append(out.Pages, activities.PageReaders{DocumentPageRef: p, Readers: r})
		activities.Heartbeat(ctx, p.NodeID)
	}
	return out, nil
}
