package confluence_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	sim "github.com/xecm-bridge/xecm-bridge/simulators/confluence"
)

const statePath = "/wiki/rest/api/content/100001/state"

// pageVersion reads the page through v2 and returns its version object
// and storage body.
func (h *harness) pageVersion(id string) (map[string]any, string) {
	h.t.Helper()
	m := h.json("GET", "/wiki/api/v2/pages/"+id+"?body-format=storage", "", 200)
	return obj(m["version"]), obj(obj(m["body"])["storage"])["value"].(string)
}

func TestContentStatesREST(t *testing.T) {
	h := start(t)
	rc := newReceiver(t)
	h.s.RegisterWebhook(rc.srv.URL, "", "page_updated")
	seed, _ := h.s.Page("100001")

	// No state yet: both fields are null.
	none := h.json("GET", statePath, "", 200)
	if v, ok := none["contentState"]; !ok || v != nil {
		t.Errorf("contentState = %#v, want null", v)
	}
	if v, ok := none["lastUpdated"]; !ok || v != nil {
		t.Errorf("lastUpdated = %#v, want null", v)
	}

	// Invalid requests are 400s and change nothing.
	for _, body := range []string{
		`{}`,
		`{"name":"A name that is too long","color":"#57d9a3"}`, // 23 characters
		`{"name":"Approved","color":"green"}`,
		`{"name":"","color":"#57d9a3"}`,
		`{"id":999}`,
		`{"id":"two"}`,
	} {
		if st, b := h.editor("PUT", statePath, body); st != 400 || !strings.Contains(string(b), `"statusCode":400`) {
			t.Errorf("PUT %s: %d %s", body, st, b)
		}
	}
	if st, _ := h.editor("PUT", statePath+"?status=bogus", `{"id":1}`); st != 400 {
		t.Errorf("status=bogus: %d", st)
	}
	if p, _ := h.s.Page("100001"); p.Version != 1 {
		t.Fatalf("invalid PUTs made version %d", p.Version)
	}

	// A custom state by name and color: a new version by the caller, same
	// title and body. No X-Atlassian-Token needed (a JSON write).
	st, b := h.editor("PUT", statePath+"?status=current", `{"name":"Approved","color":"#57D9A3"}`)
	if st != 200 {
		t.Fatalf("PUT custom: %d %s", st, b)
	}
	m := decode(t, b)
	cs := obj(m["contentState"])
	if !isNumber(cs["id"]) || cs["id"].(float64) < 10 || cs["name"] != "Approved" || cs["color"] != "#57d9a3" || !isString(m["lastUpdated"]) {
		t.Errorf("PUT answer = %v", m)
	}
	customID := cs["id"].(float64)
	v, body := h.pageVersion("100001")
	if v["number"] != 2.0 || v["authorId"] != "557058:editor" || body != seed.Body {
		t.Errorf("after PUT: version %v, body changed: %v", v, body != seed.Body)
	}
	p, _ := h.s.Page("100001")
	if p.Title != seed.Title || p.ContentState == nil || p.ContentState.Name != "Approved" || p.ModifiedAt.Format("2006-01-02T15:04:05.000Z") != m["lastUpdated"] {
		t.Errorf("snapshot = %+v (lastUpdated %v)", p, m["lastUpdated"])
	}
	got := h.json("GET", statePath, "", 200)
	if obj(got["contentState"])["name"] != "Approved" || got["lastUpdated"] != m["lastUpdated"] {
		t.Errorf("GET after PUT = %v", got)
	}
	if d := h.json("GET", statePath+"?status=draft", "", 200); obj(d["contentState"])["name"] != "Approved" {
		t.Errorf("draft follows the published state: %v", d)
	}

	// The same name and color again reuse the custom state; by id too.
	_, b = h.editor("PUT", statePath, `{"name":"Approved","color":"#57d9a3"}`)
	if obj(decode(t, b)["contentState"])["id"] != customID {
		t.Errorf("custom state not reused: %s", b)
	}
	// A space state by id, sent as a string (confluence.js) and as a number.
	for _, body := range []string{`{"id":"2"}`, `{"id":2,"name":"ignored","color":"#000000"}`} {
		st, b := h.editor("PUT", statePath, body)
		if cs := obj(decode(t, b)["contentState"]); st != 200 || cs["id"] != 2.0 || cs["name"] != "Ready for review" || cs["color"] != "#2684ff" {
			t.Errorf("PUT %s: %d %s", body, st, b)
		}
	}
	if p, _ := h.s.Page("100001"); p.Version != 5 {
		t.Errorf("version after four PUTs = %d, want 5", p.Version)
	}
	// Another user cannot use the editor's custom state by id.
	if st, _, b := h.do("PUT", statePath, strings.NewReader(`{"id":`+jsonNum(customID)+`}`)); st != 400 {
		t.Errorf("bridge using the editor's custom state: %d %s", st, b)
	}

	// The draft state changes without a version.
	h.json("PUT", statePath+"?status=draft", `{"id":0}`, 200)
	if d := h.json("GET", statePath+"?status=draft", "", 200); obj(d["contentState"])["name"] != "Rough draft" {
		t.Errorf("draft = %v", d)
	}
	if c := h.json("GET", statePath, "", 200); obj(c["contentState"])["name"] != "Ready for review" {
		t.Errorf("current after a draft change = %v", c)
	}
	if p, _ := h.s.Page("100001"); p.Version != 5 {
		t.Errorf("a draft state change made version %d", p.Version)
	}

	// Available states: the space's three and the caller's custom ones.
	av := h.json("GET", statePath+"/available", "", 200)
	if len(arr(av["spaceContentStates"])) != 3 || len(arr(av["customContentStates"])) != 0 {
		t.Errorf("available for the bridge = %v", av)
	}
	_, b = h.editor("GET", statePath+"/available", "")
	if av := decode(t, b); len(arr(av["customContentStates"])) != 1 || obj(arr(av["customContentStates"])[0])["name"] != "Approved" {
		t.Errorf("available for the editor = %s", b)
	}
	if _, b := h.editor("GET", "/wiki/rest/api/content-states", ""); !strings.Contains(string(b), `"name":"Approved"`) {
		t.Errorf("content-states = %s", b)
	}

	// Space endpoints.
	set := h.json("GET", "/wiki/rest/api/space/POL/state/settings", "", 200)
	if set["contentStatesAllowed"] != true || set["customContentStatesAllowed"] != true || set["spaceContentStatesAllowed"] != true ||
		len(arr(set["spaceContentStates"])) != 3 {
		t.Errorf("settings = %v", set)
	}
	if st, _, b := h.do("GET", "/wiki/rest/api/space/POL/state", nil); st != 200 || !strings.HasPrefix(string(b), "[") || !strings.Contains(string(b), `"name":"Rough draft"`) {
		t.Errorf("space states: %d %s", st, b)
	}
	h.json("GET", "/wiki/rest/api/space/NOPE/state/settings", "", 404)
	withState := h.json("GET", "/wiki/rest/api/space/POL/state/content?state-id=2", "", 200)
	if r := arr(withState["results"]); len(r) != 1 || obj(r[0])["id"] != "100001" {
		t.Errorf("state/content = %v", withState)
	}
	h.json("GET", "/wiki/rest/api/space/POL/state/content", "", 400)

	// DELETE removes the state with a new version; again, nothing happens.
	st, b = h.editor("DELETE", statePath, "")
	if m := decode(t, b); st != 200 || m["contentState"] != nil {
		t.Errorf("DELETE: %d %s", st, b)
	}
	v, body = h.pageVersion("100001")
	if v["number"] != 6.0 || v["authorId"] != "557058:editor" || body != seed.Body {
		t.Errorf("after DELETE: version %v", v)
	}
	if st, _ := h.editor("DELETE", statePath, ""); st != 200 {
		t.Errorf("second DELETE: %d", st)
	}
	if p, _ := h.s.Page("100001"); p.Version != 6 || p.ContentState != nil {
		t.Errorf("after the second DELETE: %+v", p)
	}

	// Every published change fired page_updated by the caller.
	h.s.FlushWebhooks()
	var updates int
	for _, r := range rc.all() {
		if m := decode(t, r.body); m["event"] == "page_updated" && m["userKey"] == "557058:editor" && obj(m["page"])["id"] == 100001.0 {
			updates++
		}
	}
	if updates != 5 {
		t.Errorf("page_updated deliveries = %d, want 5", updates)
	}
}

