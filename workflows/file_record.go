package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
)

// FileRecordInput names the page version to file as a record.
type FileRecordInput = PublishPageInput

// FileRecordResult is the record the page version became.
type FileRecordResult = PublishPageResult

// FileRecordWorkflowID is the run's id: one filing per page version.
func FileRecordWorkflowID(pageID string, version int) string {
	return fmt.Sprintf("file:%s:v%d", pageID, version)
}

// FileRecord files a page that a record rule recognises (meeting notes,
// decision logs, action summaries) as an OTCS record in its dated folder,
// with the record type's category and RM classification, declared official
// as the rule says, and links it back on the page. It needs no approval:
// these pages are records by nature. Exactly-once and fixity rules are the
// same as PublishPage's.
func FileRecord(ctx workflow.Context, in FileRecordInput) (*FileRecordResult, error) {
	return runRecordFlow(ctx, in, activities.PurposeRecord)
}
