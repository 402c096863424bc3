package pages

import (
	"context"
	"strings"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
)

func includeMacro(name, title string) string {
	return `<ac:structured-macro ac:name="` + name + `"><ac:parameter ac:name=""><ac:link><ri:page ri:content-title="` + title + `" ri:space-key="POL" /></ac:link></ac:parameter></ac:structured-macro>`
}

// Content pulled in from another page must be readable by the page's
// author and approver and by everyone who may read the page: an open page
// including a legal-only page is refused, and so is a meeting-notes page
// (filed with no approval) doing the same, an excerpt of a page its author
// cannot read, and a Page Properties Report listing a restricted page. An
// open page included is fine.
func TestIncludedContentMustBeReadableByTheRecordsReaders(t *testing.T) {
	w := accessWorld(t)
	ctx := context.Background()
	hr := w.ConfSim.CreatePage("POL", "Salary bands", "<p>Secret figures.</p>", "557058:lena", "dept-legal")
	if err := w.ConfSim.SetRestriction(hr.ID, "read", []string{"557058:lena"}, []string{"records-admins"}); err != nil {
		t.Fatal(err)
	}
	w.ConfSim.CreatePage("POL", "Glossary", "<p>Terms.</p>", "557058:alice", "dept-legal")

	open := w.ApprovedPage(t, "Pay policy", "<p>See below.</p>"+includeMacro("include", "Salary bands"))
	if _, err := w.conf.ReadPage(ctx, activities.ReadPageInput{PageID: open, Purpose: activities.PurposePublish}); activitytest.ErrType(err) != activities.TypeIncludedPageRestricted || !strings.Contains(err.Error(), "Salary bands") {
		t.Errorf("an open page including a restricted one: %v", err)
	}

	notes := w.ConfSim.CreatePage("POL", "2026-12-01 Pay meeting notes", "<p>Minutes.</p>"+includeMacro("include", "Salary bands"), "557058:editor", "meeting-notes", "dept-legal")
	if _, err := w.conf.ReadPage(ctx, activities.ReadPageInput{PageID: notes.ID, Purpose: activities.PurposeRecord}); activitytest.ErrType(err) != activities.TypeIncludedPageRestricted {
		t.Errorf("meeting notes including a restricted page: %v", err)
	}

	// Same readers, but the author may not read the excerpt's page.
	same := w.ApprovedPage(t, "Pay review", "<p>Excerpt:</p>"+includeMacro("excerpt-include", "Salary bands"))
	if err := w.ConfSim.SetRestriction(same, "read", []string{"557058:lena", "557058:editor"}, []string{"records-admins"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.conf.ReadPage(ctx, activities.ReadPageInput{PageID: same, Purpose: activities.PurposePublish}); activitytest.ErrType(err) != activities.TypeIncludedPageRestricted || !strings.Contains(err.Error(), "557058:editor") {
		t.Errorf("an excerpt its author may not read: %v", err)
	}

	report := w.ApprovedPage(t, "Pay pages", `<ac:structured-macro ac:name="detailssummary"><ac:parameter ac:name="cql">space = "POL" and title = "Salary bands"</ac:parameter></ac:structured-macro>`)
	if _, err := w.conf.ReadPage(ctx, activities.ReadPageInput{PageID: report, Purpose: activities.PurposePublish}); activitytest.ErrType(err) != activities.TypeIncludedPageRestricted || !strings.Contains(err.Error(), "Page Properties Report") {
		t.Errorf("a report listing a restricted page: %v", err)
	}

	// Listing macros show titles as the bridge sees them: a child with a
	// restriction of its own, or a labelled restricted page, refuses the
	// list; a listing the bridge cannot enumerate is refused outright.
	parent := w.ApprovedPage(t, "Pay programme", `<p>Parts:</p><ac:structured-macro ac:name="children" ac:schema-version="2" />`)
	secretChild, err := w.ConfSim.CreateChildPage(parent, "Pay cuts 2027", "<p>Names.</p>", "557058:lena")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.conf.ReadPage(ctx, activities.ReadPageInput{PageID: parent, Purpose: activities.PurposePublish}); err != nil {
		t.Errorf("children that all who read the page may read: %v", err)
	}
	if err := w.ConfSim.SetRestriction(secretChild.ID, "read", []string{"557058:lena"}, []string{"records-admins"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.conf.ReadPage(ctx, activities.ReadPageInput{PageID: parent, Purpose: activities.PurposePublish}); activitytest.ErrType(err) != activities.TypeIncludedPageRestricted || !strings.Contains(err.Error(), "Children Display") {
		t.Errorf("a restricted child listed by title: %v", err)
	}
	if err := w.ConfSim.AddLabel(hr.ID, "pay"); err != nil {
		t.Fatal(err)
	}
	byLabel := w.ApprovedPage(t, "Pay index", `<ac:structured-macro ac:name="contentbylabel"><ac:parameter ac:name="labels">pay</ac:parameter></ac:structured-macro>`)
	if _, err := w.conf.ReadPage(ctx, activities.ReadPageInput{PageID: byLabel, Purpose: activities.PurposePublish}); activitytest.ErrType(err) != activities.TypeIncludedPageRestricted || !strings.Contains(err.Error(), "Content by Label") {
		t.Errorf("a labelled restricted page listed by title: %v", err)
	}
	recent := w.ApprovedPage(t, "Pay news", `<ac:structured-macro ac:name="recently-updated" />`)
	if _, err := w.conf.ReadPage(ctx, activities.ReadPageInput{PageID: recent, Purpose: activities.PurposePublish}); activitytest.ErrType(err) != activities.TypeIncludedPageRestricted || !strings.Contains(err.Error(), "recently-updated") {
		t.Errorf("a listing the bridge cannot check: %v", err)
	}

	fine := w.ApprovedPage(t, "Pay glossary", "<p>Terms:</p>"+includeMacro("include", "Glossary"))
	if _, err := w.conf.ReadPage(ctx, activities.ReadPageInput{PageID: fine, Purpose: activities.PurposePublish}); err != nil {
		t.Errorf("including an open page: %v", err)
	}
}
