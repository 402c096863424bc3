package workflows

import (
	"fmt"
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/templates"
)

// SyncTemplatesScheduleID is the Temporal Schedule that runs SyncTemplates.
const SyncTemplatesScheduleID = "xecm-bridge-sync-templates"

// SyncTemplatesWorkflowID is the id of an on-demand template sync.
const SyncTemplatesWorkflowID = "xecm-bridge-sync-templates-now"

// SyncTemplates is flow F4: the change feed of the watched OTCS template
// folders. Each approved template becomes a read-only Confluence page (its
// content converted to storage format under a controlled-copy header) and
// a Confluence page template, both kept at the latest approved version; a
// withdrawn template's page is archived and its Confluence template
// removed. An unchanged folder costs one OTCS request per run. Converting
// runs in an activity on the OpenText queue; no document bytes enter
// Temporal. A template that does not convert is reported with its typed
// error, the others sync, and it is tried again on the next run.
func SyncTemplates(ctx workflow.Context, in SyncDocumentsInput) (*SyncState, error) {
	return runFeed(ctx, in, feedSteps{
		feed: activities.FeedTemplates, self: SyncTemplates,
		apply: func(ctx workflow.Context, st *SyncState, docs []activities.DocumentState) error {
			return publishTemplates(ctx, st, activities.PublishTemplatesInput{Docs: docs})
		},
		archive: func(ctx workflow.Context, st *SyncState, watch string) error {
			return publishTemplates(ctx, st, activities.PublishTemplatesInput{MissingFrom: watch, Seen: st.Seen})
		},
	})
}

// publishTemplates runs PublishTemplates and counts what it did; failed
// templates are kept for the next run.
func publishTemplates(ctx workflow.Context, st *SyncState, in activities.PublishTemplatesInput) error {
	var tpl *templates.TemplateActivities
	var res activities.PublishTemplatesResult
	summary := fmt.Sprintf("Convert and publish %d templates", len(in.Docs))
	if in.MissingFrom != "" {
		summary = "Withdraw templates that left " + in.MissingFrom
	}
	err := workflow.ExecuteActivity(documentsCtx(ctx, activities.ConfluenceTaskQueue, summary), tpl.PublishTemplates, in).Get(ctx, &res)
	if err != nil {
		return err
	}
	for _, t := range res.Templates {
		switch {
		case t.ErrorType != "":
			// A failed template tried again first may come with the feed
			// too (listed within the second of its change): count it once.
			if !slices.Contains(st.Failed, t.NodeID) {
				st.Totals.Failed++
				st.Failed = append(st.Failed, t.NodeID)
			}
		case t.Skipped != "":
			st.Totals.Skipped++
		case t.Created:
			st.Totals.Created++
		case t.Changed:
			st.Totals.Changed++
		}
		if t.Withdrawn {
			st.Totals.Archived++
		}
		if t.Restored {
			st.Totals.Restored++
		}
		if t.Restricted && t.PageID != "" {
			st.Totals.Restricted++
		}
		if t.ErrorType == activities.TypeRestrictedSourceUnmapped {
			st.Totals.Refused++
		}
	}
	return nil
}
