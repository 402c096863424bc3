package documentsources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
	"github.com/xecm-bridge/xecm-bridge/activities/documentpages"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

func describe(t *testing.T, src *DocumentSourceActivities, ids ...int64) []activities.DocumentState {
	t.Helper()
	states, err := src.DescribeDocuments(context.Background(), activities.DescribeInput{NodeIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	return states
}

// A worker that dies after creating a document page (before its labels,
// restriction and record) leaves a bare page; the retry finds it by its
// title and finishes it: one page, labelled, restricted, recorded.
func TestDocumentPageRetryAfterCrashFinishesThePage(t *testing.T) {
	w, src, pages := docWorld(t)
	ctx := context.Background()
	states := describe(t, src, opentextsim.SOPChangeManagementID)
	crashed := w.crashingPages(t, pages, func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/label")
	})
	if _, err := crashed.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: states}); err == nil {
		t.Fatal("the crashed attempt must fail")
	}
	title := documentpages.DocumentPageTitle("SOP-002 Change Management.pdf", opentextsim.SOPChangeManagementID)
	if n := w.PagesTitled(title); n != 1 {
		t.Fatalf("precondition: the crashed attempt left %d pages", n)
	}
	res, err := pages.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: states})
	if err != nil {
		t.Fatal(err)
	}
	if n := w.PagesTitled(title); n != 1 {
		t.Fatalf("after the retry: %d pages titled %q, want 1", n, title)
	}
	p := res.Pages[0]
	labels := strings.Join(w.ConfSim.Labels(p.PageID), ",")
	for _, want := range []string{activities.DocumentLabel, activities.NodeLabel(opentextsim.SOPChangeManagementID), activities.HubLabel("Approved Procedures")} {
		if !strings.Contains(labels, want) {
			t.Errorf("label %s missing: %s", want, labels)
		}
	}
	if r, ok := w.ConfSim.Restrictions(p.PageID); !ok || len(r.UpdateUsers) == 0 {
		t.Errorf("not restricted: %+v", r)
	}
	raw, _, ok := w.ConfSim.Property(p.PageID, activities.DocumentPropertyKey)
	var rec activities.DocumentRecord
	if !ok || json.Unmarshal(raw, &rec) != nil || rec.Doc.NodeID != opentextsim.SOPChangeManagementID || !rec.Restricted {
		t.Errorf("record: %s", raw)
	}
	// A third run finds everything in place and writes nothing.
	before := w.ConfSim.Requests()
	again, err := pages.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: states})
	if err != nil || again.Pages[0].Changed || again.Pages[0].Created {
		t.Fatalf("an unchanged document rewrote its page: %+v %v", again, err)
	}
	if n := w.ConfSim.Requests() - before; n > 6 {
		t.Errorf("an unchanged document page cost %d Confluence requests", n)
	}
}

// A worker that dies after recording a page's references but before the
// document page lists the page: the retry lists it.
func TestReferencesRetryAfterCrashFinishesBothSides(t *testing.T) {
	w, src, pages := docWorld(t)
	ctx := context.Background()
	states := describe(t, src, opentextsim.ApolloAgreementID)
	up, err := pages.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: states})
	if err != nil {
		t.Fatal(err)
	}
	docPage := up.Pages[0].PageID
	link := w.Records.OTCS.NodeURL(opentextsim.ApolloAgreementID) // Smart View URL
	notes := w.ConfSim.CreatePage("APOLLO", "Kick-off notes", `<p><a href="`+link+`">MSA</a></p>`, "557058:editor")
	scan, err := pages.ReadReferences(ctx, activities.ReadReferencesInput{PageID: notes.ID})
	if err != nil || len(scan.Linked) != 1 {
		t.Fatalf("scan: %+v %v", scan, err)
	}
	in := activities.RecordReferencesInput{Scan: *scan, States: states, Pages: up.Pages}
	crashed := w.crashingPages(t, pages, func(r *http.Request) bool {
		return r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/pages/"+docPage)
	})
	if _, err := crashed.RecordReferences(ctx, in); err == nil {
		t.Fatal("the crashed attempt must fail")
	}
	if _, err := pages.RecordReferences(ctx, in); err != nil {
		t.Fatal(err)
	}
	raw, _, _ := w.ConfSim.Property(docPage, activities.DocumentPropertyKey)
	var rec activities.DocumentRecord
	_ = json.Unmarshal(raw, &rec)
	if len(rec.Doc.Referenced) != 1 || rec.Doc.Referenced[0].PageID != notes.ID {
		t.Fatalf("Referenced from after the retry: %+v", rec.Doc.Referenced)
	}
	if p, _ := w.ConfSim.Page(docPage); !strings.Contains(p.Body, `ri:content-title="Kick-off notes"`) {
		t.Errorf("the panel does not list the referencing page:\n%s", p.Body)
	}
	// The link removed: the reference goes on both sides.
	w.ConfSim.UpdatePage(notes.ID, notes.Title, "<p>No links any more.</p>", "557058:editor")
	scan, _ = pages.ReadReferences(ctx, activities.ReadReferencesInput{PageID: notes.ID})
	res, err := pages.RecordReferences(ctx, activities.RecordReferencesInput{Scan: *scan})
	if err != nil || len(res.Removed) != 1 {
		t.Fatalf("removal: %+v %v", res, err)
	}
	raw, _, _ = w.ConfSim.Property(docPage, activities.DocumentPropertyKey)
	_ = json.Unmarshal(raw, &rec)
	if len(rec.Doc.Referenced) != 0 {
		t.Errorf("still referenced after the link was removed: %+v", rec.Doc.Referenced)
	}
}

