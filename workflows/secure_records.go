package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
	"github.com/xecm-bridge/xecm-bridge/activities/records"
)

// SecureRecordsWorkflowID is the one run per page that carries changes of
// its read access to its records: changes are applied in the order they
// happened, so the records can follow them both ways.
func SecureRecordsWorkflowID(pageID string) string {
	return "secure-records:" + pageID
}

// AccessChangedSignal tells a page's SecureRecords run that its read
// access changed again while it ran.
const AccessChangedSignal = "access-changed"

// maxAccessRounds is where a run that keeps being signalled continues as
// new, long before its history grows large.
const maxAccessRounds = 50

// SecureRecords carries a change of a page's read access (its own
// restriction, or an ancestor's, which cascades) to the OTCS records of
// the page and its descendants: each record's access list is set to who
// may read its page now, narrowed or widened back to what its folder
// allows. Every change signals the page's one run (signal-with-start);
// a change that arrives while it runs makes it read and apply again, so
// the last state wins and an older, wider one never does.
func SecureRecords(ctx workflow.Context, in activities.SecureRecordsInput) (*activities.NarrowResult, error) {
	if !ValidPageID(in.PageID) {
		return nil, activities.NonRetryable(activities.TypeInvalidInput, "page id %q is not a Confluence content id", in.PageID)
	}
	changed := workflow.GetSignalChannel(ctx, AccessChangedSignal)
	drain := func() bool {
		got := false
		for changed.ReceiveAsync(nil) {
			got = true
		}
		return got
	}
	drain() // the signal that started the run
	out := &activities.NarrowResult{}
	for round := 1; ; round++ {
		res, found, err := applyAccess(ctx, in, true)
		if err != nil {
			return nil, err
		}
		out.Narrowed = append(out.Narrowed, res.Narrowed...)
		out.Widened = append(out.Widened, res.Widened...)
		out.Unchanged, out.Fallback = res.Unchanged, append(out.Fallback, res.Fallback...)
		workflow.SetCurrentDetails(ctx, fmt.Sprintf("**Rounds:** %d  \n**Pages checked:** %d (truncated: %t)  \n**Records narrowed / widened:** %d / %d  \n**Readers not mapped:** %d",
			round, found.Checked, found.Truncated, len(out.Narrowed), len(out.Widened), len(out.Fallback)))
		if !drain() {
			return out, nil
		}
		if round >= maxAccessRounds {
			return nil, workflow.NewContinueAsNewError(ctx, SecureRecords, in)
		}
	}
}

// applyAccess reads who may read the pages (Confluence queue) and sets
// their records' access lists (OpenText queue); widen lets a record grow
// back to what its page and folder allow.
func applyAccess(ctx workflow.Context, in activities.SecureRecordsInput, widen bool) (*activities.NarrowResult, *activities.RecordReadersResult, error) {
	var conf *pages.ConfluenceActivities
	var otcs *records.OpenTextActivities
	var found activities.RecordReadersResult
	err := workflow.ExecuteActivity(documentsCtx(ctx, activities.ConfluenceTaskQueue, "Read who may read the pages"), conf.RecordReaders, in).Get(ctx, &found)
	if err != nil {
		return nil, nil, err
	}
	out := &activities.NarrowResult{}
	if len(found.Records) == 0 {
		return out, &found, nil
	}
	err = workflow.ExecuteActivity(documentsCtx(ctx, activities.OpenTextTaskQueue, fmt.Sprintf("Set the access of %d records", len(found.Records))), otcs.NarrowRecords,
		activities.RecordAccessInput{Records: found.Records, Widen: widen}).Get(ctx, out)
	return out, &found, err
}
