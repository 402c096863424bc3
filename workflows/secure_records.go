package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
)

// SecureRecordsWorkflowID is the run for one change of a page's read
// access; key tells changes apart (a webhook delivery, a request time).
func SecureRecordsWorkflowID(pageID, key string) string {
	return "secure-records:" + pageID + ":" + key
}

// SecureRecords carries a change of a page's read access (its own
// restriction, or an ancestor's, which cascades) to the OTCS records of
// the page and its descendants: each record is narrowed to who may read
// its page now. It never widens a record, so two runs for changes made in
// quick succession may finish in either order.
func SecureRecords(ctx workflow.Context, in activities.SecureRecordsInput) (*activities.NarrowResult, error) {
	if !ValidPageID(in.PageID) {
		return nil, activities.NonRetryable(activities.TypeInvalidInput, "page id %q is not a Confluence content id", in.PageID)
	}
	var conf *activities.ConfluenceActivities
	var otcs *activities.OpenTextActivities
	var found activities.RecordReadersResult
	err := workflow.ExecuteActivity(documentsCtx(ctx, activities.ConfluenceTaskQueue, "Read who may read the page and its descendants"), conf.RecordReaders, in).Get(ctx, &found)
	if err != nil {
		return nil, err
	}
	out := &activities.NarrowResult{}
	if len(found.Records) > 0 {
		err = workflow.ExecuteActivity(documentsCtx(ctx, activities.OpenTextTaskQueue, fmt.Sprintf("Narrow %d records", len(found.Records))), otcs.NarrowRecords, found).Get(ctx, out)
		if err != nil {
			return nil, err
		}
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**Pages checked:** %d (truncated: %t)  \n**Records narrowed:** %d  \n**Unchanged:** %d  \n**Readers not mapped:** %d",
		found.Checked, found.Truncated, len(out.Narrowed), out.Unchanged, len(out.Fallback)))
	return out, nil
}
