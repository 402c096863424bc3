package activities

import (
	"context"
	"fmt"

	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// Flow is a flow a page can be routed to: the one set of names the
// triggers, the backfill, the control surface and the starter use.
type Flow string

// Flows a page can be routed to.
const (
	FlowPublish Flow = "publish" // PublishPage: an approved page
	FlowFile    Flow = "file"    // FileRecord: a page a record rule recognises
	FlowReview  Flow = "review"  // DocumentLifecycle: a page carrying its space's submit label
	FlowNone    Flow = "none"    // nothing to do (the reason says why)

	// Flows of the OpenText → Confluence direction, started next to the above.
	FlowReferences   Flow = "references"    // SyncReferences: a page of a scanned space may link to OTCS documents
	FlowDocumentPage Flow = "document-page" // RefreshDocumentPage: a document page changed in Confluence

	// FlowAccess is SecureRecords: a page's read access changed, so its
	// records (and its descendants') may have to narrow.
	FlowAccess Flow = "access"
)

// The Confluence webhook events the bridge acts on, named as Confluence
// sends them: the webhook receiver and the triggers compare with these.
const (
	EventPageCreated          = "page_created"
	EventPageUpdated          = "page_updated"
	EventPageRestored         = "page_restored"
	EventLabelAdded           = "label_added"
	EventLabelRemoved         = "label_removed"
	EventBlueprintPageCreated = "blueprint_page_created"
	// PermissionsEvent is a change to a page's restrictions.
	PermissionsEvent = "content_permissions_updated"
)

// FlowStarter starts a page flow with the bridge's exactly-once rules
// (internal/control implements it; an interface keeps activities free of
// the workflow package).
type FlowStarter interface {
	StartFlow(ctx context.Context, flow Flow, pageID string, version int, requestedBy string) (workflowID string, existing bool, err error)
}

// FlowWatcher tells which of some flows (by workflow id) are still
// running and which ended without completing (failed, terminated, timed
// out, cancelled); internal/control implements it.
type FlowWatcher interface {
	OpenFlows(ctx context.Context, workflowIDs []string) (running, unfinished []string, err error)
}

// Decide says which flow a page qualifies for under the rules, and why.
func Decide(rules *mapping.Rules, spaceKey, title string, labels []string) (flow Flow, reason string) {
	space, err := rules.ForSpace(spaceKey)
	if err != nil {
		return FlowNone, fmt.Sprintf("space %s is not mapped", spaceKey)
	}
	if rr := space.RecordRuleFor(title, labels); rr != nil {
		return FlowFile, "record rule " + rr.Type
	}
	if rv := space.Review; rv != nil && rv.SubmitLabel != "" {
		for _, l := range labels {
			if l == rv.SubmitLabel {
				// Submitting the same version twice is a no-op in the
				// lifecycle; a newer version is a resubmission.
				return FlowReview, fmt.Sprintf("label %q (submitted for review)", l)
			}
		}
	}
	for _, l := range labels {
		if space.Approval.Label != "" && l == space.Approval.Label {
			return FlowPublish, fmt.Sprintf("label %q", l)
		}
	}
	if space.Approval.State != "" {
		// Whether the content state is set (and on this version) is read
		// from Confluence before anything starts.
		return FlowPublish, fmt.Sprintf("content state %q", space.Approval.State)
	}
	return FlowNone, fmt.Sprintf("no %q label and no record rule matches", space.Approval.Label)
}