// Documents on hold are never modified in OTCS: the back link stays on the
// Confluence side, and the result says so.
func TestBackLinkNeverWrittenToAHeldDocument(t *testing.T) {
	w, src, pages := docWorld(t)
	ctx := context.Background()
	if err := w.OTSim.ApplyHold(opentextsim.SOPChangeManagementID, opentextsim.LitigationHoldID); err != nil {
		t.Fatal(err)
	}
	states := describe(t, src, opentextsim.SOPChangeManagementID, opentextsim.ApolloAgreementID)
	up, err := pages.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: states})
	if err != nil {
		t.Fatal(err)
	}
	bl, err := src.WriteBackLinks(ctx, activities.BackLinkInput{Links: up.Pages})
	if err != nil {
		t.Fatal(err)
	}
	if bl.Written != 1 || len(bl.KeptInConfluence) != 1 || bl.KeptInConfluence[0] != opentextsim.SOPChangeManagementID {
		t.Fatalf("back links: %+v", bl)
	}
	if vals, _ := w.OTSim.CategoryValues(opentextsim.SOPChangeManagementID, opentextsim.DocumentControlCategoryID); vals["9002_6"] != nil && vals["9002_6"] != "" {
		t.Errorf("a held document was modified: %v", vals["9002_6"])
	}
}

// A watched folder that does not exist stops the worker at start-up,
// naming the rule.
func TestMissingWatchedFolderIsAStartupError(t *testing.T) {
	w, _, _ := docWorld(t)
	rules, err := mapping.Parse("mapping.yaml", []byte(strings.Replace(activitytest.RepoMapping(t), "folder: 2100", "folder: 2999", 1)))
	if err != nil {
		t.Fatal(err)
	}
	err = rules.CheckDocuments(context.Background(), activities.WatchSource{OTCS: w.Records.OTCS}, activities.CategorySource{OTCS: w.Records.OTCS, NodeID: rules.Root})
	var errs mapping.Errors
	if !errors.As(err, &errs) || !strings.Contains(err.Error(), `documents.watch[0].folder: watch "Approved Procedures": node 2999 does not exist`) {
		t.Fatalf("err = %v", err)
	}
}

// A new approved version reaches a page with a human summary; the worker
// dies after the page, the controlled copy and the comment were written
// but before the record was: the retry finishes with one copy per version
// and one comment, not two.
func TestSourceChangedRetryAfterCrashDoesNotRepeat(t *testing.T) {
	w, src, pages := docWorld(t)
	ctx := context.Background()
	first, err := pages.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: describe(t, src, opentextsim.SOPChangeManagementID)})
	if err != nil {
		t.Fatal(err)
	}
	pageID := first.Pages[0].PageID
	p, _ := w.ConfSim.Page(pageID)
	w.ConfSim.UpdatePage(pageID, p.Title, p.Body+"<h2>Summary</h2><p>Ask the change board.</p>", "557058:editor")
	if _, err := w.OTSim.AddVersion(opentextsim.SOPChangeManagementID, "SOP-002 Change Management.pdf", "application/pdf", []byte("%PDF-1.4 3.0"), true); err != nil {
		t.Fatal(err)
	}
	states := describe(t, src, opentextsim.SOPChangeManagementID)
	crashed := w.crashingPages(t, pages, func(r *http.Request) bool {
		return r.Method != http.MethodGet && strings.Contains(r.URL.Path, "/properties")
	})
	if _, err := crashed.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: states}); err == nil {
		t.Fatal("the crashed attempt must fail")
	}
	res, err := pages.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: states})
	if err != nil || !res.Pages[0].Flagged {
		t.Fatalf("retry: %+v %v", res, err)
	}
	flagged := 0
	for _, c := range w.ConfSim.Comments(pageID) {
		if strings.Contains(c.Body, "new approved version") {
			flagged++
		}
	}
	if flagged != 1 {
		t.Errorf("%d source-changed comments, want 1", flagged)
	}
	atts := w.ConfSim.Attachments(pageID)
	if len(atts) != 1 || atts[0].Version != 2 {
		t.Errorf("controlled copy after the retry: %+v (want one file at attachment version 2)", atts)
	}
	raw, _, _ := w.ConfSim.Property(pageID, activities.DocumentPropertyKey)
	var rec activities.DocumentRecord
	if json.Unmarshal(raw, &rec) != nil || rec.Doc.Approved == nil || rec.Doc.Approved.Label() != "3.0" || !rec.Doc.SourceChanged {
		t.Errorf("record after the retry: %s", raw)
	}
}

