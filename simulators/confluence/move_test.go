package confluence_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// v2Create creates a page through v2 and returns its id.
func (h *harness) v2Create(spaceID, parentID, title string) string {
	h.t.Helper()
	b, _ := json.Marshal(map[string]any{"spaceId": spaceID, "parentId": parentID, "status": "current", "title": title,
		"body": map[string]any{"representation": "storage", "value": "<p>" + title + "</p>"}})
	return h.json("POST", "/wiki/api/v2/pages", string(b), 200)["id"].(string)
}

// childIDs lists a page's children through v2 and through DC's v1.
func (h *harness) childIDs(id string) (v2, dc []string) {
	h.t.Helper()
	for _, c := range arr(h.json("GET", "/wiki/api/v2/pages/"+id+"/children", "", 200)["results"]) {
		v2 = append(v2, obj(c)["id"].(string))
	}
	for _, c := range arr(h.json("GET", "/rest/api/content/"+id+"/child/page", "", 200)["results"]) {
		dc = append(dc, obj(c)["id"].(string))
	}
	return v2, dc
}

func (h *harness) parentOf(id string) string {
	h.t.Helper()
	p, ok := h.s.Page(id)
	if !ok {
		h.t.Fatalf("no page %s", id)
	}
	return p.ParentID
}

func TestMovePage(t *testing.T) {
	h := start(t)
	const docs, home = "98306", "250001"
	a, b := h.v2Create(docs, home, "Folder A"), h.v2Create(docs, home, "Folder B")
	d1 := h.v2Create(docs, a, "D1")
	move := func(id, pos, target string, want int) map[string]any {
		t.Helper()
		return h.json("PUT", "/wiki/rest/api/content/"+id+"/move/"+pos+"/"+target, "", want)
	}

	if m := move(d1, "append", b, 200); m["pageId"] != d1 || h.parentOf(d1) != b {
		t.Fatalf("append: %v, parent %s", m, h.parentOf(d1))
	}
	d2, d3 := h.v2Create(docs, b, "D2"), h.v2Create(docs, b, "D3")
	move(d3, "before", d1, 200)
	if v2, dc := h.childIDs(b); strings.Join(v2, ",") != d3+","+d1+","+d2 || strings.Join(dc, ",") != strings.Join(v2, ",") {
		t.Errorf("after before: v2 %v, dc %v", v2, dc)
	}
	move(d3, "after", d2, 200)
	if v2, _ := h.childIDs(b); strings.Join(v2, ",") != d1+","+d2+","+d3 {
		t.Errorf("after after: %v", v2)
	}

	// Loops, bad positions and unknown ids.
	move(b, "append", d1, 400)
	move(a, "append", a, 400)
	move(d1, "before", d1, 400)
	move(d1, "sideways", d2, 400)
	move("999999", "append", a, 404)
	move(d1, "append", "999999", 404)
	if st, _, _ := h.do("PUT", "/rest/api/content/"+d1+"/move/append/"+a, nil); st != 404 {
		t.Errorf("DC move endpoint: %d, want 404 (not on DC)", st)
	}

	// before/after a top-level page makes the page top-level.
	move(a, "after", home, 200)
	if h.parentOf(a) != "" {
		t.Errorf("top-level move: parent %q", h.parentOf(a))
	}

	// Across spaces: a title taken there is a 400; otherwise the page goes
	// with its descendants.
	h.s.CreatePage("APOLLO", "D2", "<p/>", "557058:alice")
	if m := move(b, "append", "260001", 400); !strings.Contains(obj(m)["message"].(string), "A page with this title already exists") {
		t.Errorf("title clash: %v", m)
	}
	move(d1, "append", a, 200)
	move(a, "append", "260001", 200)
	if pa, _ := h.s.Page(a); pa.SpaceKey != "APOLLO" || pa.ParentID != "260001" {
		t.Errorf("moved folder: %+v", pa)
	}
	if pd, _ := h.s.Page(d1); pd.SpaceKey != "APOLLO" || pd.ParentID != a {
		t.Errorf("moved child: %+v", pd)
	}

	// Restricted pages: 403 to move one that cannot be edited, 404 for a
	// target that cannot be seen.
	if err := h.s.SetRestriction(d2, "update", []string{"557058:bridge"}, nil); err != nil {
		t.Fatal(err)
	}
	if st, _ := h.editor("PUT", "/wiki/rest/api/content/"+d2+"/move/append/"+home, ""); st != 403 {
		t.Errorf("restricted move: %d", st)
	}
	if err := h.s.SetRestriction(home, "read", []string{"557058:bridge"}, nil); err != nil {
		t.Fatal(err)
	}
	if st, _ := h.editor("PUT", "/wiki/rest/api/content/"+d3+"/move/append/"+home, ""); st != 404 {
		t.Errorf("invisible target: %d", st)
	}
}

