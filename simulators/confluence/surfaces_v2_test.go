package confluence_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func ids(m map[string]any) []string {
	var out []string
	for _, r := range arr(m["results"]) {
		out = append(out, fmt.Sprint(obj(r)["id"]))
	}
	return out
}

// v2 page versions (newest first, cursor-paged, with the page and its body
// on request), one version with its neighbours, the caller's operations,
// and both as include-versions / include-operations on the page.
func TestV2PageVersionsAndOperations(t *testing.T) {
	h := start(t)
	p := h.s.CreatePage("POL", "Versioned policy", "<p>v1</p>", "557058:alice")
	for i := 2; i <= 3; i++ {
		if _, err := h.s.UpdatePage(p.ID, p.Title, fmt.Sprintf("<p>v%d</p>", i), "557058:bob"); err != nil {
			t.Fatal(err)
		}
	}
	base := "/wiki/api/v2/pages/" + p.ID
	m := h.json("GET", base+"/versions?limit=2&body-format=storage", "", 200)
	r := arr(m["results"])
	if len(r) != 2 || obj(r[0])["number"] != 3.0 || obj(r[1])["number"] != 2.0 || obj(r[0])["authorId"] != "557058:bob" {
		t.Fatalf("versions: %v", r)
	}
	if pg := obj(obj(r[0])["page"]); pg["id"] != p.ID || obj(obj(obj(pg["body"])["storage"]))["value"] != "<p>v3</p>" {
		t.Errorf("version's page: %v", pg)
	}
	next, _ := obj(m["_links"])["next"].(string)
	if m2 := h.json("GET", "/wiki"+strings.TrimPrefix(next, "/wiki"), "", 200); len(arr(m2["results"])) != 1 || obj(arr(m2["results"])[0])["number"] != 1.0 {
		t.Errorf("page 2 (%s): %v", next, m2)
	}
	if asc := h.json("GET", base+"/versions?sort=modified-date", "", 200); obj(arr(asc["results"])[0])["number"] != 1.0 {
		t.Errorf("oldest first: %v", asc)
	}
	h.json("GET", base+"/versions?sort=title", "", 400)
	v2 := h.json("GET", base+"/versions/2", "", 200)
	if v2["number"] != 2.0 || v2["prevVersion"] != 1.0 || v2["nextVersion"] != 3.0 {
		t.Errorf("version 2: %v", v2)
	}
	if v3 := h.json("GET", base+"/versions/3", "", 200); v3["nextVersion"] != nil {
		t.Errorf("current version has a next: %v", v3)
	}
	h.json("GET", base+"/versions/4", "", 404)
	h.json("GET", "/wiki/api/v2/pages/999999/versions", "", 404)

	ops := func(m map[string]any, key string) []string {
		var out []string
		for _, o := range arr(m[key]) {
			out = append(out, fmt.Sprint(obj(o)["operation"]))
		}
		return out
	}
	if got := ops(h.json("GET", base+"/operations", "", 200), "operations"); strings.Join(got, ",") != "read,update,delete" {
		t.Errorf("bridge's operations: %v", got)
	}
	if err := h.s.SetRestriction(p.ID, "update", []string{"557058:bridge"}, nil); err != nil {
		t.Fatal(err)
	}
	st, b := h.editor("GET", base+"/operations", "")
	if st != 200 || !strings.Contains(string(b), `"read"`) || strings.Contains(string(b), `"update"`) {
		t.Errorf("editor's operations under an update restriction: %d %s", st, b)
	}

	pg := h.json("GET", base+"?include-versions=true&include-operations=true", "", 200)
	vs := obj(pg["versions"])
	if len(arr(vs["results"])) != 3 || obj(vs["meta"])["hasMore"] != false || obj(arr(vs["results"])[0])["number"] != 3.0 {
		t.Errorf("include-versions: %v", vs)
	}
	if got := ops(obj(pg["operations"]), "results"); len(got) != 3 {
		t.Errorf("include-operations: %v", pg["operations"])
	}
	if plain := h.json("GET", base, "", 200); plain["versions"] != nil || plain["operations"] != nil {
		t.Errorf("included without asking: %v", plain)
	}
}