// countWrites counts the category writes (apply or update) it passes on.
type countWrites struct {
	n    *int
	next http.RoundTripper
}

func (c countWrites) RoundTrip(r *http.Request) (*http.Response, error) {
	if (r.Method == http.MethodPut || r.Method == http.MethodPost) && strings.Contains(r.URL.Path, "/categories") {
		*c.n++
	}
	return c.next.RoundTrip(r)
}

// sourceWith is the document source activities of a worker whose OTCS
// requests go through rt.
func (w *world) sourceWith(t *testing.T, src *DocumentSourceActivities, rt http.RoundTripper) *DocumentSourceActivities {
	t.Helper()
	return &DocumentSourceActivities{OTCS: w.OTCSVia(t, rt), Rules: src.Rules}
}

// A worker that dies while writing back links, having written two but
// reported only one in its last heartbeat: the retry skips the reported
// one, reads the other before writing and finds it written, and writes
// only the third. Every link is in place, each written once.
func TestWriteBackLinksRetryWritesOnlyWhatIsMissing(t *testing.T) {
	w, src, _ := docWorld(t)
	nodes := []int64{opentextsim.SOPIncidentResponseID, opentextsim.SOPChangeManagementID, opentextsim.SOPAccessReviewID}
	var links []activities.UpsertedPage
	for _, id := range nodes {
		links = append(links, activities.UpsertedPage{NodeID: id, PageID: fmt.Sprint(id), URL: fmt.Sprintf("https://conf.example/wiki/pages/%d", id), Watch: "Approved Procedures"})
	}
	crashed := w.sourceWith(t, src, activitytest.KillOn{Next: http.DefaultTransport, Match: func(r *http.Request) bool {
		return r.Method != http.MethodGet && strings.Contains(r.URL.Path, fmt.Sprintf("/nodes/%d/categories", nodes[2]))
	}})
	if _, err := crashed.WriteBackLinks(context.Background(), activities.BackLinkInput{Links: links}); err == nil {
		t.Fatal("the crashed attempt must fail")
	}

	writes := 0
	retry := w.sourceWith(t, src, countWrites{n: &writes, next: http.DefaultTransport})
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(retry)
	env.SetHeartbeatDetails(backLinksDone{Done: 1})
	val, err := env.ExecuteActivity(retry.WriteBackLinks, activities.BackLinkInput{Links: links})
	if err != nil {
		t.Fatal(err)
	}
	var res activities.BackLinkResult
	if err := val.Get(&res); err != nil {
		t.Fatal(err)
	}
	if writes != 1 || res.Written != 1 {
		t.Errorf("the retry made %d category writes (result %+v), want 1: only the link the killed attempt did not write", writes, res)
	}
	for _, l := range links {
		vals, _ := w.OTSim.CategoryValues(l.NodeID, opentextsim.DocumentControlCategoryID)
		if got := fmt.Sprint(vals["9002_6"]); got != l.URL {
			t.Errorf("back link of %d = %q, want %q", l.NodeID, got, l.URL)
		}
	}
}

