package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/templates"
	confluencesim "github.com/xecm-bridge/xecm-bridge/simulators/confluence"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// Flow F4 end to end: approved OTCS templates become read-only copies and
// Confluence page templates; a new approved version reaches both; an edit
// to a copy is undone; a deleted template is withdrawn (copy archived,
// Confluence template removed); a corrupt file and a name clash are
// reported while the others sync.
func TestTemplates(t *testing.T) {
	requirePandoc(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// A page people made with the title a template would take.
	h.confSim.CreatePage("DOCS", "Clash Template", "<p>Our own notes, not a template.</p>", "557058:editor")
	clash, err := h.otSim.CreateDocument(opentextsim.ApprovedTemplatesFolderID, "Clash Template.md", "text/markdown", []byte("# Clash\n"), true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.otSim.AddVersion(clash.ID, clash.Name, "text/markdown", []byte("# Clash\n\nApproved.\n"), true); err != nil {
		t.Fatal(err)
	}

	state := syncTemplatesAs(ctx, t, "sync-templates-first", nil)
	recordHistory(t, "sync-templates-first", "sync_templates.json")
	if state.Totals.Created != 4 || state.Totals.Failed != 1 {
		t.Fatalf("first template sync: %+v (want 4 copies, the clash failed)", state.Totals)
	}
	policy := copyOf(t, ctx, opentextsim.PolicyTemplateID)
	for _, want := range []string{"Controlled copy of OTCS <strong>Policy Template.docx</strong> version", "<table>", "<ol>", "<ul>",
		`<ri:attachment ri:filename="image1.png"`, `href="https://example.com/policy"`} {
		if !strings.Contains(policy.page.Body, want) {
			t.Errorf("policy copy lacks %q:\n%s", want, policy.page.Body)
		}
	}
	if policy.rec.VersionLabel != "1.0" || policy.rec.Kind != "docx" || len(policy.rec.SHA256) != 64 || policy.rec.TemplateID == "" {
		t.Errorf("policy record: %+v", policy.rec)
	}
	if atts := h.confSim.Attachments(policy.page.ID); len(atts) != 1 || atts[0].Title != "image1.png" {
		t.Errorf("policy attachments: %+v", atts)
	}
	if r, ok := h.confSim.Restrictions(policy.page.ID); !ok || len(r.UpdateUsers) != 1 || r.UpdateUsers[0] != "557058:bridge" {
		t.Errorf("policy copy restrictions: %+v", r)
	}
	tpl := template(t, "Policy Template")
	if !strings.Contains(tpl.Description, "OTCS version 1.0") || !strings.Contains(tpl.Body, `<ri:page ri:content-title="Policy Template" ri:space-key="DOCS" />`) {
		t.Errorf("policy template: %+v", tpl)
	}
	checklist := copyOf(t, ctx, opentextsim.ChecklistTemplateID)
	if !strings.Contains(checklist.page.Body, `ac:name="view-file"`) || checklist.rec.Kind != "attached" {
		t.Errorf("checklist copy: %s", checklist.page.Body)
	}
	charter := copyOf(t, ctx, opentextsim.CharterTemplateID)
	if charter.rec.VersionLabel != "1.0" {
		t.Errorf("charter copy must stay at the approved 1.0, not the 1.1 draft: %+v", charter.rec)
	}
	if p := pageTitled("DOCS", "Clash Template"); p.AuthorID != "557058:editor" || !strings.Contains(p.Body, "Our own notes") {
		t.Errorf("the human page was taken over: %+v", p)
	}

	// Nothing changed: nothing is downloaded or written; the clash is tried
	// again. (A run that lists the folder two seconds after its last change
	// first counts the newest templates as read.)
	settleOTCS()
	state = syncTemplates(ctx, t, state)
	if state.Totals.Changed != 0 || state.Totals.Created != 0 {
		t.Errorf("the run that settles the cursor wrote: %+v", state.Totals)
	}
	before := h.confSim.Requests()
	state = syncTemplates(ctx, t, state)
	if state.Totals.Documents != 0 || state.Totals.Changed != 0 || state.Totals.Failed != 1 {
		t.Errorf("unchanged template sync: %+v", state.Totals)
	}
	if n := h.confSim.Requests() - before; n > 4 {
		t.Errorf("an unchanged template folder cost %d Confluence requests", n)
	}

	// A new approved version of the SOP reaches the copy and the template.
	sop := copyOf(t, ctx, opentextsim.SOPTemplateID)
	if _, err := h.otSim.AddVersion(opentextsim.SOPTemplateID, "SOP Template.md", "text/markdown", []byte("# SOP\n\n1. Prepare\n2. Execute the new step\n"), true); err != nil {
		t.Fatal(err)
	}
	updates := template(t, "SOP Template").Updates
	state = syncTemplates(ctx, t, state)
	after := copyOf(t, ctx, opentextsim.SOPTemplateID)
	if after.rec.VersionLabel != "2.0" || after.page.Version != sop.page.Version+1 || !strings.Contains(after.page.Body, "Execute the new step") {
		t.Errorf("SOP after a new version: v%d %+v", after.page.Version, after.rec)
	}
	if got := template(t, "SOP Template"); got.Updates != updates+1 || !strings.Contains(got.Body, "Execute the new step") {
		t.Errorf("SOP template not updated: %+v", got)
	}

	// An edit to a copy, announced by its webhook event, is undone at once.
	edited, _ := h.confSim.Page(after.page.ID)
	if _, err := h.confSim.UpdatePage(edited.ID, edited.Title, edited.Body+"<p>My own step.</p>", "557058:editor"); err != nil {
		t.Fatal(err)
	}
	refresh(ctx, t, edited.ID)
	recordHistory(t, workflows.RefreshDocumentPageWorkflowID(edited.ID), "refresh_document_page_template_copy.json")
	if p, _ := h.confSim.Page(edited.ID); strings.Contains(p.Body, "My own step.") || p.Version != edited.Version+2 {
		t.Errorf("the edited copy was not restored by the refresh (v%d):\n%s", p.Version, p.Body)
	}

	// A corrupt DOCX is reported and writes nothing; the others still sync.
	broken, err := h.otSim.CreateDocument(opentextsim.ApprovedTemplatesFolderID, "Broken.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", []byte("PK\x03\x04 not really a docx"), true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.otSim.AddVersion(broken.ID, broken.Name, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", []byte("PK\x03\x04 still not a docx"), true); err != nil {
		t.Fatal(err)
	}
	state = syncTemplates(ctx, t, state)
	if state.Totals.Failed != 2 {
		t.Errorf("corrupt DOCX: %+v", state.Totals)
	}
	if refs := templatePages(t, ctx, broken.ID); len(refs) != 0 {
		t.Errorf("a template that did not convert got a page: %+v", refs)
	}

	// Someone with admin rights edits a copy; then the template is deleted in OTCS.
	p, _ := h.confSim.Page(policy.page.ID)
	if _, err := h.confSim.UpdatePage(p.ID, p.Title, strings.Replace(p.Body, "Policy template", "Our policy template", 1), "557058:editor"); err != nil {
		t.Fatal(err)
	}
	if err := h.otSim.DeleteNode(opentextsim.ChecklistTemplateID); err != nil {
		t.Fatal(err)
	}
	comments := len(h.confSim.Comments(policy.page.ID))
	state = syncTemplatesFull(ctx, t, state)
	if p, _ := h.confSim.Page(policy.page.ID); strings.Contains(p.Body, "Our policy template") || len(h.confSim.Comments(policy.page.ID)) != comments+1 {
		t.Errorf("the edited copy was not restored with a comment")
	}
	gone := copyOf(t, ctx, opentextsim.ChecklistTemplateID)
	if gone.rec.Status != activities.TemplateWithdrawn || !gone.rec.Archived || !strings.Contains(gone.page.Body, "Withdrawn in OpenText") {
		t.Errorf("deleted template: %+v", gone.rec)
	}
	if _, ok := h.confSim.TemplateByName("POL", "Compliance Checklist"); ok {
		t.Error("the Confluence template of a deleted OTCS template was not removed")
	}
}

// copyRead is a controlled copy as the simulator holds it, with its record.
type copyRead struct {
	page confluencesim.Page
	rec  activities.TemplateRecord
}

// requirePandoc skips a test that converts DOCX when pandoc is missing,
// unless XECM_REQUIRE_PANDOC=1 (make test sets it) makes that a failure.
func requirePandoc(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("pandoc"); err != nil {
		if os.Getenv("XECM_REQUIRE_PANDOC") == "1" {
			t.Fatal("pandoc is not installed (make test installs Debian's pandoc package)")
		}
		t.Skip("pandoc is not installed; `make test` installs it")
	}
}

func copyOf(t *testing.T, ctx context.Context, nodeID int64) copyRead {
	t.Helper()
	refs := templatePages(t, ctx, nodeID)
	if len(refs) != 1 {
		t.Fatalf("template %d has %d controlled copies, want 1", nodeID, len(refs))
	}
	sp, _ := h.confSim.Page(refs[0].ID)
	raw, _, ok := h.confSim.Property(sp.ID, activities.TemplatePropertyKey)
	if !ok {
		t.Fatalf("copy %s has no record", sp.ID)
	}
	var rec activities.TemplateRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	return copyRead{page: sp, rec: rec}
}

func templatePages(t *testing.T, ctx context.Context, nodeID int64) []struct{ ID string } {
	t.Helper()
	refs, err := h.conf.PagesWithLabel(ctx, "DOCS", templates.TemplateNodeLabel(nodeID))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]struct{ ID string }, len(refs))
	for i, r := range refs {
		out[i].ID = r.ID
	}
	return out
}

func template(t *testing.T, name string) confluencesim.Template {
	t.Helper()
	tpl, ok := h.confSim.TemplateByName("POL", name)
	if !ok {
		t.Fatalf("no Confluence template %q in POL", name)
	}
	return tpl
}

func pageTitled(space, title string) confluencesim.Page {
	for _, p := range h.confSim.Pages() {
		if p.SpaceKey == space && p.Title == title && p.Status == "current" {
			return p
		}
	}
	return confluencesim.Page{}
}

func syncTemplates(ctx context.Context, t *testing.T, from *workflows.SyncState) *workflows.SyncState {
	t.Helper()
	return runSync(ctx, t, "", workflows.SyncTemplates, workflows.SyncDocumentsInput{From: from})
}

func syncTemplatesFull(ctx context.Context, t *testing.T, from *workflows.SyncState) *workflows.SyncState {
	t.Helper()
	return runSync(ctx, t, "", workflows.SyncTemplates, workflows.SyncDocumentsInput{From: from, Full: true})
}

func syncTemplatesAs(ctx context.Context, t *testing.T, id string, from *workflows.SyncState) *workflows.SyncState {
	t.Helper()
	return runSync(ctx, t, id, workflows.SyncTemplates, workflows.SyncDocumentsInput{From: from})
}

func runSync(ctx context.Context, t *testing.T, id string, wf any, in workflows.SyncDocumentsInput) *workflows.SyncState {
	t.Helper()
	run, err := h.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueue}, wf, in)
	if err != nil {
		t.Fatal(err)
	}
	var st workflows.SyncState
	if err := run.Get(ctx, &st); err != nil {
		t.Fatal(err)
	}
	return &st
}
