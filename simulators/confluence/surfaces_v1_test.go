package confluence_test

import (
	"net/url"
	"strings"
	"testing"
)

// The site search (GET /rest/api/search, which atlassian-python-api's cql()
// and confluence.js's search.searchByCQL call) answers the
// SearchPageResponseSearchResult shape: each result holds the content with
// a title, a plain-text excerpt, the web UI URL and the space as container;
// paging as content/search (a cursor on Cloud, start on DC); pages the
// caller may not read stay out.
func TestSiteSearch(t *testing.T) {
	h := start(t)
	p := h.s.CreatePage("POL", "Search policy", "<p>Records are kept</p><p>for seven years.</p>", "557058:alice", "search-me")
	for i := 0; i < 3; i++ {
		h.s.CreatePage("POL", "Search extra "+string(rune('A'+i)), "<p>extra</p>", "557058:alice", "search-me")
	}
	cql := `label = "search-me" order by created asc`
	m := h.json("GET", "/wiki/rest/api/search?limit=2&cql="+url.QueryEscape(cql), "", 200)
	if m["totalSize"] != 4.0 || m["size"] != 2.0 || m["cqlQuery"] != cql || m["start"] != 0.0 {
		t.Fatalf("envelope: %v", m)
	}
	r0 := obj(arr(m["results"])[0])
	c := obj(r0["content"])
	if c["id"] != p.ID || c["type"] != "page" || r0["title"] != "Search policy" || r0["entityType"] != "content" {
		t.Errorf("result: %v", r0)
	}
	if r0["excerpt"] != "Records are kept for seven years." {
		t.Errorf("excerpt = %q", r0["excerpt"])
	}
	if r0["url"] != obj(c["_links"])["webui"] || obj(r0["resultGlobalContainer"])["displayUrl"] != "/spaces/POL" {
		t.Errorf("url %v, container %v", r0["url"], r0["resultGlobalContainer"])
	}
	if _, ok := r0["lastModified"].(string); !ok || r0["breadcrumbs"] == nil {
		t.Errorf("lastModified / breadcrumbs: %v", r0)
	}
	next, _ := obj(m["_links"])["next"].(string)
	if !strings.HasPrefix(next, "/rest/api/search?") || !strings.Contains(next, "cursor=") {
		t.Fatalf("next = %q", next)
	}
	if m2 := h.json("GET", "/wiki"+next, "", 200); len(arr(m2["results"])) != 2 || obj(obj(arr(m2["results"])[0])["content"])["id"] == p.ID {
		t.Errorf("page 2: %v", m2["results"])
	}
	dc := h.json("GET", "/rest/api/search?limit=2&cql="+url.QueryEscape(cql), "", 200)
	if dn, _ := obj(dc["_links"])["next"].(string); !strings.Contains(dn, "start=2") || strings.Contains(dn, "cursor=") {
		t.Errorf("DC next = %q", dn)
	}
	h.json("GET", "/wiki/rest/api/search", "", 400)
	h.json("GET", "/wiki/rest/api/search?cql="+url.QueryEscape("label = ("), "", 400)

	// A page read-restricted to others is not found, nor its text.
	if err := h.s.SetRestriction(p.ID, "read", []string{"557058:bridge"}, nil); err != nil {
		t.Fatal(err)
	}
	if st, b := h.editor("GET", "/wiki/rest/api/search?cql="+url.QueryEscape(cql), ""); st != 200 || strings.Contains(string(b), p.ID) || strings.Contains(string(b), "seven years") {
		t.Errorf("editor sees the restricted page: %d %s", st, b)
	}
}

