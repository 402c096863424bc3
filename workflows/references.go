package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/documentpages"
	"github.com/xecm-bridge/xecm-bridge/activities/documentsources"
	"github.com/xecm-bridge/xecm-bridge/activities/templates"
)

// SyncReferencesInput names a page whose references to OTCS documents are
// brought up to date.
type SyncReferencesInput struct {
	PageID  string
	Version int     // the page version that caused the run (for the id)
	Add     []int64 // documents an operator references from the page
}

// SyncReferencesWorkflowID is one run per page version (or per operator
// request): an event delivered twice finds the first run.
func SyncReferencesWorkflowID(pageID string, version int) string {
	return fmt.Sprintf("references:%s:v%d", pageID, version)
}

// SyncReferencesResult is what the run found and recorded.
type SyncReferencesResult struct {
	Skip string // why the page was not scanned
	activities.RecordReferencesResult
}

// SyncReferences is flow F6: a page's links to OTCS documents become
// references, recorded on both sides. Each referenced document gets its
// document page (created when missing), the page lists its references in a
// content property, and each document page lists the pages that reference
// it. A link that leads nowhere is recorded as unavailable and the page
// gets one comment; nothing else fails.
func SyncReferences(ctx workflow.Context, in SyncReferencesInput) (*SyncReferencesResult, error) {
	if !ValidPageID(in.PageID) {
		return nil, activities.NonRetryable(activities.TypeInvalidInput, "page id %q is not a Confluence content id", in.PageID)
	}
	var pages *documentpages.DocumentPageActivities
	var scan activities.ReferenceScan
	err := workflow.ExecuteActivity(documentsCtx(ctx, activities.ConfluenceTaskQueue, "Find links to OTCS documents"), pages.ReadReferences,
		activities.ReadReferencesInput{PageID: in.PageID}).Get(ctx, &scan)
	if err != nil {
		return nil, err
	}
	if scan.Skip != "" {
		return &SyncReferencesResult{Skip: scan.Skip}, nil
	}
	wanted := scan.Wanted(in.Add)
	if len(wanted) == 0 && len(scan.Previous.Refs) == 0 {
		return &SyncReferencesResult{Skip: "no links to OTCS documents"}, nil
	}
	// Only nodes the page's author may see in OTCS become references.
	states, up, err := refreshDocuments(ctx, wanted, scan.Author)
	if err != nil {
		return nil, err
	}
	var rec activities.RecordReferencesResult
	err = workflow.ExecuteActivity(documentsCtx(ctx, activities.ConfluenceTaskQueue, "Record references on both sides"), pages.RecordReferences,
		activities.RecordReferencesInput{Scan: scan, Manual: in.Add, States: states, Pages: up.Pages}).Get(ctx, &rec)
	if err != nil {
		return nil, err
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**References:** %d  \n**Added / removed:** %d / %d", len(rec.Refs), len(rec.Added), len(rec.Removed)))
	return &SyncReferencesResult{RecordReferencesResult: rec}, nil
}

// refreshDocuments describes documents in OTCS (as author may see them,
// when not nil), brings their document pages up to date and writes their
// back links.
func refreshDocuments(ctx workflow.Context, nodeIDs []int64, author *activities.ReferenceAuthor) ([]activities.DocumentState, *activities.UpsertResult, error) {
	up := &activities.UpsertResult{}
	if len(nodeIDs) == 0 {
		return nil, up, nil
	}
	var src *documentsources.DocumentSourceActivities
	var states []activities.DocumentState
	err := workflow.ExecuteActivity(documentsCtx(ctx, activities.OpenTextTaskQueue, "Describe the documents in OTCS"), src.DescribeDocuments,
		activities.DescribeInput{NodeIDs: nodeIDs, Author: author}).Get(ctx, &states)
	if err != nil {
		return nil, nil, err
	}
	if up, err = upsertDocuments(ctx, states); err != nil {
		return nil, nil, err
	}
	if _, err := writeBackLinks(ctx, up); err != nil {
		return nil, nil, err
	}
	return states, up, nil
}

// RefreshDocumentPageInput names a document page that changed in
// Confluence (an edit, a removed label).
type RefreshDocumentPageInput struct {
	PageID string
}

// RefreshDocumentPageWorkflowID is one run per page at a time; a change
// during a run is covered by the run's own read.
func RefreshDocumentPageWorkflowID(pageID string) string {
	return "document-page:" + pageID
}

// RefreshDocumentPage re-renders a bridge-owned page from OTCS after
// someone changed it in Confluence: on a document page an edit inside the
// panel is put back and a removed source-changed label clears the flag; a
// template's controlled copy is restored. The bridge's own update also
// arrives here and finds nothing to change, so there is no loop.
func RefreshDocumentPage(ctx workflow.Context, in RefreshDocumentPageInput) (*activities.UpsertResult, error) {
	if !ValidPageID(in.PageID) {
		return nil, activities.NonRetryable(activities.TypeInvalidInput, "page id %q is not a Confluence content id", in.PageID)
	}
	var pages *documentpages.DocumentPageActivities
	var node int64
	err := workflow.ExecuteActivity(documentsCtx(ctx, activities.ConfluenceTaskQueue, "Read the document page's node"), pages.DocumentPageNode, in.PageID).Get(ctx, &node)
	if err != nil {
		return nil, err
	}
	if node == 0 {
		// Not a document page: perhaps a template's controlled copy.
		return &activities.UpsertResult{}, refreshTemplateCopy(ctx, in.PageID)
	}
	_, up, err := refreshDocuments(ctx, []int64{node}, nil)
	return up, err
}

// refreshTemplateCopy restores a template's controlled copy from OTCS.
func refreshTemplateCopy(ctx workflow.Context, pageID string) error {
	var pages *documentpages.DocumentPageActivities
	var node int64
	err := workflow.ExecuteActivity(documentsCtx(ctx, activities.ConfluenceTaskQueue, "Read the controlled copy's template"), pages.TemplateCopyNode, pageID).Get(ctx, &node)
	if err != nil || node == 0 {
		return err
	}
	var src *documentsources.DocumentSourceActivities
	var docs []activities.DocumentState
	err = workflow.ExecuteActivity(documentsCtx(ctx, activities.OpenTextTaskQueue, "Describe the template in OTCS"), src.DescribeDocuments,
		activities.DescribeInput{Feed: activities.FeedTemplates, NodeIDs: []int64{node}}).Get(ctx, &docs)
	if err != nil {
		return err
	}
	var tpl *templates.TemplateActivities
	return workflow.ExecuteActivity(documentsCtx(ctx, activities.ConfluenceTaskQueue, "Restore the controlled copy"), tpl.PublishTemplates,
		activities.PublishTemplatesInput{Docs: docs}).Get(ctx, nil)
}
