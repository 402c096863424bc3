package triggers

import (
	"context"
	"fmt"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// approvalResetMarker identifies the bridge's "approve again" comment for
// one page version, so a retried reset posts it once.
func approvalResetMarker(pageID string, version int) string {
	return fmt.Sprintf("xecm-bridge:approval-reset:%s:v%d", pageID, version)
}

// resetApproval undoes the approval signal of a page edited after its
// approval (mapping approval.on_edit: reset): it comments on the page,
// then removes the label. A retry after a crash between the two finds the
// comment by its marker and finishes the removal.
func (a *TriggerActivities) resetApproval(ctx context.Context, space *mapping.Space, pageID string, version int, edited *activities.Approval) error {
	text := fmt.Sprintf("Edited after approval — approve version %d again to publish. (Version %d was approved by %s; the bridge removed the approval signal because the page changed since.)",
		version, edited.PageVersion, edited.By)
	marker := approvalResetMarker(pageID, version)
	if err := activities.CommentOnce(ctx, a.Confluence, pageID, marker, activities.NoteBody(activities.PageNoteInput{Text: text, Marker: marker})); err != nil {
		return activities.BackendError("comment on the page", err)
	}
	if l := space.Approval.Label; l != "" {
		if err := a.Confluence.RemoveLabel(ctx, pageID, l); err != nil && !rest.IsKind(err, rest.KindNotFound) {
			return activities.BackendError("remove label "+l, err)
		}
	}
	if space.Approval.State != "" {
		if err := a.Confluence.RemoveContentState(ctx, pageID); err != nil && !rest.IsKind(err, rest.KindNotFound) {
			return activities.BackendError("remove content state", err)
		}
	}
	return nil
}