func TestContentStatesPermissionsAndDC(t *testing.T) {
	h := start(t)
	// Data Center has no content states.
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		var body string
		if m == "PUT" {
			body = `{"id":1}`
		}
		if st, b := h.editor(m, "/rest/api/content/100001/state", body); st != 404 {
			t.Errorf("DC %s: %d %s", m, st, b)
		}
	}
	if st, _ := h.editor("GET", "/rest/api/content/100001/state/available", ""); st != 404 {
		t.Errorf("DC available: %d", st)
	}
	if st, _ := h.editor("GET", "/rest/api/space/POL/state/settings", ""); st != 404 {
		t.Errorf("DC settings: %d", st)
	}
	// Unknown page, update restriction, trashed page.
	h.json("GET", "/wiki/rest/api/content/999999/state", "", 404)
	if err := h.s.SetRestriction("100002", "update", []string{"557058:bridge"}, nil); err != nil {
		t.Fatal(err)
	}
	if st, b := h.editor("PUT", "/wiki/rest/api/content/100002/state", `{"id":1}`); st != 403 {
		t.Errorf("restricted PUT: %d %s", st, b)
	}
	if st, _ := h.editor("GET", "/wiki/rest/api/content/100002/state", ""); st != 200 {
		t.Errorf("restricted GET: %d", st)
	}
	h.json("PUT", "/wiki/rest/api/content/100002/state", `{"id":1}`, 200)
	_ = h.s.TrashPage("100003")
	h.json("PUT", "/wiki/rest/api/content/100003/state", `{"id":1}`, 404)
}