// GET /rest/api/content/{id}/history: latest, creator and creation date;
// lastUpdated (the current version, whose number clients add one to before
// an update), previousVersion and the contributors when expanded, listed in
// _expandable when not.
func TestContentHistory(t *testing.T) {
	h := start(t)
	p := h.s.CreatePage("POL", "History policy", "<p>1</p>", "557058:alice")
	for _, who := range []string{"557058:bob", "557058:alice"} {
		if _, err := h.s.UpdatePage(p.ID, p.Title, "<p>n</p>", who); err != nil {
			t.Fatal(err)
		}
	}
	m := h.json("GET", "/wiki/rest/api/content/"+p.ID+"/history", "", 200)
	if m["latest"] != true || obj(m["createdBy"])["accountId"] != "557058:alice" || m["createdDate"] == nil || m["lastUpdated"] != nil {
		t.Errorf("history: %v", m)
	}
	if _, ok := obj(m["_expandable"])["lastUpdated"]; !ok {
		t.Errorf("_expandable: %v", m["_expandable"])
	}
	m = h.json("GET", "/wiki/rest/api/content/"+p.ID+"/history?expand=lastUpdated,previousVersion,contributors.publishers", "", 200)
	if obj(m["lastUpdated"])["number"] != 3.0 || obj(obj(m["lastUpdated"])["by"])["accountId"] != "557058:alice" || obj(m["previousVersion"])["number"] != 2.0 {
		t.Errorf("expanded: %v", m)
	}
	pub := obj(obj(m["contributors"])["publishers"])
	if len(arr(pub["users"])) != 2 || len(arr(pub["userAccountIds"])) != 2 {
		t.Errorf("publishers: %v", pub)
	}
	if _, ok := obj(m["_expandable"])["lastUpdated"]; ok {
		t.Errorf("an expanded field is still in _expandable: %v", m["_expandable"])
	}
	if dc := h.json("GET", "/rest/api/content/"+p.ID+"/history?expand=lastUpdated", "", 200); obj(dc["lastUpdated"])["number"] != 3.0 {
		t.Errorf("DC: %v", dc)
	}
	h.json("GET", "/wiki/rest/api/content/999999/history", "", 404)
	if err := h.s.SetRestriction(p.ID, "read", []string{"557058:bridge"}, nil); err != nil {
		t.Fatal(err)
	}
	if st, _ := h.editor("GET", "/rest/api/content/"+p.ID+"/history", ""); st != 404 {
		t.Errorf("restricted page's history: %d", st)
	}
}

// A ContentRestrictionArray carries restrictionsHash (required by the
// spec): the same for the same restrictions, another when they change.
func TestRestrictionsHash(t *testing.T) {
	h := start(t)
	get := func() string {
		t.Helper()
		m := h.json("GET", "/wiki/rest/api/content/100001/restriction", "", 200)
		hash, _ := m["restrictionsHash"].(string)
		if len(hash) != 40 {
			t.Fatalf("restrictionsHash %q", m["restrictionsHash"])
		}
		return hash
	}
	open := get()
	if again := get(); again != open {
		t.Errorf("hash not stable: %s, %s", open, again)
	}
	m := h.json("PUT", "/wiki/rest/api/content/100001/restriction", `[{"operation":"update","restrictions":{"user":[{"accountId":"557058:bridge"}]}}]`, 200)
	if m["restrictionsHash"] == open || m["restrictionsHash"] != get() {
		t.Errorf("after PUT: %v (was %s)", m["restrictionsHash"], open)
	}
	h.json("DELETE", "/wiki/rest/api/content/100001/restriction", "", 200)
	if get() != open {
		t.Error("removing the restriction did not bring the first hash back")
	}
}

