package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/documentpages"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/documentpage"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// The OpenText → Confluence direction end to end: hub first sync, a
// reference from a working-notes page, a new approved version reaching the
// page that embeds the document page, a withdrawn source, a hold, an edit
// inside the panel, two syncs at once, and a connected workspace.
func TestDocumentPages(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// Hub first sync: a full sweep of both watches.
	state := syncDocumentsAs(ctx, t, "sync-documents-first", nil)
	recordHistory(t, "sync-documents-first", "sync_documents.json")
	recordHistory(t, workflows.SyncLeaseWorkflowID(""), "sync_lease.json")
	// Five pages: LEG-001 (readable by Legal only) gets a restricted one.
	if state.Totals.Created != 5 || state.Totals.Skipped != 1 {
		t.Fatalf("first sync: %+v (want 5 pages created, SOP-003 skipped: no approved version)", state.Totals)
	}
	for _, id := range []int64{opentextsim.SOPIncidentResponseID, opentextsim.SOPChangeManagementID, opentextsim.LegalHoldProcedureID, opentextsim.ApolloAgreementID, opentextsim.ApolloBudgetApprovalID} {
		docPage(t, ctx, id) // exactly one page each
	}
	if refs := pagesWithLabel(t, ctx, activities.NodeLabel(opentextsim.SOPAccessReviewID)); len(refs) != 0 {
		t.Errorf("SOP-003 has no approved version but got a page: %+v", refs)
	}
	// The back links the first run wrote changed the documents in OTCS:
	// the next run reads them once more and writes nothing.
	state = syncDocuments(ctx, t, state)
	if state.Totals.Created != 0 || state.Totals.Changed != 0 || state.Totals.BackLinks != 0 {
		t.Errorf("the run after the back links wrote something: %+v", state.Totals)
	}
	sop1 := docRecord(t, ctx, opentextsim.SOPIncidentResponseID)
	if sop1.Doc.Approved == nil || sop1.Doc.Approved.Label() != "1.0" || sop1.Doc.Status != documentpage.StatusNewerDraft {
		t.Errorf("SOP-001 (1.0 major, 1.1 draft): %+v", sop1.Doc)
	}
	if !sop1.Restricted {
		t.Error("document page not restricted")
	}
	page1 := docPage(t, ctx, opentextsim.SOPIncidentResponseID)
	if r, ok := h.confSim.Restrictions(page1.ID); !ok || !strings.Contains(fmt.Sprint(r), "557058:bridge") {
		t.Errorf("restrictions of %s: %+v", page1.ID, r)
	}
	// Preview: one controlled copy of the approved version, attached.
	atts := h.confSim.Attachments(page1.ID)
	if len(atts) != 1 || !strings.Contains(atts[0].Comment, "version 1.0") {
		t.Errorf("preview attachments: %+v", atts)
	}
	// Back link in OTCS: the category attribute holds the page URL.
	vals, _ := h.otSim.CategoryValues(opentextsim.SOPIncidentResponseID, opentextsim.DocumentControlCategoryID)
	if got := fmt.Sprint(vals["9002_6"]); got != h.conf.PageURL(page1) {
		t.Errorf("back link = %q, want %q", got, h.conf.PageURL(page1))
	}
	// Connected workspace: the space's page and the URL object back.
	apollo, _ := h.conf.GetSpaceByKey(ctx, "APOLLO")
	wsPage, err := h.conf.FindPageByTitle(ctx, apollo.ID, "APOLLO", documentpages.WorkspacePageTitle)
	if err != nil || wsPage == nil || !strings.Contains(wsPage.Body, documentpages.TypeLabel("contract")) {
		t.Fatalf("workspace page: %+v %v", wsPage, err)
	}
	links := 0
	for _, c := range h.otSim.Children(opentextsim.ProjectApolloWorkspaceID) {
		if c.Type == 140 && c.Name == "Confluence space APOLLO" {
			links++
		}
	}
	if links != 1 {
		t.Errorf("URL objects in the workspace: %d, want 1", links)
	}
	wsView := exportView(t, ctx, wsPage.ID)
	if !strings.Contains(wsView, "Apollo Master Services Agreement") {
		t.Errorf("workspace page does not list the contract:\n%s", wsView)
	}

	// References: a working-notes page links to two documents, a missing
	// node, a folder and another host, and embeds one document page.
	otcsBase := strings.TrimSuffix(h.otcs.NodeURL(1), "/app/nodes/1")
	body := fmt.Sprintf(`<p>Notes. See <a href="%s/app/nodes/%d">the SOP</a>, the <a href="%s?func=ll&amp;objId=%d&amp;objAction=browse">contract</a>,
<a href="%s/app/nodes/999999">a lost one</a>, <a href="%s/app/nodes/%d">a folder</a> and <a href="https://elsewhere.example.com/otcs/cs.exe/app/nodes/5">elsewhere</a>.</p>
<ac:structured-macro ac:name="excerpt-include"><ac:parameter ac:name=""><ac:link><ri:page ri:content-title="%s" ri:space-key="DOCS" /></ac:link></ac:parameter><ac:parameter ac:name="name">%s</ac:parameter></ac:structured-macro>`,
		otcsBase, opentextsim.SOPIncidentResponseID, otcsBase, opentextsim.ApolloAgreementID, otcsBase, otcsBase, opentextsim.ApprovedProceduresFolderID,
		page1.Title, documentpage.PanelName)
	notes := h.confSim.CreatePage("APOLLO", "Apollo working notes", body, "557058:editor")
	refs := references(ctx, t, notes.ID)
	recordHistory(t, workflows.SyncReferencesWorkflowID(notes.ID, 1), "sync_references.json")
	byNode := map[int64]activities.Reference{}
	for _, r := range refs.Refs {
		byNode[r.NodeID] = r
	}
	if len(refs.Refs) != 4 || byNode[opentextsim.SOPIncidentResponseID].Status != activities.RefAvailable ||
		byNode[opentextsim.ApolloAgreementID].Status != activities.RefAvailable || byNode[999999].Status != activities.RefUnavailable ||
		byNode[opentextsim.ApprovedProceduresFolderID].Status != activities.RefRefused {
		t.Fatalf("references: %+v", refs.Refs)
	}
	if n := len(h.confSim.Comments(notes.ID)); n != 1 {
		t.Errorf("comments on the working notes: %d, want one about the broken links", n)
	}
	if got := docRecord(t, ctx, opentextsim.SOPIncidentResponseID).Doc.Referenced; len(got) != 1 || got[0].PageID != notes.ID {
		t.Errorf("Referenced from: %+v", got)
	}
	if v := exportView(t, ctx, notes.ID); !strings.Contains(v, "Version 1.0") {
		t.Fatalf("the embedding page does not show the approved version:\n%s", v)
	}
	// A second scan of the same page (an operator re-adding a document it
	// already links) records the same references and comments no more.
	again, err := h.publisher.References(ctx, notes.ID, 0, []int64{opentextsim.ApolloAgreementID}, "test")
	if err != nil {
		t.Fatal(err)
	}
	var second workflows.SyncReferencesResult
	if err := again.Run.Get(ctx, &second); err != nil {
		t.Fatal(err)
	}
	if len(second.Refs) != 4 || len(second.Added) != 0 || len(second.Removed) != 0 || second.Comment {
		t.Errorf("second scan: %+v", second)
	}
	if n := len(h.confSim.Comments(notes.ID)); n != 1 {
		t.Errorf("comments on the working notes after a second scan: %d, want 1", n)
	}

	// A summary written below the panel, then a new approved version in OTCS.
	page1 = docPage(t, ctx, opentextsim.SOPIncidentResponseID)
	cur, _ := h.confSim.Page(page1.ID)
	if _, err := h.confSim.UpdatePage(page1.ID, cur.Title, cur.Body+"<h2>Summary</h2><p>Call the duty manager first.</p>", "557058:editor"); err != nil {
		t.Fatal(err)
	}
	// Often within the second the last run listed the document in (OTCS
	// dates have whole seconds): the change run must still read it.
	// Uploaded under another file name: the page keeps one controlled copy.
	if _, err := h.otSim.AddVersion(opentextsim.SOPIncidentResponseID, "sop-001-v2.pdf", "application/pdf", []byte("%PDF-1.4 v2.0"), true); err != nil {
		t.Fatal(err)
	}
	state = syncDocuments(ctx, t, state)
	// Documents the last run listed within the second of their change are
	// read again too (unchanged, so nothing is written to them).
	if tot := state.Totals; tot.Documents < 1 || tot.Changed != 1 || tot.Flagged != 1 || tot.Created != 0 || tot.Restored != 0 {
		t.Errorf("incremental sync after one new version: %+v", state.Totals)
	}
	if v := exportView(t, ctx, notes.ID); !strings.Contains(v, "Version 2.0") || strings.Contains(v, "Version 1.0") {
		t.Errorf("the embedding page does not show the new version:\n%s", v)
	}
	after, _ := h.confSim.Page(page1.ID)
	if !strings.Contains(after.Body, "Call the duty manager first.") {
		t.Error("the human-owned summary was lost")
	}
	if !contains(h.confSim.Labels(page1.ID), activities.SourceChangedLabel) {
		t.Error("no source-changed label")
	}
	if atts := h.confSim.Attachments(page1.ID); len(atts) != 1 || atts[0].Version != 2 || !strings.Contains(atts[0].Comment, "version 2.0") {
		t.Errorf("the controlled copy is not replaced in place: %+v", atts)
	}
	if p, _ := h.confSim.Page(page1.ID); strings.Contains(p.Body, "sop-001-v2.pdf") || !strings.Contains(p.Body, "SOP-001 Incident Response.pdf") {
		t.Errorf("the panel does not show the one controlled copy:\n%s", p.Body)
	}
	// An unchanged hub: once a run has listed it two seconds (by OTCS's
	// clock, moved on here instead of waiting) after its last change, the
	// next run reads one browse page per watch.
	settleOTCS()
	state = syncDocuments(ctx, t, state)
	if tot := state.Totals; tot.Changed != 0 || tot.Created != 0 || tot.Flagged != 0 || tot.Restored != 0 {
		t.Errorf("the run that settles the cursor wrote: %+v", state.Totals)
	}
	state = syncDocuments(ctx, t, state)
	if state.Totals.Documents != 0 || state.Totals.OTCSRequests != 2 {
		t.Errorf("unchanged sync: %+v (want no document, 2 OTCS requests)", state.Totals)
	}

	// The editor reviewed the summary and removes the flag: the panel drops it.
	if err := h.confSim.RemoveLabel(page1.ID, activities.SourceChangedLabel); err != nil {
		t.Fatal(err)
	}
	refresh(ctx, t, page1.ID)
	if rec := docRecord(t, ctx, opentextsim.SOPIncidentResponseID); rec.Doc.SourceChanged {
		t.Error("the source-changed flag stayed after the label was removed")
	}
	if p, _ := h.confSim.Page(page1.ID); strings.Contains(p.Body, documentpage.SourceChangedText) || !strings.Contains(p.Body, "Call the duty manager first.") {
		t.Errorf("after clearing the flag:\n%s", p.Body)
	}

	// A withdrawn source is flagged and archived, never deleted.
	if err := h.otSim.SetCategoryValue(opentextsim.ApolloBudgetApprovalID, opentextsim.DocumentControlCategoryID, "Approval Status", "Withdrawn"); err != nil {
		t.Fatal(err)
	}
	state = syncDocuments(ctx, t, state)
	rec := docRecord(t, ctx, opentextsim.ApolloBudgetApprovalID)
	if rec.Doc.Status != documentpage.StatusWithdrawn || !rec.Archived {
		t.Errorf("withdrawn source: %+v archived=%t", rec.Doc.Status, rec.Archived)
	}
	archived := docPage(t, ctx, opentextsim.ApolloBudgetApprovalID)
	inHub, _ := h.confSim.Page(archived.ID)
	if inHub.ParentID == "" || inHub.Status != "current" {
		t.Errorf("archived page: %+v", inHub)
	}
	archiveParent := inHub.ParentID

	// Approved again: the page leaves the archive for its hub, says so
	// once, and a second run leaves it there.
	comments := len(h.confSim.Comments(archived.ID))
	if err := h.otSim.SetCategoryValue(opentextsim.ApolloBudgetApprovalID, opentextsim.DocumentControlCategoryID, "Approval Status", "Approved"); err != nil {
		t.Fatal(err)
	}
	state = syncDocuments(ctx, t, state)
	rec = docRecord(t, ctx, opentextsim.ApolloBudgetApprovalID)
	back, _ := h.confSim.Page(archived.ID)
	if rec.Archived || rec.Doc.Status == documentpage.StatusWithdrawn || back.ParentID == archiveParent || state.Totals.Unarchived != 1 {
		t.Errorf("restored source: %s archived=%t parent %s (archive %s) totals %+v", rec.Doc.Status, rec.Archived, back.ParentID, archiveParent, state.Totals)
	}
	if hub, _ := h.confSim.Page(back.ParentID); hub.Title != "Project Apollo" {
		t.Errorf("restored page is under %q, want its hub", hub.Title)
	}
	if n := len(h.confSim.Comments(archived.ID)); n != comments+1 {
		t.Errorf("comments on the restored page: %d, want %d", n, comments+1)
	}

	// A hold (which leaves no modify date behind) and a deleted source,
	// both seen by the full sweep: the held page keeps its approved
	// version; the deleted one is flagged and archived.
	if err := h.otSim.ApplyHold(opentextsim.SOPChangeManagementID, opentextsim.LitigationHoldID); err != nil {
		t.Fatal(err)
	}
	if err := h.otSim.DeleteNode(opentextsim.ApolloAgreementID); err != nil {
		t.Fatal(err)
	}
	state = syncDocumentsFull(ctx, t, state)
	rec = docRecord(t, ctx, opentextsim.SOPChangeManagementID)
	if rec.Doc.Status != documentpage.StatusOnHold || rec.Doc.Approved == nil || rec.Doc.Approved.Label() != "2.0" {
		t.Errorf("on hold: %+v", rec.Doc)
	}
	rec = docRecord(t, ctx, opentextsim.ApolloAgreementID)
	if rec.Doc.Status != documentpage.StatusWithdrawn || rec.Doc.Note != "deleted in OpenText" || !rec.Archived {
		t.Errorf("deleted source: %+v archived=%t", rec.Doc, rec.Archived)
	}

	// An edit inside the panel is put back, with a comment.
	page2 := docPage(t, ctx, opentextsim.SOPChangeManagementID)
	p2, _ := h.confSim.Page(page2.ID)
	if _, err := h.confSim.UpdatePage(page2.ID, p2.Title, strings.Replace(p2.Body, "Version 2.0", "Version 9.9", 1), "557058:editor"); err != nil {
		t.Fatal(err)
	}
	comments = len(h.confSim.Comments(page2.ID))
	up := refresh(ctx, t, page2.ID)
	recordHistory(t, workflows.RefreshDocumentPageWorkflowID(page2.ID), "refresh_document_page.json")
	p2, _ = h.confSim.Page(page2.ID)
	if len(up.Pages) != 1 || !up.Pages[0].Restored || strings.Contains(p2.Body, "Version 9.9") || len(h.confSim.Comments(page2.ID)) != comments+1 {
		t.Errorf("panel edit: %+v", up.Pages)
	}

	// Two syncs at once over a new document: exactly one page.
	doc, err := h.otSim.CreateDocument(opentextsim.ApprovedProceduresFolderID, "SOP-004 Backup.pdf", "application/pdf", []byte("%PDF-1.4 backup"), true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.otSim.AddVersion(doc.ID, "SOP-004 Backup.pdf", "application/pdf", []byte("%PDF-1.4 backup 1.0"), true); err != nil {
		t.Fatal(err)
	}
	var runs []client.WorkflowRun
	for i := 0; i < 2; i++ {
		run, err := h.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("sync-twice-%d", i), TaskQueue: workflows.TaskQueue},
			workflows.SyncDocuments, workflows.SyncDocumentsInput{From: state})
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, run)
	}
	for _, r := range runs {
		if err := r.Get(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	if refs := pagesWithLabel(t, ctx, activities.NodeLabel(doc.ID)); len(refs) != 1 {
		t.Errorf("two syncs at once made %d pages for one document", len(refs))
	}
	// They took turns: the second read nothing before the first closed.
	spanA, spanB := activitySpan(t, ctx, runs[0]), activitySpan(t, ctx, runs[1])
	if spanA[0].Before(spanB[0]) && spanB[0].Before(spanA[1]) || spanB[0].Before(spanA[0]) && spanA[0].Before(spanB[1]) {
		t.Errorf("two syncs wrote at once: %v and %v", spanA, spanB)
	}
}

// activitySpan is when a run scheduled its first activity and when it
// closed.
func activitySpan(t *testing.T, ctx context.Context, run client.WorkflowRun) [2]time.Time {
	t.Helper()
	var span [2]time.Time
	it := h.temporal.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if ev.GetActivityTaskScheduledEventAttributes() != nil && span[0].IsZero() {
			span[0] = ev.GetEventTime().AsTime()
		}
		span[1] = ev.GetEventTime().AsTime()
	}
	return span
}

