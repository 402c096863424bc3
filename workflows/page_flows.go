package workflows

import (
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/xecm-bridge/xecm-bridge/activities"
)

// PageFlow is a flow that turns one page version into one record. It is
// the one statement of the flow's start rules: the control surface (the
// starter, triggers, the webhook) and the backfill's child starts both
// start it by this definition.
type PageFlow struct {
	Name     activities.Flow                         // the flow's name (activities.FlowPublish or FlowFile)
	Workflow any                                     // the workflow function
	ID       func(pageID string, version int) string // deterministic workflow id: one run per page version
	Summary  string                                  // static summary, with %s page id and %d version
	Details  string                                  // static details, with %s requester
}

// The flows the bridge starts per page version.
var (
	PublishFlow = PageFlow{
		Name: activities.FlowPublish, Workflow: PublishPage, ID: PublishPageWorkflowID,
		Summary: "Publish Confluence page %s v%d to OTCS",
		Details: "Requested by %s. Publishes the approved version as one controlled record (one node per page, one version per page version).",
	}
	FileFlow = PageFlow{
		Name: activities.FlowFile, Workflow: FileRecord, ID: FileRecordWorkflowID,
		Summary: "File Confluence page %s v%d as an OTCS record",
		Details: "Requested by %s. Files the page (meeting notes, decision log, action summary) as a record in its dated folder.",
	}
)

// PageFlowReuse is the id reuse policy of a page flow: a failed run (say,
// not approved yet) may be started again; a successful one is final, since
// the version is in OTCS.
const PageFlowReuse = enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY

// PageFlowFor is the page flow of a flow name; ok is false for a flow that
// is not one record per page version.
func PageFlowFor(name activities.Flow) (PageFlow, bool) {
	switch name {
	case PublishFlow.Name:
		return PublishFlow, true
	case FileFlow.Name:
		return FileFlow, true
	}
	return PageFlow{}, false
}

// SearchAttributes are the attributes a page flow's run starts with.
func (f PageFlow) SearchAttributes(pageID string) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(PageIDAttr.ValueSet(pageID), StageAttr.ValueSet(string(StageReading)))
}

// SummaryOf is the run's static summary.
func (f PageFlow) SummaryOf(pageID string, version int) string {
	return fmt.Sprintf(f.Summary, pageID, version)
}