func TestReparentByUpdate(t *testing.T) {
	h := start(t)
	const docs, home = "98306", "250001"
	a, b := h.v2Create(docs, home, "Folder A"), h.v2Create(docs, home, "Folder B")
	d := h.v2Create(docs, a, "Doc")
	put := func(path string, body map[string]any, want int) {
		t.Helper()
		raw, _ := json.Marshal(body)
		h.json("PUT", path, string(raw), want)
	}
	v2 := func(parent string, version int) map[string]any {
		return map[string]any{"id": d, "status": "current", "title": "Doc", "parentId": parent,
			"body": map[string]any{"representation": "storage", "value": "<p>Doc</p>"}, "version": map[string]any{"number": version}}
	}
	put("/wiki/api/v2/pages/"+d, v2(b, 2), 200)
	if h.parentOf(d) != b {
		t.Errorf("v2 parentId: parent %s", h.parentOf(d))
	}
	put("/wiki/api/v2/pages/"+d, v2("100001", 3), 400) // another space
	put("/wiki/api/v2/pages/"+b, map[string]any{"id": b, "status": "current", "title": "Folder B", "parentId": d,
		"version": map[string]any{"number": 2}}, 400) // below its own child

	dc := func(parent string, version int) map[string]any {
		return map[string]any{"id": d, "type": "page", "title": "Doc", "ancestors": []any{map[string]any{"id": home}, map[string]any{"id": parent}},
			"body":    map[string]any{"storage": map[string]any{"value": "<p>Doc</p>", "representation": "storage"}},
			"version": map[string]any{"number": version, "minorEdit": true}}
	}
	put("/rest/api/content/"+d, dc(a, 3), 200)
	if h.parentOf(d) != a {
		t.Errorf("DC ancestors: parent %s", h.parentOf(d))
	}
	m := h.json("GET", "/rest/api/content/"+d+"?expand=ancestors", "", 200)
	if anc := arr(m["ancestors"]); len(anc) != 2 || obj(anc[1])["id"] != a || obj(m["version"])["minorEdit"] != true {
		t.Errorf("DC page after re-parent: %v", m)
	}
	put("/rest/api/content/"+d, dc("999999", 4), 400)
}

func TestPageListsByTitle(t *testing.T) {
	h := start(t)
	doc := h.v2Create("98306", "250001", "DOC-1 Policy & Scope")
	q := url.Values{"space-id": {"98306"}, "title": {"DOC-1 Policy & Scope"}, "body-format": {"storage"}}
	m := h.json("GET", "/wiki/api/v2/pages?"+q.Encode(), "", 200)
	if r := arr(m["results"]); len(r) != 1 || obj(r[0])["id"] != doc || obj(obj(obj(r[0])["body"])["storage"])["value"] != "<p>DOC-1 Policy & Scope</p>" {
		t.Errorf("v2 title filter: %v", m)
	}
	q.Set("title", "DOC-1")
	if r := arr(h.json("GET", "/wiki/api/v2/pages?"+q.Encode(), "", 200)["results"]); len(r) != 0 {
		t.Errorf("title filter is not exact: %v", r)
	}

	dq := url.Values{"spaceKey": {"DOCS"}, "title": {"DOC-1 Policy & Scope"}, "expand": {"body.storage,version,space,ancestors"}}
	m = h.json("GET", "/rest/api/content?"+dq.Encode(), "", 200)
	r := arr(m["results"])
	if len(r) != 1 || obj(r[0])["id"] != doc || obj(obj(obj(r[0])["body"])["storage"])["value"] != "<p>DOC-1 Policy & Scope</p>" ||
		obj(arr(obj(r[0])["ancestors"])[0])["id"] != "250001" || obj(obj(r[0])["space"])["key"] != "DOCS" {
		t.Errorf("DC title filter: %v", m)
	}
	dq.Set("spaceKey", "POL")
	if r := arr(h.json("GET", "/rest/api/content?"+dq.Encode(), "", 200)["results"]); len(r) != 0 {
		t.Errorf("DC filter ignores the space: %v", r)
	}
	if all := h.json("GET", "/rest/api/content?spaceKey=POL&limit=3", "", 200); len(arr(all["results"])) != 3 || obj(all["_links"])["next"] == nil {
		t.Errorf("DC space list: %v", all)
	}
	if v2, dc := h.childIDs("250001"); len(v2) != 1 || v2[0] != doc || len(dc) != 1 {
		t.Errorf("children of the DOCS home: %v %v", v2, dc)
	}
	h.json("GET", "/wiki/api/v2/pages/999999/children", "", 404)
}

func TestDocumentSpacesSeeded(t *testing.T) {
	h := start(t)
	for id, want := range map[string][2]string{"98306": {"DOCS", "250001"}, "98307": {"APOLLO", "260001"}} {
		m := h.json("GET", "/wiki/api/v2/spaces/"+id, "", 200)
		if m["key"] != want[0] || m["homepageId"] != want[1] {
			t.Errorf("space %s: %v", id, m)
		}
	}
	if p, ok := h.s.Page("250001"); !ok || p.AuthorID != "557058:bridge" || p.Title != "Controlled documents" {
		t.Errorf("DOCS home: %+v", p)
	}
	if sp := h.s.CreateSpace("NEW", "New"); sp.ID != "98308" {
		t.Errorf("next space id %s", sp.ID)
	}
}