func syncDocuments(ctx context.Context, t *testing.T, from *workflows.SyncState) *workflows.SyncState {
	t.Helper()
	return runSync(ctx, t, "", workflows.SyncDocuments, workflows.SyncDocumentsInput{From: from})
}

// syncDocumentsAs runs SyncDocuments with a workflow id ("" = generated).
func syncDocumentsAs(ctx context.Context, t *testing.T, id string, from *workflows.SyncState) *workflows.SyncState {
	t.Helper()
	return runSync(ctx, t, id, workflows.SyncDocuments, workflows.SyncDocumentsInput{From: from})
}

func syncDocumentsFull(ctx context.Context, t *testing.T, from *workflows.SyncState) *workflows.SyncState {
	t.Helper()
	return runSync(ctx, t, "", workflows.SyncDocuments, workflows.SyncDocumentsInput{From: from, Full: true})
}

func refresh(ctx context.Context, t *testing.T, pageID string) *activities.UpsertResult {
	t.Helper()
	st, err := h.publisher.RefreshDocumentPage(ctx, pageID, "test")
	if err != nil {
		t.Fatal(err)
	}
	var up activities.UpsertResult
	if err := st.Run.Get(ctx, &up); err != nil {
		t.Fatal(err)
	}
	return &up
}

func references(ctx context.Context, t *testing.T, pageID string) *workflows.SyncReferencesResult {
	t.Helper()
	st, err := h.publisher.References(ctx, pageID, 0, nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	var res workflows.SyncReferencesResult
	if err := st.Run.Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	return &res
}

func pagesWithLabel(t *testing.T, ctx context.Context, label string) []confluence.PageRef {
	t.Helper()
	refs, err := h.conf.PagesWithLabel(ctx, "DOCS", label)
	if err != nil {
		t.Fatal(err)
	}
	return refs
}

// docPage returns the one document page of a node.
func docPage(t *testing.T, ctx context.Context, nodeID int64) *confluence.Page {
	t.Helper()
	refs := pagesWithLabel(t, ctx, activities.NodeLabel(nodeID))
	if len(refs) != 1 {
		t.Fatalf("node %d has %d document pages, want 1", nodeID, len(refs))
	}
	p, err := h.conf.GetPage(ctx, refs[0].ID, confluence.GetPageOptions{BodyFormat: "storage"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func docRecord(t *testing.T, ctx context.Context, nodeID int64) activities.DocumentRecord {
	t.Helper()
	p := docPage(t, ctx, nodeID)
	raw, _, ok := h.confSim.Property(p.ID, activities.DocumentPropertyKey)
	if !ok {
		t.Fatalf("document page %s has no record", p.ID)
	}
	var rec activities.DocumentRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

func exportView(t *testing.T, ctx context.Context, pageID string) string {
	t.Helper()
	p, err := h.conf.GetPage(ctx, pageID, confluence.GetPageOptions{BodyFormat: "export_view"})
	if err != nil {
		t.Fatal(err)
	}
	return p.Body
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
