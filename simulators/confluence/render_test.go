package confluence_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// Storage of a document page the way the bridge writes one: a named and
// an unnamed excerpt, a status lozenge, page properties and a file.
const docSpecBody = `<ac:structured-macro ac:name="excerpt" ac:schema-version="1" ac:macro-id="ex-1"><ac:parameter ac:name="name">summary</ac:parameter><ac:parameter ac:name="atlassian-macro-output-type">BLOCK</ac:parameter><ac:rich-text-body><p>Summary of the spec.</p></ac:rich-text-body></ac:structured-macro>
<ac:structured-macro ac:name="excerpt"><ac:parameter ac:name="name">scope</ac:parameter><ac:parameter ac:name="hidden">true</ac:parameter><ac:rich-text-body><p>Hidden scope.</p></ac:rich-text-body></ac:structured-macro>
<p>Status: <ac:structured-macro ac:name="status"><ac:parameter ac:name="colour">Green</ac:parameter><ac:parameter ac:name="title">Released</ac:parameter></ac:structured-macro></p>
<ac:structured-macro ac:name="details"><ac:parameter ac:name="id">doc</ac:parameter><ac:rich-text-body><table><tbody><tr><th>Document number</th><td>DOC-7</td></tr><tr><th>Owner</th><td><strong>Alice</strong></td></tr></tbody></table></ac:rich-text-body></ac:structured-macro>
<ac:structured-macro ac:name="view-file"><ac:parameter ac:name="name"><ri:attachment ri:filename="spec.pdf" /></ac:parameter></ac:structured-macro>`

// includeMacro is an Include Page macro naming title (in space key, when
// not empty).
func includeMacro(name, title, key string, params ...string) string {
	sk := ""
	if key != "" {
		sk = ` ri:space-key="` + key + `"`
	}
	extra := ""
	for i := 0; i+1 < len(params); i += 2 {
		extra += `<ac:parameter ac:name="` + params[i] + `">` + params[i+1] + `</ac:parameter>`
	}
	return `<ac:structured-macro ac:name="` + name + `"><ac:parameter ac:name=""><ac:link><ri:page ri:content-title="` +
		title + `"` + sk + ` /></ac:link></ac:parameter>` + extra + `</ac:structured-macro>`
}

// rendered reads a page's body in a rendered format through v2.
func (h *harness) rendered(id, format string) string {
	h.t.Helper()
	m := h.json("GET", "/wiki/api/v2/pages/"+id+"?body-format="+format, "", 200)
	return obj(obj(m["body"])[format])["value"].(string)
}

func TestRenderIncludeAndExcerptInclude(t *testing.T) {
	h := start(t)
	spec := h.s.CreatePage("DOCS", "DOC-7 Spec", docSpecBody, "557058:bridge")
	h.s.AddAttachment(spec.ID, "spec.pdf", "application/pdf", []byte("%PDF-1.4"))
	body := includeMacro("include", "DOC-7 Spec", "DOCS") +
		includeMacro("excerpt-include", "DOC-7 Spec", "DOCS") +
		includeMacro("excerpt-include", "DOC-7 Spec", "DOCS", "name", "scope", "nopanel", "true")
	host := h.s.CreatePage("APOLLO", "Apollo plan", body, "557058:alice")

	view := h.rendered(host.ID, "view")
	for _, want := range []string{
		`<div class="conf-macro output-block" data-macro-name="include" data-macro-id="`,
		`data-macro-name="excerpt" data-macro-id="ex-1"><p>Summary of the spec.</p></div>`,
		`<span class="status-macro aui-lozenge aui-lozenge-success">Released</span>`,
		`<tr><th>Document number</th><td>DOC-7</td></tr>`,
		`href="/wiki/download/attachments/` + spec.ID + `/spec.pdf"`,
		`<div class="panelHeader" style="border-bottom-width: 1px;"><b>DOC-7 Spec</b></div><div class="panelContent"><p>Summary of the spec.</p></div>`,
	} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %s\n%s", want, view)
		}
	}
	// Hidden excerpts stay hidden on the page, but a named excerpt-include
	// shows them, and nopanel leaves the panel out.
	if strings.Count(view, "Hidden scope.") != 1 || strings.Count(view, "panelHeader") != 1 {
		t.Errorf("named / nopanel excerpt-include:\n%s", view)
	}
	if !strings.Contains(view, `data-macro-name="excerpt-include" data-macro-id="`) {
		t.Errorf("no excerpt-include wrapper:\n%s", view)
	}

	export := h.rendered(host.ID, "export_view")
	if strings.Contains(export, "data-macro-id") || strings.Contains(export, "conf-macro") ||
		!strings.Contains(export, "<p>Summary of the spec.</p>") || !strings.Contains(export, "panelContent") {
		t.Errorf("export_view keeps macro wrappers or lost content:\n%s", export)
	}
	// The same body renders the same ids.
	if again := h.rendered(host.ID, "view"); again != view {
		t.Error("view is not deterministic")
	}
	// The space defaults to the including page's own.
	local := h.s.CreatePage("DOCS", "DOCS index", includeMacro("include", "DOC-7 Spec", ""), "557058:bridge")
	if v := h.rendered(local.ID, "export_view"); !strings.Contains(v, "Summary of the spec.") {
		t.Errorf("include without space key: %s", v)
	}
	// v1 and DC render the same way.
	m := h.json("GET", "/rest/api/content/"+host.ID+"?expand=body.export_view", "", 200)
	if v := obj(obj(m["body"])["export_view"])["value"].(string); !strings.Contains(v, `href="/download/attachments/`+spec.ID+`/spec.pdf"`) {
		t.Errorf("DC export_view: %s", v)
	}
}

