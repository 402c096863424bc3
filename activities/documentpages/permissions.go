package documentpages

import (
	"context"

	"go.temporal.io/sdk/activity"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// A permission change in OTCS leaves a node's modify date alone, so the
// change feed never sees one. The permission sweep (workflow
// SyncPermissions) re-reads the permissions of every document with a page
// and re-applies the rule:
//
//   - DocumentPages (Confluence): every document page with its node
//   - ReadPermissions (OpenText): the readership of a batch of nodes
//   - ApplyReaders (Confluence): each page's read restriction made to match

// DocumentPages lists every document page of the documents space, by the
// node label the bridge puts on each (one CQL search, paged by the client).
func (a *DocumentPageActivities) DocumentPages(ctx context.Context) (_ []activities.DocumentPageRef, err error) {
	defer func() { activities.Observe(ctx, "DocumentPages", err) }()
	if a.Rules.Documents == nil {
		return nil, activities.NonRetryable(activities.TypeNoMapping, "the mapping has no documents: section")
	}
	refs, err := a.Confluence.PagesWithLabel(ctx, a.Rules.Documents.Space, activities.DocumentLabel)
	if err != nil {
		return nil, activities.BackendError("list the document pages", err)
	}
	out := make([]activities.DocumentPageRef, 0, len(refs))
	for _, r := range refs {
		if node := nodeOfLabels(r.Labels); node != 0 {
			out = append(out, activities.DocumentPageRef{PageID: r.ID, NodeID: node})
		}
	}
	return out, nil
}

// ApplyReaders makes each page's read restriction what its source's
// readership gives now (planReaders): narrowed, widened or lifted. A page
// whose source is gone keeps its restriction.
func (a *DocumentPageActivities) ApplyReaders(ctx context.Context, in activities.ApplyReadersInput) (_ *activities.ApplyReadersResult, err error) {
	defer func() { activities.Observe(ctx, "ApplyReaders", err) }()
	if a.Rules.Documents == nil {
		return nil, activities.NonRetryable(activities.TypeNoMapping, "the mapping has no documents: section")
	}
	out := &activities.ApplyReadersResult{}
	for _, p := range in.Pages {
		if p.Missing {
			continue
		}
		plan, err := activities.PlanReaders(ctx, a.resolver(), a.Rules.Access, a.Rules.Documents.BridgeAccount, p.Readers)
		if err != nil {
			return nil, err
		}
		changed, err := activities.SetReaders(ctx, a.Confluence, p.PageID, plan)
		if rest.IsKind(err, rest.KindNotFound) {
			continue // the page is gone since it was listed
		}
		if err != nil {
			return nil, err
		}
		out.Requests++
		if changed {
			out.Requests += 2
			activity.GetLogger(ctx).Info("Read restriction re-applied", "page", p.PageID, "node", p.NodeID, "readers", plan.Summary)
		}
		out.Pages = append(out.Pages, activities.ReadersApplied{PageID: p.PageID, NodeID: p.NodeID, Changed: changed, Restricted: !plan.Open, Refused: plan.Refused})
		activities.Heartbeat(ctx, p.PageID)
	}
	return out, nil
}