// v1 content carries _expandable as Confluence always sends it (what was
// left out, with links); spaces expand description.plain and homepage; a
// created page echoes its ancestors.
func TestV1ExpansionsAndCreateEcho(t *testing.T) {
	h := start(t)
	m := h.json("GET", "/wiki/rest/api/content/100001", "", 200)
	ex := obj(m["_expandable"])
	if ex["children"] != "/rest/api/content/100001/child" || ex["descendants"] == nil || ex["ancestors"] == nil {
		t.Errorf("_expandable: %v", ex)
	}
	for _, included := range []string{"space", "version", "history"} {
		if _, ok := ex[included]; ok {
			t.Errorf("_expandable lists %q, which is included", included)
		}
	}
	if ex := obj(h.json("GET", "/wiki/rest/api/content/100001?expand=ancestors,body.storage", "", 200)["_expandable"]); ex["ancestors"] != nil || ex["body"] != nil {
		t.Errorf("expanded fields still listed: %v", ex)
	}

	sp := h.json("GET", "/wiki/rest/api/space/ENG?expand=description.plain,homepage", "", 200)
	if d := obj(obj(sp["description"])["plain"]); d["representation"] != "plain" || d["value"] != "" {
		t.Errorf("description: %v", sp["description"])
	}
	v2 := h.json("GET", "/wiki/api/v2/spaces/98305", "", 200)
	if obj(sp["homepage"])["id"] != v2["homepageId"] || obj(sp["homepage"])["type"] != "page" {
		t.Errorf("homepage %v, v2 homepageId %v", sp["homepage"], v2["homepageId"])
	}
	if plain := h.json("GET", "/wiki/rest/api/space/ENG", "", 200); plain["homepage"] != nil || obj(plain["_expandable"])["homepage"] == nil {
		t.Errorf("unexpanded space: %v", plain)
	}
	list := h.json("GET", "/wiki/rest/api/space?spaceKey=ENG&expand=homepage", "", 200)
	if obj(obj(arr(list["results"])[0])["homepage"])["id"] != v2["homepageId"] {
		t.Errorf("space list: %v", list)
	}

	created := h.json("POST", "/wiki/rest/api/content", `{"type":"page","title":"Child of home","space":{"key":"ENG"},"ancestors":[{"id":"200001"}],"body":{"storage":{"value":"<p>x</p>","representation":"storage"}}}`, 200)
	anc := arr(created["ancestors"])
	if len(anc) != 1 || obj(anc[0])["id"] != "200001" {
		t.Errorf("ancestors echoed: %v", created["ancestors"])
	}
}

// v1 content expands restrictions.read.restrictions.user (and .group) on
// the page and, as ancestors.restrictions…, on each ancestor; a list or
// operation not asked for stays in _expandable.
func TestV1ContentExpandsRestrictions(t *testing.T) {
	h := start(t)
	child, err := h.s.CreateChildPage("100001", "Restricted child", "<p>c</p>", "557058:alice")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.s.SetRestriction("100001", "read", []string{"557058:bridge"}, []string{"legal"}); err != nil {
		t.Fatal(err)
	}
	m := h.json("GET", "/wiki/rest/api/content/"+child.ID+"?expand=ancestors,ancestors.restrictions.read.restrictions.user,"+
		"ancestors.restrictions.read.restrictions.group,restrictions.read.restrictions.user", "", 200)
	anc := arr(m["ancestors"])
	if len(anc) != 1 {
		t.Fatalf("ancestors: %v", m["ancestors"])
	}
	read := obj(obj(obj(anc[0])["restrictions"])["read"])
	lists := obj(read["restrictions"])
	users, groups := arr(obj(lists["user"])["results"]), arr(obj(lists["group"])["results"])
	if read["operation"] != "read" || len(users) != 1 || obj(users[0])["accountId"] != "557058:bridge" ||
		len(groups) != 1 || obj(groups[0])["name"] != "legal" {
		t.Errorf("ancestor's read restriction: %v", read)
	}
	own := obj(m["restrictions"])
	if _, ok := obj(own["_expandable"])["update"]; !ok || own["update"] != nil {
		t.Errorf("update was not asked for: %v", own)
	}
	ownLists := obj(obj(own["read"])["restrictions"])
	if len(arr(obj(ownLists["user"])["results"])) != 0 || ownLists["group"] != nil {
		t.Errorf("page's own read lists: %v", ownLists)
	}
	if _, ok := obj(ownLists["_expandable"])["group"]; !ok {
		t.Errorf("group was not asked for: %v", ownLists)
	}
	if ex := obj(m["_expandable"]); ex["restrictions"] != nil {
		t.Errorf("expanded restrictions still listed: %v", ex)
	}
}