func TestRenderIncludeErrors(t *testing.T) {
	h := start(t)
	const notFound = "The included page could not be found."
	missing := h.s.CreatePage("APOLLO", "Dangling", includeMacro("include", "No such page", "DOCS")+
		includeMacro("excerpt-include", "No such page", ""), "557058:alice")
	if v := h.rendered(missing.ID, "view"); strings.Count(v, notFound) != 2 || !strings.Contains(v, "Unable to render {include}") {
		t.Errorf("missing target: %s", v)
	}

	self := h.s.CreatePage("APOLLO", "Selfish", "<p>me</p>"+includeMacro("include", "Selfish", ""), "557058:alice")
	if v := h.rendered(self.ID, "view"); !strings.Contains(v, "cannot include itself") || strings.Count(v, "<p>me</p>") != 1 {
		t.Errorf("self include: %s", v)
	}
	a := h.s.CreatePage("APOLLO", "Loop A", "<p>A</p>"+includeMacro("include", "Loop B", ""), "557058:alice")
	h.s.CreatePage("APOLLO", "Loop B", "<p>B</p>"+includeMacro("include", "Loop A", ""), "557058:alice")
	if v := h.rendered(a.ID, "export_view"); !strings.Contains(v, "<p>A</p><p>B</p>") || !strings.Contains(v, "cannot include itself") {
		t.Errorf("cycle: %s", v)
	}

	// A target the viewer may not read is "not found" for that viewer only.
	secret := h.s.CreatePage("DOCS", "Secret", "<p>classified</p>", "557058:bridge")
	if err := h.s.SetRestriction(secret.ID, "read", []string{"557058:bridge"}, nil); err != nil {
		t.Fatal(err)
	}
	reader := h.s.CreatePage("APOLLO", "Reader", includeMacro("include", "Secret", "DOCS"), "557058:alice")
	if v := h.rendered(reader.ID, "view"); !strings.Contains(v, "classified") {
		t.Errorf("bridge view: %s", v)
	}
	st, b := h.editor("GET", "/wiki/api/v2/pages/"+reader.ID+"?body-format=view", "")
	if st != 200 || strings.Contains(string(b), "classified") || !strings.Contains(string(b), notFound) {
		t.Errorf("editor view: %d %s", st, b)
	}
	if v := h.rendered(reader.ID, "anonymous_export_view"); strings.Contains(v, "classified") {
		t.Errorf("anonymous export: %s", v)
	}
	// A trashed target is gone too.
	if err := h.s.TrashPage(secret.ID); err != nil {
		t.Fatal(err)
	}
	if v := h.rendered(reader.ID, "view"); !strings.Contains(v, notFound) {
		t.Errorf("trashed target: %s", v)
	}
}

func TestRenderStatusAndViewFile(t *testing.T) {
	h := start(t)
	body := `<ac:structured-macro ac:name="status"><ac:parameter ac:name="colour">Red</ac:parameter><ac:parameter ac:name="subtle">true</ac:parameter></ac:structured-macro>` +
		`<ac:structured-macro ac:name="status" />` +
		`<ac:structured-macro ac:name="view-file"><ac:parameter ac:name="name"><ri:attachment ri:filename="retention-schedule.csv"><ri:page ri:content-title="Records Retention Policy" ri:space-key="POL" /></ri:attachment></ac:parameter></ac:structured-macro>` +
		`<ac:structured-macro ac:name="view-file"><ac:parameter ac:name="name"><ri:attachment ri:filename="absent.pdf" /></ac:parameter></ac:structured-macro>`
	p := h.s.CreatePage("APOLLO", "Lozenges", body, "557058:alice")
	v := h.rendered(p.ID, "export_view")
	for _, want := range []string{
		`<span class="status-macro aui-lozenge aui-lozenge-error aui-lozenge-subtle">Red</span>`,
		`<span class="status-macro aui-lozenge">Grey</span>`,
		`<a class="confluence-embedded-file" href="/wiki/download/attachments/100001/retention-schedule.csv"`,
		`The attachment absent.pdf could not be found.`,
	} {
		if !strings.Contains(v, want) {
			t.Errorf("export_view lacks %s\n%s", want, v)
		}
	}
}

