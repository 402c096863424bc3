package confluence_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const (
	lenaID  = "557058:lena"
	oscarID = "557058:oscar"
)

func (h *harness) lena(method, path, body string) (int, []byte) {
	return h.doAs("lena@example.com", "lena-token", method, path, body)
}

func (h *harness) oscar(method, path, body string) (int, []byte) {
	return h.doAs("oscar@example.com", "oscar-token", method, path, body)
}

// bearer sends a GET with a DC personal access token.
func (h *harness) bearer(token, path string) int {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// legalTree hangs "Legal folder" (read-restricted to legal and the
// bridge) below 100001 and "Legal memo" (no restriction of its own, with a
// label, a property and an attachment) below it.
func legalTree(t *testing.T, h *harness) (folder, memo string) {
	t.Helper()
	f, err := h.s.CreateChildPage("100001", "Legal folder", "<p>folder</p>", "557058:alice")
	if err != nil {
		t.Fatal(err)
	}
	m, err := h.s.CreateChildPage(f.ID, "Legal memo", "<p>privileged memo</p>", "557058:alice")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.s.AddLabel(m.ID, "privileged"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.SetProperty(m.ID, "matter", "M-1"); err != nil {
		t.Fatal(err)
	}
	h.s.AddAttachment(m.ID, "memo.txt", "text/plain", []byte("memo"))
	if err := h.s.SetRestriction(f.ID, "read", []string{"bridge@example.com"}, []string{"legal"}); err != nil {
		t.Fatal(err)
	}
	return f.ID, m.ID
}

func TestInheritedReadRestriction(t *testing.T) {
	h := start(t)
	folder, memo := legalTree(t, h)
	att := h.s.Attachments(memo)[0]
	hidden := []string{
		"/wiki/api/v2/pages/" + memo,
		"/wiki/api/v2/pages/" + memo + "/labels",
		"/wiki/api/v2/pages/" + memo + "/properties",
		"/wiki/api/v2/pages/" + memo + "/attachments",
		"/wiki/api/v2/pages/" + memo + "/ancestors",
		"/wiki/api/v2/attachments/" + att.ID,
		"/wiki/rest/api/content/" + memo,
		"/wiki/rest/api/content/" + memo + "/label",
		"/wiki/rest/api/content/" + memo + "/property/matter",
		"/wiki/rest/api/content/" + memo + "/child/attachment",
		"/wiki/rest/api/content/" + memo + "/child/attachment/" + att.ID + "/download",
		"/wiki/download/attachments/" + memo + "/memo.txt",
		"/rest/api/content/" + memo,
		"/wiki/rest/api/content/" + folder,
	}
	for _, p := range hidden {
		if st, b := h.oscar("GET", p, ""); st != 404 {
			t.Errorf("oscar GET %s: %d %s", p, st, b)
		}
		if st, b := h.lena("GET", p, ""); st != 200 && st != 302 {
			t.Errorf("lena GET %s: %d %s", p, st, b)
		}
	}
	// DC: the token as a personal access token, checked the same way.
	if st := h.bearer("oscar-token", "/rest/api/content/"+memo); st != 404 {
		t.Errorf("oscar PAT: %d", st)
	}
	if st := h.bearer("lena-token", "/rest/api/content/"+memo); st != 200 {
		t.Errorf("lena PAT: %d", st)
	}
	// The bridge is listed on the folder and keeps its access.
	if st, _, _ := h.do("GET", "/wiki/api/v2/pages/"+memo, nil); st != 200 {
		t.Errorf("bridge: %d", st)
	}

	// Lists and search leave the hidden pages out.
	children := func(get func(string, string, string) (int, []byte), path string) []string {
		st, b := get("GET", path, "")
		if st != 200 {
			t.Fatalf("%s: %d %s", path, st, b)
		}
		var doc struct {
			Results []struct {
				ID string `json:"id"`
			} `json:"results"`
		}
		_ = json.Unmarshal(b, &doc)
		var ids []string
		for _, r := range doc.Results {
			ids = append(ids, r.ID)
		}
		return ids
	}
	has := func(ids []string, id string) bool {
		return strings.Contains(","+strings.Join(ids, ",")+",", ","+id+",")
	}
	for _, path := range []string{"/wiki/api/v2/pages/100001/children", "/wiki/rest/api/content/100001/child/page"} {
		if ids := children(h.oscar, path); has(ids, folder) {
			t.Errorf("oscar %s: %v", path, ids)
		}
		if ids := children(h.lena, path); !has(ids, folder) {
			t.Errorf("lena %s: %v", path, ids)
		}
	}
	cql := "/wiki/rest/api/content/search?cql=" + url.QueryEscape(`space = POL and title ~ "Legal"`)
	if ids := children(h.oscar, cql); len(ids) != 0 {
		t.Errorf("oscar search: %v", ids)
	}
	if ids := children(h.lena, cql); !has(ids, folder) || !has(ids, memo) {
		t.Errorf("lena search: %v", ids)
	}
	if ids := children(h.oscar, "/wiki/api/v2/pages?space-id=98304"); has(ids, memo) || has(ids, folder) || !has(ids, "100001") {
		t.Errorf("oscar v2 list: %v", ids)
	}

	// The restriction API shows the page's own restrictions only.
	own := func(id string) (users, groups int) {
		m := h.json("GET", "/wiki/rest/api/content/"+id+"/restriction/byOperation/read", "", 200)
		r := obj(m["restrictions"])
		return len(arr(obj(r["user"])["results"])), len(arr(obj(r["group"])["results"]))
	}
	if u, g := own(folder); u != 1 || g != 1 {
		t.Errorf("folder's own read restriction: %d users, %d groups", u, g)
	}
	if u, g := own(memo); u != 0 || g != 0 {
		t.Errorf("memo shows inherited restrictions: %d users, %d groups", u, g)
	}

	// Edit restrictions do not cascade.
	if err := h.s.SetRestriction(folder, "update", []string{"557058:bridge"}, nil); err != nil {
		t.Fatal(err)
	}
	if st, b := h.lena("POST", "/wiki/rest/api/content/"+memo+"/label", `[{"name":"reviewed"}]`); st != 200 {
		t.Errorf("lena labels the memo: %d %s", st, b)
	}
	if st, _ := h.lena("POST", "/wiki/rest/api/content/"+folder+"/label", `[{"name":"reviewed"}]`); st != 403 {
		t.Errorf("lena labels the folder: %d", st)
	}
}

func TestIncludedPageObeysInheritedRestriction(t *testing.T) {
	h := start(t)
	_, memo := legalTree(t, h)
	body := `<ac:structured-macro ac:name="include"><ac:parameter ac:name=""><ac:link><ri:page ri:content-title="Legal memo" /></ac:link></ac:parameter></ac:structured-macro>`
	host, err := h.s.CreateChildPage("100002", "Embeds the memo", body, "557058:alice")
	if err != nil {
		t.Fatal(err)
	}
	path := "/wiki/api/v2/pages/" + host.ID + "?body-format=export_view"
	if _, b := h.oscar("GET", path, ""); strings.Contains(string(b), "privileged memo") {
		t.Errorf("oscar sees the included memo: %s", b)
	}
	if _, b := h.lena("GET", path, ""); !strings.Contains(string(b), "privileged memo") {
		t.Errorf("lena does not see the included memo (%s): %s", memo, b)
	}
}

func TestUsersAndGroups(t *testing.T) {
	h := start(t)
	u := h.json("GET", "/wiki/rest/api/user?accountId="+url.QueryEscape(lenaID), "", 200)
	if u["accountId"] != lenaID || u["email"] != "lena@example.com" || u["displayName"] != "Lena Lawson" ||
		u["type"] != "known" || u["accountType"] != "atlassian" || !isString(u["publicName"]) {
		t.Errorf("user = %v", u)
	}
	// carol's profile hides her email on Cloud.
	if c := h.json("GET", "/wiki/rest/api/user?accountId=557058:carol", "", 200); c["email"] != "" || c["displayName"] != "Carol Cole" {
		t.Errorf("carol = %v", c)
	}
	if c := h.json("GET", "/rest/api/user?username=557058:carol", "", 200); c["email"] != "carol@example.com" {
		t.Errorf("DC carol = %v", c)
	}
	if st, _, _ := h.do("GET", "/wiki/rest/api/user?accountId=557058:nobody", nil); st != 404 {
		t.Errorf("unknown user: %d", st)
	}
	if st, b := h.lena("GET", "/wiki/rest/api/user/current", ""); st != 200 || !strings.Contains(string(b), `"accountId":"557058:lena"`) {
		t.Errorf("current: %d %s", st, b)
	}
	bulk := h.json("GET", "/wiki/rest/api/user/bulk?accountId="+lenaID+","+oscarID+",557058:nobody", "", 200)
	if res := arr(bulk["results"]); len(res) != 2 || obj(res[1])["accountId"] != oscarID || bulk["size"] != 2.0 {
		t.Errorf("bulk = %v", bulk)
	}

	legal, ok := h.s.GroupByName("legal")
	if !ok || len(legal.ID) != 36 || legal.Members[0] != lenaID {
		t.Fatalf("legal = %+v", legal)
	}
	groups := h.json("GET", "/wiki/rest/api/group?limit=2", "", 200)
	res := arr(groups["results"])
	if len(res) != 2 || obj(res[0])["name"] != "confluence-administrators" || obj(groups["_links"])["next"] == nil {
		t.Errorf("groups = %v", groups)
	}
	for _, p := range []string{"/wiki/rest/api/group/by-name?name=legal", "/wiki/rest/api/group/by-id?id=" + legal.ID, "/wiki/rest/api/group/legal"} {
		if g := h.json("GET", p, "", 200); g["id"] != legal.ID || g["name"] != "legal" || g["type"] != "group" {
			t.Errorf("%s = %v", p, g)
		}
	}
	if g := h.json("GET", "/rest/api/group/legal", "", 200); g["id"] != nil {
		t.Errorf("DC groups have no id: %v", g)
	}
	if st, _, _ := h.do("GET", "/wiki/rest/api/group/by-name?name=nope", nil); st != 404 {
		t.Errorf("unknown group: %d", st)
	}
	for _, p := range []string{"/wiki/rest/api/group/member?name=legal", "/wiki/rest/api/group/legal/member", "/wiki/rest/api/group/" + legal.ID + "/membersByGroupId"} {
		m := h.json("GET", p, "", 200)
		if r := arr(m["results"]); len(r) != 1 || obj(r[0])["accountId"] != lenaID {
			t.Errorf("%s = %v", p, m)
		}
	}
	mo := h.json("GET", "/wiki/rest/api/user/memberof?accountId="+lenaID, "", 200)
	if r := arr(mo["results"]); len(r) != 3 || obj(r[0])["name"] != "confluence-users" || obj(r[1])["name"] != "legal" || obj(r[2])["name"] != "pol-approvers" {
		t.Errorf("memberof = %v", mo)
	}

	// Restrictions take a group by id as well as by name and report both.
	put := `[{"operation":"read","restrictions":{"group":[{"type":"group","id":"` + legal.ID + `"}],"user":[{"type":"known","accountId":"557058:bridge"}]}}]`
	m := h.json("PUT", "/wiki/rest/api/content/100003/restriction", put, 200)
	g0 := obj(arr(obj(obj(obj(arr(m["results"])[0])["restrictions"])["group"])["results"])[0])
	if g0["name"] != "legal" || g0["id"] != legal.ID {
		t.Errorf("group in restriction = %v", g0)
	}
	if st, _, _ := h.do("GET", "/wiki/rest/api/content/100003/restriction/byOperation/read/byGroupId/"+legal.ID, nil); st != 200 {
		t.Errorf("byGroupId: %d", st)
	}
	if st, _ := h.oscar("GET", "/wiki/api/v2/pages/100003", ""); st != 404 {
		t.Errorf("oscar after group-id restriction: %d", st)
	}
	if st, _ := h.lena("GET", "/wiki/api/v2/pages/100003", ""); st != 200 {
		t.Errorf("lena after group-id restriction: %d", st)
	}
}

func TestSpaceReadPermission(t *testing.T) {
	h := start(t)
	m := h.json("GET", "/wiki/api/v2/spaces/98305/permissions", "", 200)
	users, _ := h.s.GroupByName("confluence-users")
	p0 := obj(arr(m["results"])[0])
	if obj(p0["principal"])["type"] != "group" || obj(p0["principal"])["id"] != users.ID ||
		obj(p0["operation"])["key"] != "read" || obj(p0["operation"])["targetType"] != "space" || !isString(p0["id"]) {
		t.Errorf("permissions = %v", m)
	}

	if err := h.s.SetSpaceReaders("ENG", []string{"bridge@example.com"}, []string{"legal"}); err != nil {
		t.Fatal(err)
	}
	m = h.json("GET", "/wiki/api/v2/spaces/98305/permissions?limit=1", "", 200)
	if len(arr(m["results"])) != 1 || obj(m["_links"])["next"] == nil {
		t.Errorf("paged permissions = %v", m)
	}
	for _, p := range []string{"/wiki/api/v2/pages/200001", "/wiki/api/v2/spaces/98305", "/wiki/api/v2/spaces/98305/pages",
		"/wiki/api/v2/spaces/98305/permissions", "/wiki/rest/api/space/ENG", "/wiki/rest/api/content/200001"} {
		if st, _ := h.oscar("GET", p, ""); st != 404 {
			t.Errorf("oscar %s: %d", p, st)
		}
		if st, _ := h.lena("GET", p, ""); st != 200 {
			t.Errorf("lena %s: %d", p, st)
		}
	}
	if _, b := h.oscar("GET", "/wiki/api/v2/spaces", ""); strings.Contains(string(b), `"key":"ENG"`) {
		t.Errorf("oscar lists ENG: %s", b)
	}
	if _, b := h.oscar("GET", "/wiki/rest/api/content/search?cql="+url.QueryEscape("space = ENG"), ""); strings.Contains(string(b), "200001") {
		t.Errorf("oscar finds ENG pages: %s", b)
	}
	if st, _, _ := h.do("GET", "/wiki/api/v2/pages/200001", nil); st != 200 {
		t.Errorf("bridge lost ENG: %d", st)
	}

	// The admin endpoint does the same over HTTP.
	req, _ := http.NewRequest("PUT", h.srv.URL+"/__sim/spaces/ENG/readers", strings.NewReader(`{"groups":["confluence-users"]}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("admin readers: %v %v", resp, err)
	}
	resp.Body.Close()
	if st, _ := h.oscar("GET", "/wiki/api/v2/pages/200001", ""); st != 200 {
		t.Errorf("oscar after reopening ENG: %d", st)
	}
}

func TestPermissionCheck(t *testing.T) {
	h := start(t)
	folder, memo := legalTree(t, h)
	legal, _ := h.s.GroupByName("legal")
	users, _ := h.s.GroupByName("confluence-users")
	if err := h.s.SetRestriction(folder, "update", []string{"557058:bridge"}, nil); err != nil {
		t.Fatal(err)
	}
	// A group check counts grants to the group itself, not to its members'
	// other groups: legal needs its own View space.
	if err := h.s.SetSpaceReaders("POL", nil, []string{"confluence-users", "legal"}); err != nil {
		t.Fatal(err)
	}
	check := func(page, typ, id, op string) (bool, string) {
		t.Helper()
		m := h.json("POST", "/wiki/rest/api/content/"+page+"/permission/check",
			`{"subject":{"type":"`+typ+`","identifier":"`+id+`"},"operation":"`+op+`"}`, 200)
		var msg string
		if e := arr(m["errors"]); len(e) > 0 {
			msg, _ = obj(e[0])["translation"].(string)
		}
		has, _ := m["hasPermission"].(bool)
		return has, msg
	}
	for _, tc := range []struct {
		page, typ, id, op string
		want              bool
	}{
		{memo, "user", lenaID, "read", true},
		{memo, "user", oscarID, "read", false},
		{memo, "user", lenaID, "update", true}, // the folder's edit restriction is not inherited
		{folder, "user", lenaID, "update", false},
		{memo, "group", legal.ID, "read", true},
		{memo, "group", "legal", "read", true},
		{memo, "group", users.ID, "read", false},
		{"100001", "group", users.ID, "read", true},
		{"100001", "user", "anonymous", "read", false},
	} {
		has, msg := check(tc.page, tc.typ, tc.id, tc.op)
		if has != tc.want || (!has && msg == "") {
			t.Errorf("%s %s %s on %s: %v %q", tc.typ, tc.id, tc.op, tc.page, has, msg)
		}
	}
	if _, msg := check(memo, "user", oscarID, "read"); msg != "User does not have permission to the content" {
		t.Errorf("message = %q", msg)
	}

	body := `{"subject":{"type":"user","identifier":"` + lenaID + `"},"operation":"read"}`
	if st, b := h.lena("POST", "/wiki/rest/api/content/"+memo+"/permission/check", body); st != 200 || !strings.Contains(string(b), `"hasPermission":true`) {
		t.Errorf("lena checks herself: %d %s", st, b)
	}
	if st, _ := h.oscar("POST", "/wiki/rest/api/content/100002/permission/check", body); st != 403 && st != 404 {
		t.Errorf("oscar checks lena: %d", st)
	}
	if st, _ := h.editor("POST", "/wiki/rest/api/content/100002/permission/check", body); st != 403 {
		t.Errorf("editor checks lena: %d", st)
	}
	self := `{"subject":{"type":"user","identifier":"` + oscarID + `"},"operation":"read"}`
	if st, _ := h.oscar("POST", "/wiki/rest/api/content/"+memo+"/permission/check", self); st != 404 {
		t.Errorf("oscar on a page he cannot see: %d", st)
	}
	if err := h.s.SetSpaceReaders("POL", []string{"bridge@example.com", "lena@example.com"}, nil); err != nil {
		t.Fatal(err)
	}
	if has, msg := check("100001", "user", oscarID, "read"); has || msg != "User does not have permission to the space" {
		t.Errorf("space denial: %v %q", has, msg)
	}
	if has, msg := check("100001", "group", legal.ID, "read"); has || msg != "Group does not have permission to the space" {
		t.Errorf("group space denial: %v %q", has, msg)
	}
	for _, bad := range []string{`{"subject":{"type":"user","identifier":"x"},"operation":"read"}`,
		`{"subject":{"type":"robot","identifier":"x"},"operation":"read"}`, `{"subject":{"type":"user","identifier":"557058:lena"},"operation":"fly"}`} {
		if st, _, b := h.do("POST", "/wiki/rest/api/content/100002/permission/check", strings.NewReader(bad)); st != 400 {
			t.Errorf("%s: %d %s", bad, st, b)
		}
	}
}

func TestAdminPrincipals(t *testing.T) {
	h := start(t)
	post := func(path, body string) []byte {
		t.Helper()
		resp, err := http.Post(h.srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", path, resp, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}
	post("/__sim/users", `{"email":"paula@example.com","token":"paula-token","displayName":"Paula P"}`)
	g := post("/__sim/groups", `{"name":"finance","members":["paula@example.com"]}`)
	if !strings.Contains(string(g), `"members":["557058:paula"]`) {
		t.Errorf("group = %s", g)
	}
	if st, b := h.doAs("paula@example.com", "paula-token", "GET", "/wiki/rest/api/user/memberof?accountId=557058:paula", ""); st != 200 ||
		!strings.Contains(string(b), `"name":"finance"`) || !strings.Contains(string(b), `"name":"confluence-users"`) {
		t.Errorf("paula's groups: %d %s", st, b)
	}
	resp, err := http.Post(h.srv.URL+"/__sim/users", "application/json", strings.NewReader(`{"email":"paula@example.com"}`))
	if err != nil || resp.StatusCode != 409 {
		t.Errorf("duplicate user: %v %v", resp, err)
	}
	resp.Body.Close()
}
