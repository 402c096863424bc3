package documentsources

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/documentpages"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// dieAt is a worker that dies just before its n-th write (any request but
// a GET): that write and everything after it fail at the transport.
type dieAt struct {
	mu     sync.Mutex
	n      int
	writes int
	next   http.RoundTripper
}

func (d *dieAt) RoundTrip(r *http.Request) (*http.Response, error) {
	d.mu.Lock()
	if r.Method != http.MethodGet {
		d.writes++
	}
	dead := d.n > 0 && d.writes >= d.n
	d.mu.Unlock()
	if dead {
		return nil, errors.New("worker killed")
	}
	return d.next.RoundTrip(r)
}

// afterEach calls check after every request it passes on.
type afterEach struct {
	check func()
	next  http.RoundTripper
}

func (a afterEach) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := a.next.RoundTrip(r)
	a.check()
	return resp, err
}

// pagesWith returns the current pages with a title.
func (w *world) pagesWith(title string) []string {
	var out []string
	for _, p := range w.ConfSim.Pages() {
		if p.Title == title && p.Status == "current" {
			out = append(out, p.ID)
		}
	}
	return out
}

// The page of a document only Legal may see in OTCS is never readable by
// oscar (not in legal), whichever request the worker dies before: every
// request of the crashed attempt and of the retry is followed by oscar
// reading every page with the document's title through the REST API. The
// retry finds the page wherever the crash left it (under the staging page,
// restricted or not) and finishes it: under its hub, restricted to legal,
// the kept group and the bridge, readable by lena.
func TestRestrictedDocumentPageIsNeverReadableByTheExcluded(t *testing.T) {
	title := documentpages.DocumentPageTitle("LEG-001 Legal Hold Procedure.pdf", opentextsim.LegalHoldProcedureID)
	// A clean run counts the writes; then one world per crash point.
	clean := &dieAt{next: http.DefaultTransport}
	crashAt(t, clean, title)
	t.Logf("a clean run makes %d writes: each is a crash point", clean.writes)
	if clean.writes < 6 {
		t.Fatalf("a clean run made %d writes", clean.writes)
	}
	for n := 1; n <= clean.writes; n++ {
		crashAt(t, &dieAt{n: n, next: http.DefaultTransport}, title)
	}
}

// crashAt runs UpsertDocumentPages for the Legal-only document with a
// worker whose transport is d, then (if it died) a retry, checking oscar
// after every request.
func crashAt(t *testing.T, d *dieAt, title string) {
	t.Helper()
	w, src, pages := docWorld(t)
	ctx := context.Background()
	oscar := w.Person(t, "oscar@example.com", "oscar-token")
	lena := w.Person(t, "lena@example.com", "lena-token")
	check := func() {
		for _, id := range w.pagesWith(title) {
			if _, err := oscar.GetPage(ctx, id, confluence.GetPageOptions{BodyFormat: "storage"}); !rest.IsKind(err, rest.KindNotFound) {
				t.Fatalf("die at write %d: oscar can read page %s (err %v)", d.n, id, err)
			}
		}
	}
	states := describe(t, src, opentextsim.LegalHoldProcedureID)
	if r := states[0].Readers; r == nil || r.Public || strings.Join(r.Groups, ",") != "legal" || len(r.Unmapped) != 0 {
		t.Fatalf("readers of the Legal-only document: %+v", r)
	}
	worker := w.crashingPages(t, pages, func(*http.Request) bool { return false })
	worker.Confluence = w.clientWith(t, afterEach{check: check, next: d})
	_, err := worker.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: states})
	if d.n == 0 && err != nil {
		t.Fatal(err)
	}
	if d.n > 0 {
		if err == nil && d.writes >= d.n {
			t.Fatalf("die at write %d: the crashed attempt succeeded", d.n)
		}
		retry := w.crashingPages(t, pages, func(*http.Request) bool { return false })
		retry.Confluence = w.clientWith(t, afterEach{check: check, next: http.DefaultTransport})
		if _, err := retry.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: states}); err != nil {
			t.Fatalf("die at write %d: retry: %v", d.n, err)
		}
	}
	ids := w.pagesWith(title)
	if len(ids) != 1 {
		t.Fatalf("die at write %d: %d pages titled %q", d.n, len(ids), title)
	}
	p, _ := w.ConfSim.Page(ids[0])
	if hub, _ := w.ConfSim.Page(p.ParentID); hub.Title != "Approved Procedures" {
		t.Errorf("die at write %d: the page is under %q, want its hub", d.n, hub.Title)
	}
	r, _ := w.ConfSim.Restrictions(ids[0])
	if !activities.SameNames(r.ReadGroups, []string{"legal", "records-admins"}) || !activities.SameNames(r.ReadUsers, []string{"557058:bridge"}) {
		t.Errorf("die at write %d: read restriction %+v", d.n, r)
	}
	if _, err := lena.GetPage(ctx, ids[0], confluence.GetPageOptions{BodyFormat: "storage"}); err != nil {
		t.Errorf("die at write %d: lena cannot read the page: %v", d.n, err)
	}
	if atts := w.ConfSim.Attachments(ids[0]); len(atts) != 1 {
		t.Errorf("die at write %d: %d controlled copies", d.n, len(atts))
	}
}

