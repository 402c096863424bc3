package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/documentpages"
	"github.com/xecm-bridge/xecm-bridge/activities/documentsources"
)

// SyncPermissionsScheduleID is the Temporal Schedule that runs
// SyncPermissions.
const SyncPermissionsScheduleID = "xecm-bridge-sync-permissions"

// SyncPermissionsWorkflowID is the id of an on-demand permission sweep.
const SyncPermissionsWorkflowID = "xecm-bridge-sync-permissions-now"

// permissionBatch is how many pages one pair of activities handles.
const permissionBatch = 50

// SyncPermissionsInput is a sweep's input: empty for a fresh sweep; the
// pages still to do and the totals so far when it continued as new.
type SyncPermissionsInput struct {
	Pages  []activities.DocumentPageRef `json:",omitempty"`
	Totals *PermissionTotals            `json:",omitempty"`
}

// PermissionTotals counts what a sweep did.
type PermissionTotals struct {
	Pages        int      // document pages checked
	Restricted   int      // of those, read-restricted from their source
	Changed      int      // read restrictions rewritten (narrowed, widened or lifted)
	Refused      []string `json:",omitempty"` // "node N: why", sources naming someone the bridge cannot map
	OTCSRequests int      // permission reads (member look-ups are cached per worker)
	ConfRequests int      // restriction reads and writes (group look-ups are cached per worker)
}

// SyncPermissions is the permission sweep of the OpenText → Confluence
// direction. A permission change in OTCS leaves the modify date alone, so
// the change feed (SyncDocuments) never sees it; this workflow, on its own
// Schedule, lists every document page, re-reads its source's OTCS
// permissions and re-applies the rule: a source without public `see` gets
// a page restricted to its mapped readers, the bridge and the kept groups;
// a public one an unrestricted page. One OTCS and one Confluence request
// per unchanged document.
func SyncPermissions(ctx workflow.Context, in SyncPermissionsInput) (*PermissionTotals, error) {
	// The document feed's lease: a sync that read older permissions must
	// not write them over the newer ones this sweep applies, nor the other
	// way round.
	if err := holdLease(ctx, activities.FeedDocuments); err != nil {
		return nil, err
	}
	var pages *documentpages.DocumentPageActivities
	var src *documentsources.DocumentSourceActivities
	todo := in.Pages
	totals := &PermissionTotals{}
	if in.Totals != nil {
		totals = in.Totals
	} else {
		err := workflow.ExecuteActivity(documentsCtx(ctx, activities.ConfluenceTaskQueue, "List the document pages"), pages.DocumentPages).Get(ctx, &todo)
		if err != nil {
			return nil, err
		}
	}
	for len(todo) > 0 {
		n := min(permissionBatch, len(todo))
		batch := todo[:n]
		var read activities.PermissionsResult
		err := workflow.ExecuteActivity(documentsCtx(ctx, activities.OpenTextTaskQueue, fmt.Sprintf("Read the OTCS permissions of %d documents", n)), src.ReadPermissions,
			activities.PermissionsInput{Pages: batch}).Get(ctx, &read)
		if err != nil {
			return nil, err
		}
		var applied activities.ApplyReadersResult
		err = workflow.ExecuteActivity(documentsCtx(ctx, activities.ConfluenceTaskQueue, fmt.Sprintf("Apply the read restrictions of %d pages", n)), pages.ApplyReaders,
			activities.ApplyReadersInput{Pages: read.Pages}).Get(ctx, &applied)
		if err != nil {
			return nil, err
		}
		totals.add(&read, &applied)
		todo = todo[n:]
		workflow.SetCurrentDetails(ctx, totals.details(len(todo)))
		if len(todo) > 0 && (workflow.GetInfo(ctx).GetContinueAsNewSuggested() || workflow.GetInfo(ctx).GetCurrentHistoryLength() > maxSyncEvents) {
			return nil, workflow.NewContinueAsNewError(ctx, SyncPermissions, SyncPermissionsInput{Pages: todo, Totals: totals})
		}
	}
	return totals, nil
}

func (t *PermissionTotals) add(read *activities.PermissionsResult, applied *activities.ApplyReadersResult) {
	t.OTCSRequests += read.Requests
	t.ConfRequests += applied.Requests
	for _, p := range applied.Pages {
		t.Pages++
		if p.Restricted {
			t.Restricted++
		}
		if p.Changed {
			t.Changed++
		}
		if p.Refused != "" {
			t.Refused = append(t.Refused, fmt.Sprintf("node %d: %s", p.NodeID, p.Refused))
		}
	}
}

func (t *PermissionTotals) details(left int) string {
	return fmt.Sprintf("**Pages checked:** %d (%d to go)  \n**Restricted:** %d  \n**Restrictions rewritten:** %d  \n**Refused (unmapped readers):** %d",
		t.Pages, left, t.Restricted, t.Changed, len(t.Refused))
}