func TestRenderDetailsSummary(t *testing.T) {
	h := start(t)
	props := func(id string, rows ...string) string {
		var b strings.Builder
		for i := 0; i+1 < len(rows); i += 2 {
			b.WriteString("<tr><th>" + rows[i] + "</th><td>" + rows[i+1] + "</td></tr>")
		}
		return `<ac:structured-macro ac:name="details"><ac:parameter ac:name="id">` + id +
			`</ac:parameter><ac:rich-text-body><table><tbody>` + b.String() + `</tbody></table></ac:rich-text-body></ac:structured-macro>`
	}
	h.s.CreatePage("DOCS", "Zeta procedure", props("doc", "Number", "DOC-2", "Owner", "<em>Bob</em>"), "557058:bridge", "controlled")
	h.s.CreatePage("DOCS", "Alpha policy", props("doc", "Number", "DOC-1", "Review", "2027")+props("other", "Number", "X-9"), "557058:bridge", "controlled")
	h.s.CreatePage("DOCS", "Other id only", props("other", "Number", "X-1"), "557058:bridge", "controlled")
	h.s.CreatePage("DOCS", "No properties", "<p>plain</p>", "557058:bridge", "controlled")
	h.s.CreatePage("APOLLO", "Elsewhere", props("doc", "Number", "DOC-3"), "557058:bridge", "controlled")
	report := func(params ...string) string {
		var b strings.Builder
		for i := 0; i+1 < len(params); i += 2 {
			b.WriteString(`<ac:parameter ac:name="` + params[i] + `">` + params[i+1] + `</ac:parameter>`)
		}
		return `<ac:structured-macro ac:name="detailssummary">` + b.String() + `</ac:structured-macro>`
	}
	page := h.s.CreatePage("APOLLO", "Document register", report("cql", `label = &quot;controlled&quot; and space = &quot;DOCS&quot;`, "id", "doc")+
		report("cql", `label = "controlled" and space = currentSpace()`, "headings", "Number", "sortBy", "Number", "reverseSort", "true")+
		report("cql", `label = "nothing-has-this"`)+report("cql", `label = "x" or label = "y"`), "557058:alice")

	// Columns come in the order the matching pages (in CQL order, by id)
	// first name them; rows are sorted by title.
	v := h.rendered(page.ID, "export_view")
	docs := `<table class="metadata-summary-macro"><thead><tr><th>Title</th><th>Number</th><th>Owner</th><th>Review</th></tr></thead><tbody>` +
		`<tr><td><a href="/wiki/spaces/DOCS/pages/` + pageID(h, "Alpha policy") + `/Alpha+policy">Alpha policy</a></td><td>DOC-1</td><td></td><td>2027</td></tr>` +
		`<tr><td><a href="/wiki/spaces/DOCS/pages/` + pageID(h, "Zeta procedure") + `/Zeta+procedure">Zeta procedure</a></td><td>DOC-2</td><td><em>Bob</em></td><td></td></tr>` +
		`</tbody></table>`
	if !strings.Contains(v, docs) {
		t.Errorf("report by label, space and id:\n%s\nwant\n%s", v, docs)
	}
	// currentSpace() is APOLLO here; headings limit the columns.
	apollo := `<thead><tr><th>Title</th><th>Number</th></tr></thead><tbody><tr><td><a href="/wiki/spaces/APOLLO/pages/` +
		pageID(h, "Elsewhere") + `/Elsewhere">Elsewhere</a></td><td>DOC-3</td></tr></tbody>`
	if !strings.Contains(v, apollo) || !strings.Contains(v, "<p>No content found.</p>") || !strings.Contains(v, "Invalid CQL") {
		t.Errorf("report variants:\n%s", v)
	}
	if vv := h.rendered(page.ID, "view"); !strings.Contains(vv, `data-macro-name="detailssummary" data-macro-id=`) {
		t.Errorf("view wrapper: %s", vv)
	}
	// Sorting by a column, reversed, over all of DOCS's controlled pages
	// that have details (any id).
	sorted := h.s.CreatePage("DOCS", "Sorted register", report("cql", `label = "controlled" and space = "DOCS"`, "headings", "Number", "sortBy", "Number", "reverseSort", "true"), "557058:alice")
	sv := h.rendered(sorted.ID, "export_view")
	iX, i2, i1 := strings.Index(sv, "X-1"), strings.Index(sv, "DOC-2"), strings.Index(sv, "DOC-1")
	if iX < 0 || i2 < 0 || i1 < 0 || !(iX < i2 && i2 < i1) {
		t.Errorf("reverse sort by Number: %s", sv)
	}
}

// pageID finds a page by title through the v2 title filter.
func pageID(h *harness, title string) string {
	h.t.Helper()
	m := h.json("GET", "/wiki/api/v2/pages?title="+url.QueryEscape(title), "", 200)
	r := arr(m["results"])
	if len(r) != 1 {
		b, _ := json.Marshal(m)
		h.t.Fatalf("title %q: %s", title, b)
	}
	return obj(r[0])["id"].(string)
}