// clientWith is a bridge Confluence client over rt, without retries.
func (w *world) clientWith(t *testing.T, rt http.RoundTripper) *confluence.Client {
	t.Helper()
	c, err := confluence.New(confluence.Config{BaseURL: w.ConfURL, Email: "bridge@example.com", APIToken: "demo-token",
		Retry:      rest.RetryConfig{Max: -1, WaitMin: time.Millisecond, WaitMax: time.Millisecond},
		HTTPClient: &http.Client{Transport: rt}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A document with an open page is restricted in OTCS and gets a new
// approved version: the page is narrowed before the new version reaches
// it, so oscar never reads the new version, whichever write the worker
// dies before; lena reads it after the retry.
func TestNarrowingComesBeforeNewContent(t *testing.T) {
	for n := 1; n <= 6; n++ {
		w, src, pages := docWorld(t)
		ctx := context.Background()
		first, err := pages.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: describe(t, src, opentextsim.SOPChangeManagementID)})
		if err != nil {
			t.Fatal(err)
		}
		pageID := first.Pages[0].PageID
		oscar := w.Person(t, "oscar@example.com", "oscar-token")
		if _, err := oscar.GetPage(ctx, pageID, confluence.GetPageOptions{}); err != nil {
			t.Fatalf("precondition: oscar reads the open page: %v", err)
		}
		if err := w.OTSim.RestrictNode(opentextsim.SOPChangeManagementID, opentextsim.LegalGroupID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.OTSim.AddVersion(opentextsim.SOPChangeManagementID, "SOP-002 Change Management.pdf", "application/pdf", []byte("%PDF-1.4 3.0"), true); err != nil {
			t.Fatal(err)
		}
		states := describe(t, src, opentextsim.SOPChangeManagementID)
		check := func() {
			p, err := oscar.GetPage(ctx, pageID, confluence.GetPageOptions{BodyFormat: "storage"})
			if err == nil && strings.Contains(p.Body, "Version 3.0") {
				t.Fatalf("die at write %d: oscar reads the new version", n)
			}
		}
		worker := w.crashingPages(t, pages, func(*http.Request) bool { return false })
		worker.Confluence = w.clientWith(t, afterEach{check: check, next: &dieAt{n: n, next: http.DefaultTransport}})
		_, _ = worker.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: states})
		retry := w.crashingPages(t, pages, func(*http.Request) bool { return false })
		retry.Confluence = w.clientWith(t, afterEach{check: check, next: http.DefaultTransport})
		res, err := retry.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: states})
		if err != nil || !res.Pages[0].Restricted {
			t.Fatalf("die at write %d: retry %+v %v", n, res, err)
		}
		if _, err := oscar.GetPage(ctx, pageID, confluence.GetPageOptions{}); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("die at write %d: oscar still reads the page: %v", n, err)
		}
		p, err := w.Person(t, "lena@example.com", "lena-token").GetPage(ctx, pageID, confluence.GetPageOptions{BodyFormat: "storage"})
		if err != nil || !strings.Contains(p.Body, "Version 3.0") {
			t.Errorf("die at write %d: lena: %v", n, err)
		}
	}
}