// The page tree: direct children in order, descendants level by level with
// parent and depth (limited by depth=), hidden branches left out; the
// space's pages sorted and, with depth=root, only its top level.
func TestV2TreeSortAndDepth(t *testing.T) {
	h := start(t)
	sp := h.s.CreateSpace("TREE", "Tree")
	root := h.s.CreatePage("TREE", "Root", "<p/>", "557058:alice")
	b, _ := h.s.CreateChildPage(root.ID, "B child", "<p/>", "557058:alice")
	a, _ := h.s.CreateChildPage(root.ID, "A child", "<p/>", "557058:alice")
	grand, _ := h.s.CreateChildPage(b.ID, "Grandchild", "<p/>", "557058:alice")
	deep, _ := h.s.CreateChildPage(grand.ID, "Great-grandchild", "<p/>", "557058:alice")

	dc := h.json("GET", "/wiki/api/v2/pages/"+root.ID+"/direct-children", "", 200)
	if got := ids(dc); strings.Join(got, ",") != b.ID+","+a.ID || obj(arr(dc["results"])[0])["type"] != "page" || obj(arr(dc["results"])[1])["childPosition"] != 1.0 {
		t.Errorf("direct children: %v", dc["results"])
	}
	d := h.json("GET", "/wiki/api/v2/pages/"+root.ID+"/descendants", "", 200)
	if got := ids(d); strings.Join(got, ",") != strings.Join([]string{b.ID, a.ID, grand.ID, deep.ID}, ",") {
		t.Errorf("descendants: %v", got)
	}
	if g := obj(arr(d["results"])[2]); g["parentId"] != b.ID || g["depth"] != 2.0 {
		t.Errorf("grandchild: %v", g)
	}
	if got := ids(h.json("GET", "/wiki/api/v2/pages/"+root.ID+"/descendants?depth=1", "", 200)); len(got) != 2 {
		t.Errorf("depth=1: %v", got)
	}
	h.json("GET", "/wiki/api/v2/pages/"+root.ID+"/descendants?depth=6", "", 400)
	if err := h.s.SetRestriction(b.ID, "read", []string{"557058:bridge"}, nil); err != nil {
		t.Fatal(err)
	}
	st, body := h.editor("GET", "/wiki/api/v2/pages/"+root.ID+"/descendants", "")
	if st != 200 || strings.Contains(string(body), `"`+grand.ID+`"`) || strings.Contains(string(body), `"`+b.ID+`"`) || !strings.Contains(string(body), `"`+a.ID+`"`) {
		t.Errorf("editor's descendants under a read restriction: %d %s", st, body)
	}

	pages := "/wiki/api/v2/spaces/" + sp.ID + "/pages"
	if got := ids(h.json("GET", pages+"?depth=root", "", 200)); strings.Join(got, ",") != root.ID {
		t.Errorf("depth=root: %v", got)
	}
	if got := ids(h.json("GET", pages+"?sort=title", "", 200)); strings.Join(got, ",") != strings.Join([]string{a.ID, b.ID, grand.ID, deep.ID, root.ID}, ",") {
		t.Errorf("sort=title: %v", got)
	}
	if got := ids(h.json("GET", pages+"?sort=-id", "", 200)); got[0] != deep.ID {
		t.Errorf("sort=-id: %v", got)
	}
	h.json("GET", pages+"?sort=colour", "", 400)
	h.json("GET", pages+"?depth=some", "", 400)
	h.json("GET", "/wiki/api/v2/pages?depth=root", "", 400)
}

// Labels site-wide and per space, the pages of a label, and attachments
// site-wide, each answering only what the caller can read.
func TestV2LabelsAndSiteAttachments(t *testing.T) {
	h := start(t)
	labels := h.json("GET", "/wiki/api/v2/labels?limit=250", "", 200)
	byName := map[string]string{}
	for _, l := range arr(labels["results"]) {
		byName[fmt.Sprint(obj(l)["name"])] = fmt.Sprint(obj(l)["id"])
	}
	if byName["approved"] == "" || byName["meeting-notes"] == "" {
		t.Fatalf("site labels: %v", labels["results"])
	}
	if got := ids(h.json("GET", "/wiki/api/v2/labels/"+byName["approved"]+"/pages", "", 200)); !strings.Contains(strings.Join(got, ","), "100001") {
		t.Errorf("pages of approved: %v", got)
	}
	h.json("GET", "/wiki/api/v2/labels/987654321/pages", "", 404)
	if got := ids(h.json("GET", "/wiki/api/v2/labels/"+byName["approved"]+"/pages?space-id=98305", "", 200)); len(got) != 0 {
		t.Errorf("approved pages in ENG: %v", got)
	}
	pol := h.json("GET", "/wiki/api/v2/spaces/98304/content/labels?limit=250", "", 200)
	if !strings.Contains(fmt.Sprint(pol["results"]), "dept-legal") || strings.Contains(fmt.Sprint(h.json("GET", "/wiki/api/v2/spaces/98305/labels", "", 200)["results"]), "dept-legal") {
		t.Errorf("space labels: %v", pol["results"])
	}
	h.json("GET", "/wiki/api/v2/spaces/1/labels", "", 404)
	h.json("GET", "/wiki/api/v2/labels?sort=colour", "", 400)

	// A label only a restricted page carries is not listed for others.
	p := h.s.CreatePage("POL", "Secret", "<p/>", "557058:alice", "only-on-secret")
	if err := h.s.SetRestriction(p.ID, "read", []string{"557058:bridge"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, b := h.editor("GET", "/wiki/api/v2/labels?limit=250", ""); strings.Contains(string(b), "only-on-secret") {
		t.Errorf("editor sees the restricted page's label: %s", b)
	}

	atts := h.json("GET", "/wiki/api/v2/attachments?mediaType="+url.QueryEscape("text/csv"), "", 200)
	if r := arr(atts["results"]); len(r) == 0 || obj(r[0])["title"] != "retention-schedule.csv" || obj(r[0])["pageId"] != "100001" {
		t.Errorf("site attachments: %v", atts["results"])
	}
	if err := h.s.SetRestriction("100001", "read", []string{"557058:bridge"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, b := h.editor("GET", "/wiki/api/v2/attachments", ""); strings.Contains(string(b), "retention-schedule.csv") {
		t.Errorf("editor sees attachments of a restricted page: %s", b)
	}
	h.json("GET", "/wiki/api/v2/attachments?sort=title", "", 400)
}
