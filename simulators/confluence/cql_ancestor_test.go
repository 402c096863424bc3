package confluence_test

import (
	"net/url"
	"testing"
)

// CQL's ancestor field matches the pages below a page at any depth, not
// the page itself, as Confluence's does.
func TestCQLAncestor(t *testing.T) {
	h := start(t)
	root := h.s.CreatePage("POL", "Ancestor root", "<p/>", "557058:alice")
	child, err := h.s.CreateChildPage(root.ID, "Ancestor child", "<p/>", "557058:alice")
	if err != nil {
		t.Fatal(err)
	}
	grandchild, err := h.s.CreateChildPage(child.ID, "Ancestor grandchild", "<p/>", "557058:alice")
	if err != nil {
		t.Fatal(err)
	}
	ids := func(cql string) map[string]bool {
		t.Helper()
		m := h.json("GET", "/wiki/rest/api/content/search?cql="+url.QueryEscape(cql), "", 200)
		out := map[string]bool{}
		for _, r := range arr(m["results"]) {
			out[obj(r)["id"].(string)] = true
		}
		return out
	}
	got := ids(`space = POL and type = page and ancestor = "` + root.ID + `"`)
	if len(got) != 2 || !got[child.ID] || !got[grandchild.ID] {
		t.Errorf("ancestor = root: %v", got)
	}
	if got := ids(`type = page and ancestor in (` + child.ID + `)`); len(got) != 1 || !got[grandchild.ID] {
		t.Errorf("ancestor in (child): %v", got)
	}
	if got := ids(`space = POL and ancestor != ` + root.ID); got[child.ID] || got[grandchild.ID] || !got[root.ID] {
		t.Errorf("ancestor != root: %v", got)
	}
}