// A source readable by someone the mapping cannot map (oscar has no
// access.user_table entry) is refused: no page is made; an existing page
// is narrowed to the bridge and the kept group, and keeps what it showed.
// With unmapped: fallback the page is restricted to the mapped principals
// and the fallback group instead.
func TestUnmappedReaderIsRefusedOrFallsBack(t *testing.T) {
	w, src, pages := docWorld(t)
	ctx := context.Background()
	if err := w.OTSim.RestrictNode(opentextsim.LegalHoldProcedureID, opentextsim.LegalGroupID, opentextsim.OscarUserID); err != nil {
		t.Fatal(err)
	}
	states := describe(t, src, opentextsim.LegalHoldProcedureID)
	if r := states[0].Readers; len(r.Unmapped) != 1 || !strings.Contains(r.Unmapped[0], "OTCS user oscar (add it to access.user_table)") {
		t.Fatalf("readers: %+v", r)
	}
	res, err := pages.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: states})
	if err != nil {
		t.Fatal(err)
	}
	title := documentpages.DocumentPageTitle("LEG-001 Legal Hold Procedure.pdf", opentextsim.LegalHoldProcedureID)
	if p := res.Pages[0]; p.PageID != "" || p.Skipped != documentpages.RefusedNote || !strings.Contains(p.Refused, "OTCS user oscar") || len(w.pagesWith(title)) != 0 {
		t.Fatalf("refused source: %+v, pages %v", p, w.pagesWith(title))
	}

	// An existing open page whose source becomes unmappable is narrowed.
	first, err := pages.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: describe(t, src, opentextsim.SOPIncidentResponseID)})
	if err != nil {
		t.Fatal(err)
	}
	pageID := first.Pages[0].PageID
	if err := w.OTSim.RestrictNode(opentextsim.SOPIncidentResponseID, opentextsim.OscarUserID); err != nil {
		t.Fatal(err)
	}
	res, err = pages.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: describe(t, src, opentextsim.SOPIncidentResponseID)})
	if err != nil || res.Pages[0].Refused == "" {
		t.Fatalf("existing page: %+v %v", res, err)
	}
	r, _ := w.ConfSim.Restrictions(pageID)
	if !activities.SameNames(r.ReadGroups, []string{"records-admins"}) || !activities.SameNames(r.ReadUsers, []string{"557058:bridge"}) {
		t.Errorf("narrowed page: %+v", r)
	}

	// unmapped: fallback restricts to legal and the fallback group.
	w.Records.Rules.Access.Unmapped = "fallback"
	res, err = pages.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: states})
	if err != nil || res.Pages[0].PageID == "" || res.Pages[0].Refused != "" {
		t.Fatalf("fallback: %+v %v", res, err)
	}
	r, _ = w.ConfSim.Restrictions(res.Pages[0].PageID)
	if !activities.SameNames(r.ReadGroups, []string{"legal", "records-admins"}) || !activities.SameNames(r.ReadUsers, []string{"557058:bridge"}) {
		t.Errorf("fallback restriction: %+v", r)
	}
}

