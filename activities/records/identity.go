package records

import (
	"context"
	"strings"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// claimIdentity gives node the page's nickname, the one identity a page has
// in OTCS. Nicknames are unique, so the claim is atomic: when another node
// already holds it (a concurrent flow filed the page into another folder
// first), node is discarded and the holder returned; nil means node holds
// the identity now (or already did).
func (a *OpenTextActivities) claimIdentity(ctx context.Context, node *opentext.Node, pageID string) (*opentext.Node, error) {
	nick := Nickname(pageID)
	err := a.OTCS.SetNickname(ctx, node.ID, nick)
	if err == nil {
		return nil, nil
	}
	if !rest.IsKind(err, rest.KindBadRequest) && !rest.IsKind(err, rest.KindConflict) {
		return nil, activities.BackendError("set nickname", err)
	}
	holder, lerr := a.OTCS.NodeByNickname(ctx, nick)
	switch {
	case rest.IsKind(lerr, rest.KindNotFound):
		// Refused, yet nobody holds it: the server's reason stands.
		return nil, activities.BackendError("set nickname", err)
	case lerr != nil:
		return nil, activities.BackendError("look up nickname", lerr)
	case holder.ID == node.ID:
		return nil, nil
	}
	if err := a.discard(ctx, node, pageID, holder); err != nil {
		return nil, err
	}
	return holder, nil
}

// discardStray removes a node of the page in folderID other than the
// record (left by an attempt that lost the identity claim, then died).
func (a *OpenTextActivities) discardStray(ctx context.Context, folderID int64, record *opentext.Node, rules *mapping.Target, facts mapping.PageFacts) error {
	stray, _, err := a.findInFolder(ctx, folderID, rules, facts, record.ID)
	if err != nil || stray == nil {
		return err
	}
	return a.discard(ctx, stray, facts.PageID, record)
}

// discard moves a duplicate node of the page to the Recycle Bin, but only
// when the bridge made it and nobody built on it: every version carries
// this page's source marker, and it is neither held nor declared. Anything
// else stops the flow, because deciding between two records is a records
// manager's call.
func (a *OpenTextActivities) discard(ctx context.Context, dup *opentext.Node, pageID string, record *opentext.Node) error {
	refuse := func(why string) error {
		return activities.NonRetryable(activities.TypeDuplicateRecord, "Confluence page %s has two OTCS nodes: %d (%q, its record) and %d (%q), and the second %s; merge them in OTCS (keep %d), then run the flow again",
			pageID, record.ID, record.Name, dup.ID, dup.Name, why, record.ID)
	}
	holds, err := a.OTCS.NodeHolds(ctx, dup.ID)
	if err != nil {
		return activities.BackendError("read holds", err)
	}
	for _, h := range holds {
		if h.Active {
			return refuse("is on hold " + h.Name)
		}
	}
	state, err := a.OTCS.RMClassifications(ctx, dup.ID)
	if err != nil && !rest.IsKind(err, rest.KindNotFound) {
		return activities.BackendError("read RM classification", err)
	}
	if state != nil {
		for _, c := range state.Classifications {
			if c.Finalized {
				return refuse("is a declared record")
			}
		}
	}
	versions, err := a.OTCS.Versions(ctx, dup.ID)
	if err != nil {
		return activities.BackendError("list versions", err)
	}
	for _, v := range versions {
		if !strings.HasPrefix(v.Description, activities.SourcePrefix(pageID)) {
			return refuse("has a version the bridge did not write")
		}
	}
	if err := a.OTCS.DeleteNode(ctx, dup.ID); err != nil && !rest.IsKind(err, rest.KindNotFound) {
		return activities.BackendError("discard duplicate node", err)
	}
	return nil
}