func TestContentStatesGoAPI(t *testing.T) {
	h := start(t)
	v, err := h.s.SetContentState("100002", "Verified", "#57d9a3", "557058:carol")
	if err != nil || v != 2 {
		t.Fatalf("SetContentState = %d, %v", v, err)
	}
	p, _ := h.s.Page("100002")
	if p.ContentState == nil || p.ContentState.Name != "Verified" || p.ContentState.ID < 10 {
		t.Errorf("snapshot = %+v", p.ContentState)
	}
	ver, _ := h.pageVersion("100002")
	if ver["authorId"] != "557058:carol" {
		t.Errorf("author = %v", ver["authorId"])
	}
	if v, err := h.s.SetSpaceContentState("100002", 1, "557058:carol"); err != nil || v != 3 {
		t.Errorf("SetSpaceContentState = %d, %v", v, err)
	}
	if _, err := h.s.SetSpaceContentState("100002", 77, "557058:carol"); err == nil {
		t.Error("unknown state id accepted")
	}
	if _, err := h.s.SetContentState("100002", strings.Repeat("x", 21), "#57d9a3", "557058:carol"); err == nil {
		t.Error("21-character name accepted")
	}
	if _, err := h.s.SetContentState("100002", strings.Repeat("é", 20), "#57d9a3", "557058:carol"); err != nil {
		t.Errorf("20-character name refused: %v", err)
	}
	if _, err := h.s.SetContentState("404", "x", "#000000", "557058:carol"); !errors.Is(err, sim.ErrNotFound) {
		t.Errorf("unknown page: %v", err)
	}
	if v, err := h.s.RemoveContentState("100002", "557058:dave"); err != nil || v != 5 {
		t.Errorf("RemoveContentState = %d, %v", v, err)
	}
	if v, _ := h.s.RemoveContentState("100002", "557058:dave"); v != 5 {
		t.Errorf("removing no state made version %d", v)
	}

	// The state dump carries the state.
	_, _ = h.s.SetSpaceContentState("100001", 2, "557058:carol")
	resp, err := http.Get(h.srv.URL + "/__sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d sim.StateDump
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	if cs := d.Pages[0].ContentState; cs == nil || cs.ID != 2 || cs.Name != "Ready for review" {
		t.Errorf("dump state = %+v", cs)
	}
}