// ConfirmAbsence tells a document that is still in its watch (described
// for its page) from one deleted, one moved out and one that is no
// document: only those are gone.
func TestConfirmAbsenceSortsPresentFromGone(t *testing.T) {
	w, src, _ := docWorld(t)
	ctx := context.Background()
	if err := w.OTSim.DeleteNode(opentextsim.ApolloAgreementID); err != nil {
		t.Fatal(err)
	}
	res, err := src.ConfirmAbsence(ctx, activities.AbsenceInput{Watch: "Approved Procedures",
		NodeIDs: []int64{opentextsim.SOPIncidentResponseID, opentextsim.ApolloAgreementID, opentextsim.ApolloBudgetApprovalID, opentextsim.ApprovedProceduresFolderID}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Present) != 1 || res.Present[0].Doc.NodeID != opentextsim.SOPIncidentResponseID || res.Present[0].Doc.Approved == nil || res.Present[0].Watch != "Approved Procedures" {
		t.Errorf("present: %+v", res.Present)
	}
	want := []activities.GoneDocument{
		{NodeID: opentextsim.ApolloAgreementID, Note: activities.GoneDeleted},
		{NodeID: opentextsim.ApolloBudgetApprovalID, Note: activities.GoneMoved}, // it lives in the Apollo workspace
		{NodeID: opentextsim.ApprovedProceduresFolderID, Note: activities.GoneMoved},
	}
	if fmt.Sprint(res.Gone) != fmt.Sprint(want) {
		t.Errorf("gone: %+v, want %+v", res.Gone, want)
	}
	if _, err := src.ConfirmAbsence(ctx, activities.AbsenceInput{Watch: "No such watch", NodeIDs: []int64{1}}); !activities.IsType(err, activities.TypeNoMapping) {
		t.Errorf("unknown watch: %v, want %s", err, activities.TypeNoMapping)
	}
}

// A new major version followed by a draft before the sync sees either:
// the page shows the new major version (the rule's approved one) with
// "Newer draft pending", not the version it showed before.
func TestNewMajorVersionWithDraftAfterItReachesThePage(t *testing.T) {
	w, src, pages := docWorld(t)
	ctx := context.Background()
	id := opentextsim.SOPChangeManagementID
	if _, err := pages.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: describe(t, src, id)}); err != nil {
		t.Fatal(err)
	}
	before := describe(t, src, id)[0].Doc.Approved.Label()
	if _, err := w.OTSim.AddVersion(id, "SOP-002 Change Management.pdf", "application/pdf", []byte("%PDF-1.4 next major"), true); err != nil {
		t.Fatal(err)
	}
	if _, err := w.OTSim.AddVersion(id, "SOP-002 Change Management.pdf", "application/pdf", []byte("%PDF-1.4 draft"), false); err != nil {
		t.Fatal(err)
	}
	states := describe(t, src, id)
	up, err := pages.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: states})
	if err != nil {
		t.Fatal(err)
	}
	raw, _, _ := w.ConfSim.Property(up.Pages[0].PageID, activities.DocumentPropertyKey)
	var rec activities.DocumentRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Doc.Approved == nil || rec.Doc.Approved.Label() == before || rec.Doc.Approved.Label() != states[0].Doc.Approved.Label() || rec.Doc.Status != "Newer draft pending" {
		t.Errorf("page shows %+v (%s); was %s, OTCS approves %s", rec.Doc.Approved, rec.Doc.Status, before, states[0].Doc.Approved.Label())
	}
}

// A worker that dies while moving a page back from the archive (before
// the move, or after it but before the record says so) leaves a retry
// that finishes: the page under its hub, not archived, one comment.
func TestUnarchiveRetryAfterCrashFinishesThePage(t *testing.T) {
	for _, crashAt := range []string{"the move", "the record"} {
		t.Run("before "+crashAt, func(t *testing.T) {
			w, src, pages := docWorld(t)
			ctx := context.Background()
			id := opentextsim.ApolloBudgetApprovalID
			if _, err := pages.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: describe(t, src, id)}); err != nil {
				t.Fatal(err)
			}
			if err := w.OTSim.SetCategoryValue(id, opentextsim.DocumentControlCategoryID, "Approval Status", "Withdrawn"); err != nil {
				t.Fatal(err)
			}
			up, err := pages.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: describe(t, src, id)})
			if err != nil || !up.Pages[0].Archived {
				t.Fatalf("withdrawn: %+v %v", up, err)
			}
			pageID := up.Pages[0].PageID
			archive, _ := w.ConfSim.Page(pageID)
			if err := w.OTSim.SetCategoryValue(id, opentextsim.DocumentControlCategoryID, "Approval Status", "Approved"); err != nil {
				t.Fatal(err)
			}
			states := describe(t, src, id)
			crashed := w.crashingPages(t, pages, func(r *http.Request) bool {
				if crashAt == "the move" {
					return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/move/")
				}
				return r.Method != http.MethodGet && strings.Contains(r.URL.Path, "/properties")
			})
			if _, err := crashed.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: states}); err == nil {
				t.Fatal("the crashed attempt must fail")
			}
			if _, err := pages.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: states}); err != nil {
				t.Fatal(err)
			}
			p, _ := w.ConfSim.Page(pageID)
			hub, _ := w.ConfSim.Page(p.ParentID)
			raw, _, _ := w.ConfSim.Property(pageID, activities.DocumentPropertyKey)
			var rec activities.DocumentRecord
			if json.Unmarshal(raw, &rec) != nil || rec.Archived || p.ParentID == archive.ParentID || hub.Title != "Project Apollo" {
				t.Errorf("after the retry: under %q (archive %s), record %s", hub.Title, archive.ParentID, raw)
			}
			back := 0
			for _, c := range w.ConfSim.Comments(pageID) {
				if strings.Contains(c.Body, "moved this page from the archive") {
					back++
				}
			}
			if back != 1 {
				t.Errorf("%d comments about the return from the archive, want 1", back)
			}
		})
	}
}