// A reference is accepted only to a node the linking author may see in
// OTCS: oscar's link to the Legal-only document is recorded unavailable
// and makes no page; lena's (mapped by her email, Legal in OTCS) is
// accepted, and names the document only as "Restricted document". Her
// page is read-restricted, so the document page counts it as "a
// restricted page" without its title.
func TestReferencesFollowTheAuthorsAccess(t *testing.T) {
	w, src, pages := docWorld(t)
	ctx := context.Background()
	link := `<p><a href="` + w.Records.OTCS.NodeURL(opentextsim.LegalHoldProcedureID) + `">hold procedure</a></p>`
	// record scans a page the author writes in APOLLO (restrict, when
	// set, changes its access first) and records its references.
	record := func(title, author string, restrict func(pageID string)) (*activities.ReferenceScan, []activities.DocumentState, *activities.RecordReferencesResult) {
		t.Helper()
		notes := w.ConfSim.CreatePage("APOLLO", title, link, author)
		if restrict != nil {
			restrict(notes.ID)
		}
		scan, err := pages.ReadReferences(ctx, activities.ReadReferencesInput{PageID: notes.ID})
		if err != nil || scan.Author == nil || scan.Author.AccountID != author {
			t.Fatalf("scan: %+v %v", scan, err)
		}
		states, err := src.DescribeDocuments(ctx, activities.DescribeInput{NodeIDs: scan.Linked, Author: scan.Author})
		if err != nil {
			t.Fatal(err)
		}
		up, err := pages.UpsertDocumentPages(ctx, activities.UpsertInput{Docs: states})
		if err != nil {
			t.Fatal(err)
		}
		res, err := pages.RecordReferences(ctx, activities.RecordReferencesInput{Scan: *scan, States: states, Pages: up.Pages})
		if err != nil {
			t.Fatal(err)
		}
		return scan, states, res
	}
	title := documentpages.DocumentPageTitle("LEG-001 Legal Hold Procedure.pdf", opentextsim.LegalHoldProcedureID)

	_, states, res := record("Notes by oscar", "557058:oscar", nil)
	if states[0].Missing != activities.ReasonNotVisible || states[0].Doc.Name != "" || res.Refs[0].Status != activities.RefUnavailable || len(w.pagesWith(title)) != 0 {
		t.Fatalf("oscar's reference: %+v %+v, pages %v", states[0], res.Refs, w.pagesWith(title))
	}

	// lena's page is restricted to her before it is scanned.
	scan, _, res := record("Legal notes", "557058:lena", func(pageID string) {
		if err := w.Pages.Confluence.SetReadRestriction(ctx, pageID, []string{"557058:lena", "557058:bridge"}, nil); err != nil {
			t.Fatal(err)
		}
	})
	ref := res.Refs[0]
	if ref.Status != activities.RefAvailable || !ref.Restricted || ref.Title != "Restricted document" {
		t.Fatalf("lena's reference: %+v", ref)
	}
	if raw, _, _ := w.ConfSim.Property(scan.PageID, activities.ReferencesPropertyKey); strings.Contains(string(raw), "LEG-001") {
		t.Errorf("the working page's references name the restricted document: %s", raw)
	}
	doc, _ := w.ConfSim.Page(ref.DocumentPage)
	if strings.Contains(doc.Body, "Legal notes") || !strings.Contains(doc.Body, "a restricted page") {
		t.Errorf("the document page names the restricted referencing page:\n%s", doc.Body)
	}

	// A page with no restriction of its own in a space only legal may
	// view is just as restricted: its title stays off the document page.
	if err := w.ConfSim.SetSpaceReaders("APOLLO", nil, []string{"legal", "records-admins"}); err != nil {
		t.Fatal(err)
	}
	_, _, res = record("Legal space notes", "557058:lena", nil)
	doc, _ = w.ConfSim.Page(res.Refs[0].DocumentPage)
	if strings.Contains(doc.Body, "Legal space notes") {
		t.Errorf("the document page names a page of a space not everyone may view:\n%s", doc.Body)
	}
}

// Back links go only to documents of a watched container: a reference
// to any other document never makes the bridge modify it in OTCS.
func TestBackLinksOnlyToWatchedDocuments(t *testing.T) {
	w, src, _ := docWorld(t)
	res, err := src.WriteBackLinks(context.Background(), activities.BackLinkInput{Links: []activities.UpsertedPage{
		{NodeID: opentextsim.SOPIncidentResponseID, PageID: "1", URL: "https://conf.example/wiki/pages/1"}}})
	if err != nil || res.Written != 0 {
		t.Fatalf("a document outside every watch got a back link: %+v %v", res, err)
	}
	if vals, _ := w.OTSim.CategoryValues(opentextsim.SOPIncidentResponseID, opentextsim.DocumentControlCategoryID); vals["9002_6"] != nil {
		t.Errorf("written: %v", vals["9002_6"])
	}
}
