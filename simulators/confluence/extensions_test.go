package confluence_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sim "github.com/xecm-bridge/xecm-bridge/simulators/confluence"
)

// doAs sends a request as the given Basic user and returns status and body.
func (h *harness) doAs(email, token, method, path, body string) (int, []byte) {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	req.SetBasicAuth(email, token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := noRedirect.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (h *harness) editor(method, path, body string) (int, []byte) {
	return h.doAs("editor@example.com", "editor-token", method, path, body)
}

// receiver records webhook requests.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []received
	status int
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{status: 200}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{header: r.Header.Clone(), body: b})
		st := rc.status
		rc.mu.Unlock()
		w.WriteHeader(st)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON: %s", b)
	}
	return m
}

// validSig checks X-Hub-Signature independently of the simulator's code.
func validSig(secret string, r received) bool {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(r.body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	return hmac.Equal([]byte(r.header.Get("X-Hub-Signature")), []byte(want))
}

func TestWebhooks(t *testing.T) {
	h := start(t)
	signed, plain := newReceiver(t), newReceiver(t)
	h.s.RegisterWebhook(signed.srv.URL, "s3cr3t", "page_updated", "label_added")
	h.s.RegisterWebhook(plain.srv.URL, "", "comment_created")

	h.json("PUT", "/wiki/api/v2/pages/100002", `{"id":"100002","status":"current","title":"Travel Policy","body":{"representation":"storage","value":"<p>v2</p>"},"version":{"number":2}}`, 200)
	if st, b := h.editor("POST", "/wiki/rest/api/content/100002/label", `[{"prefix":"global","name":"approved"}]`); st != 200 {
		t.Fatalf("label: %d %s", st, b)
	}
	h.json("POST", "/wiki/api/v2/footer-comments", `{"pageId":"100002","body":{"representation":"storage","value":"<p>ok</p>"}}`, 201)
	h.json("POST", "/wiki/api/v2/pages", `{"spaceId":"98305","title":"Not subscribed"}`, 200) // page_created: nobody listens
	h.s.FlushWebhooks()

	got := signed.all()
	if len(got) != 2 {
		t.Fatalf("signed receiver got %d requests", len(got))
	}
	events := map[string]map[string]any{}
	ids := map[string]bool{}
	for _, r := range got {
		if !validSig("s3cr3t", r) {
			t.Errorf("bad signature %q for %s", r.header.Get("X-Hub-Signature"), r.body)
		}
		if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Errorf("Content-Type = %q", r.header.Get("Content-Type"))
		}
		id := r.header.Get("X-Atlassian-Webhook-Identifier")
		if id == "" || ids[id] {
			t.Errorf("delivery id %q missing or reused", id)
		}
		ids[id] = true
		m := decode(t, r.body)
		events[m["event"].(string)] = m
	}
	pu := events["page_updated"]
	if pu == nil || pu["userKey"] != "557058:bridge" || obj(pu["page"])["id"] != 100002.0 || pu["updateTrigger"] != "edit_page" || !isNumber(pu["timestamp"]) {
		t.Errorf("page_updated = %v", pu)
	}
	la := events["label_added"]
	if la == nil || la["userKey"] != "557058:editor" || obj(la["label"])["name"] != "approved" || obj(la["label"])["prefix"] != "global" ||
		obj(la["labelled"])["id"] != 100002.0 || obj(la["labelled"])["type"] != "page" {
		t.Errorf("label_added = %v", la)
	}
	pl := plain.all()
	if len(pl) != 1 || pl[0].header.Get("X-Hub-Signature") != "" {
		t.Fatalf("plain receiver got %d requests (%v)", len(pl), pl)
	}
	if m := decode(t, pl[0].body); m["event"] != "comment_created" || obj(m["page"])["id"] != 100002.0 || !isNumber(obj(m["comment"])["id"]) {
		t.Errorf("comment_created = %v", m)
	}
	ds := h.s.Deliveries()
	if len(ds) != 3 {
		t.Fatalf("deliveries = %+v", ds)
	}
	for _, d := range ds {
		if d.StatusCode != 200 || d.Error != "" || d.Dropped || d.Attempt != 1 || d.ID == "" {
			t.Errorf("delivery = %+v", d)
		}
	}

	// A redelivery is byte-identical, with the same delivery id.
	var first sim.Delivery
	for _, d := range ds {
		if d.URL == signed.srv.URL && d.Event == "page_updated" {
			first = d
		}
	}
	if err := h.s.Redeliver(first.ID); err != nil {
		t.Fatal(err)
	}
	got = signed.all()
	if len(got) != 3 {
		t.Fatalf("after redelivery: %d requests", len(got))
	}
	again := got[2]
	if string(again.body) != string(first.Body) || again.header.Get("X-Atlassian-Webhook-Identifier") != first.ID || !validSig("s3cr3t", again) {
		t.Errorf("redelivery differs: %s %v", again.body, again.header)
	}
	if err := h.s.Redeliver("no-such-delivery"); err == nil {
		t.Error("redelivering an unknown id succeeded")
	}

	// Paused: nothing arrives; the dropped delivery can be sent later.
	h.s.SetWebhooksPaused(true)
	if err := h.s.AddLabel("100001", "frozen"); err != nil {
		t.Fatal(err)
	}
	h.s.FlushWebhooks()
	if n := len(signed.all()); n != 3 {
		t.Errorf("paused webhook delivered (%d requests)", n)
	}
	ds = h.s.Deliveries()
	last := ds[len(ds)-1]
	if !last.Dropped || last.Event != "label_added" || last.StatusCode != 0 {
		t.Errorf("dropped delivery = %+v", last)
	}
	h.s.SetWebhooksPaused(false)
	if err := h.s.Redeliver(last.ID); err != nil {
		t.Fatal(err)
	}
	if got := signed.all(); len(got) != 4 || decode(t, got[3].body)["userKey"] != "557058:admin" {
		t.Errorf("late delivery: %d requests", len(got))
	}

	// A failing receiver is not retried by default, and Redeliver reports it.
	signed.mu.Lock()
	signed.status = 500
	signed.mu.Unlock()
	h.json("PUT", "/wiki/api/v2/pages/100002", `{"id":"100002","status":"current","title":"Travel Policy","version":{"number":3}}`, 200)
	h.s.FlushWebhooks()
	ds = h.s.Deliveries()
	if d := ds[len(ds)-1]; d.StatusCode != 500 || d.Error == "" || len(signed.all()) != 5 {
		t.Errorf("failed delivery = %+v (%d requests)", d, len(signed.all()))
	}
	if err := h.s.Redeliver(ds[len(ds)-1].ID); err == nil {
		t.Error("Redeliver to a failing receiver reported success")
	}
}

func TestWebhookRetryOption(t *testing.T) {
	s := sim.New(sim.Options{Seed: true, WebhookRetries: 2, WebhookRetryDelay: time.Millisecond})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	rc := newReceiver(t)
	rc.status = 503
	s.RegisterWebhook(rc.srv.URL, "", "label_removed")
	if err := s.RemoveLabel("100001", "approved"); err != nil {
		t.Fatal(err)
	}
	s.FlushWebhooks()
	got := rc.all()
	if len(got) != 3 {
		t.Fatalf("got %d attempts, want 3", len(got))
	}
	id := got[0].header.Get("X-Atlassian-Webhook-Identifier")
	for _, r := range got {
		if r.header.Get("X-Atlassian-Webhook-Identifier") != id || string(r.body) != string(got[0].body) {
			t.Error("a retry differs from the first attempt")
		}
	}
	if ds := s.Deliveries(); len(ds) != 3 || ds[2].Attempt != 3 {
		t.Errorf("deliveries = %+v", ds)
	}
}

func TestWebhookREST(t *testing.T) {
	h := start(t)
	rc := newReceiver(t)
	for _, prefix := range []string{"/rest/api", "/wiki/rest/api"} {
		h.json("POST", prefix+"/webhooks", `{"name":"x","url":"ftp://nope","events":["page_updated"]}`, 400)
		h.json("POST", prefix+"/webhooks", `{"name":"x","url":"http://a.example","events":["no_such_event"]}`, 400)
		h.json("POST", prefix+"/webhooks", `{"name":"x","url":"http://a.example","events":[]}`, 400)
	}
	created := h.json("POST", "/rest/api/webhooks",
		`{"name":"OT integration","url":"`+rc.srv.URL+`","events":["page_created","page_trashed"],"configuration":{"secret":"k"},"active":true}`, 201)
	if !isNumber(created["id"]) || created["name"] != "OT integration" || obj(created["configuration"])["secret"] != nil {
		t.Errorf("created = %v", created)
	}
	inactive := h.json("POST", "/wiki/rest/api/webhooks", `{"name":"off","url":"`+rc.srv.URL+`","events":["page_created"],"active":false}`, 201)
	list := h.json("GET", "/rest/api/webhooks", "", 200)
	if len(arr(list["results"])) != 2 {
		t.Errorf("list = %v", list)
	}
	id := jsonNum(created["id"])
	if g := h.json("GET", "/rest/api/webhooks/"+id, "", 200); g["url"] != rc.srv.URL {
		t.Errorf("get = %v", g)
	}
	h.json("POST", "/wiki/api/v2/pages", `{"spaceId":"98305","title":"Hooked"}`, 200)
	h.s.FlushWebhooks()
	got := rc.all()
	if len(got) != 1 || !validSig("k", got[0]) || decode(t, got[0].body)["event"] != "page_created" {
		t.Fatalf("got %d deliveries", len(got))
	}
	h.json("GET", "/rest/api/webhooks/"+jsonNum(inactive["id"]), "", 200)
	if st, _, _ := h.do("DELETE", "/rest/api/webhooks/"+id, nil); st != 204 {
		t.Errorf("delete: %d", st)
	}
	h.json("GET", "/rest/api/webhooks/"+id, "", 404)
	h.json("POST", "/wiki/api/v2/pages", `{"spaceId":"98305","title":"Unhooked"}`, 200)
	h.s.FlushWebhooks()
	if n := len(rc.all()); n != 1 {
		t.Errorf("a deleted webhook delivered (%d)", n)
	}
}

// jsonNum formats a decoded JSON integer (a float64) as a path segment.
func jsonNum(v any) string {
	f, _ := v.(float64)
	return strconv.FormatInt(int64(f), 10)
}

func TestAutomationWebhook(t *testing.T) {
	h := start(t)
	rc := newReceiver(t)
	h.s.RegisterAutomationWebhook(rc.srv.URL, "shared", "label_added")
	if st, b := h.editor("POST", "/rest/api/content/100001/label", `{"prefix":"global","name":"ready"}`); st != 200 {
		t.Fatalf("label: %d %s", st, b)
	}
	h.s.FlushWebhooks()
	got := rc.all()
	if len(got) != 1 {
		t.Fatalf("got %d", len(got))
	}
	r := got[0]
	if r.header.Get("X-Automation-Secret") != "shared" || r.header.Get("X-Hub-Signature") != "" || r.header.Get("X-Atlassian-Webhook-Identifier") == "" {
		t.Errorf("headers = %v", r.header)
	}
	m := decode(t, r.body)
	p := obj(m["page"])
	if m["event"] != "label_added" || m["label"] != "ready" || m["userAccountId"] != "557058:editor" ||
		p["id"] != "100001" || p["spaceKey"] != "POL" || p["version"] != 1.0 || p["title"] != "Records Retention Policy" {
		t.Errorf("automation body = %s", r.body)
	}
}

func TestRestrictionsREST(t *testing.T) {
	h := start(t)
	for _, prefix := range []string{"/wiki/rest/api", "/rest/api", "/rest/experimental"} {
		m := h.json("GET", prefix+"/content/100001/restriction?expand=restrictions.user,restrictions.group", "", 200)
		res := arr(m["results"])
		if len(res) != 2 || obj(res[0])["operation"] != "read" || obj(res[1])["operation"] != "update" {
			t.Errorf("%s: %v", prefix, m)
		}
	}
	put := `[{"operation":"update","restrictions":{"user":[{"type":"known","accountId":"557058:bridge"}],"group":[{"type":"group","name":"records-admins"}]}}]`
	m := h.json("PUT", "/wiki/rest/api/content/100001/restriction", put, 200)
	upd := obj(obj(arr(m["results"])[1])["restrictions"])
	u0 := obj(arr(obj(upd["user"])["results"])[0])
	g0 := obj(arr(obj(upd["group"])["results"])[0])
	if u0["accountId"] != "557058:bridge" || u0["type"] != "known" || g0["name"] != "records-admins" {
		t.Errorf("after PUT: %v", m)
	}
	if op := h.json("GET", "/wiki/rest/api/content/100001/restriction/byOperation/update", "", 200); op["operation"] != "update" {
		t.Errorf("byOperation = %v", op)
	}
	if st, _, _ := h.do("GET", "/wiki/rest/api/content/100001/restriction/byOperation/update/user?accountId=557058:bridge", nil); st != 200 {
		t.Errorf("member check: %d", st)
	}
	if st, _, _ := h.do("GET", "/wiki/rest/api/content/100001/restriction/byOperation/update/user?accountId=557058:editor", nil); st != 404 {
		t.Errorf("non-member check: %d", st)
	}

	// The editor is shut out of every write, with the surface's error body.
	if st, b := h.editor("PUT", "/wiki/api/v2/pages/100001", `{"id":"100001","status":"current","title":"X","version":{"number":2}}`); st != 403 || !strings.Contains(string(b), `"code":"FORBIDDEN"`) {
		t.Errorf("v2 PUT: %d %s", st, b)
	}
	if st, b := h.editor("POST", "/rest/api/content/100001/label", `[{"name":"x"}]`); st != 403 || !strings.Contains(string(b), `"statusCode":403`) {
		t.Errorf("v1 label: %d %s", st, b)
	}
	body, ctype := multipartBody(t, "x.txt", "text/plain", []byte("x"))
	req, _ := http.NewRequest("POST", h.srv.URL+"/wiki/rest/api/content/100001/child/attachment", body)
	req.SetBasicAuth("editor@example.com", "editor-token")
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("X-Atlassian-Token", "no-check")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("upload: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if st, _ := h.editor("PUT", "/wiki/rest/api/content/100001/restriction", `[]`); st != 403 {
		t.Errorf("editor lifting the restriction: %d", st)
	}
	if st, _ := h.editor("DELETE", "/wiki/api/v2/pages/100001", ""); st != 403 {
		t.Errorf("editor trashing: %d", st)
	}
	// Comments are not edits.
	if st, b := h.editor("POST", "/wiki/api/v2/footer-comments", `{"pageId":"100001","body":{"representation":"storage","value":"<p>hi</p>"}}`); st != 201 {
		t.Errorf("editor comment: %d %s", st, b)
	}

	// POST adds, DELETE clears.
	h.json("POST", "/rest/api/content/100001/restriction", `{"results":[{"operation":"update","restrictions":{"user":{"results":[{"username":"editor"}]}}}]}`, 200)
	if r, _ := h.s.Restrictions("100001"); strings.Join(r.UpdateUsers, ",") != "557058:bridge,557058:editor" {
		t.Errorf("after POST: %+v", r)
	}
	if st, b := h.editor("POST", "/rest/api/content/100001/label", `[{"name":"x"}]`); st != 200 {
		t.Errorf("listed editor: %d %s", st, b)
	}
	h.json("DELETE", "/rest/api/content/100001/restriction", "", 200)
	if r, _ := h.s.Restrictions("100001"); len(r.UpdateUsers)+len(r.UpdateGroups) != 0 {
		t.Errorf("after DELETE: %+v", r)
	}
	h.json("PUT", "/rest/api/content/100001/restriction", `[{"operation":"delete","restrictions":{}}]`, 400)

	// A read restriction hides the page from everyone else.
	h.json("PUT", "/rest/api/content/100001/restriction", `[{"operation":"read","restrictions":{"user":[{"accountId":"557058:bridge"}]}}]`, 200)
	for _, path := range []string{"/wiki/api/v2/pages/100001", "/rest/api/content/100001", "/wiki/api/v2/pages/100001/labels"} {
		if st, _ := h.editor("GET", path, ""); st != 404 {
			t.Errorf("editor GET %s: %d", path, st)
		}
	}
	if st, b := h.editor("GET", "/rest/api/content/search?cql="+url.QueryEscape("space = POL"), ""); st != 200 || strings.Contains(string(b), `"id":"100001"`) {
		t.Errorf("search shows a hidden page: %s", b)
	}
	h.json("GET", "/wiki/api/v2/pages/100001", "", 200)
}

func TestCommentsREST(t *testing.T) {
	h := start(t)
	st, hdr, b := h.do("POST", "/wiki/api/v2/footer-comments", strings.NewReader(`{"pageId":"100001","body":{"storage":{"representation":"storage","value":"<p>Nested <em>form</em></p>"}}}`))
	if st != 201 {
		t.Fatalf("create: %d %s", st, b)
	}
	c := decode(t, b)
	if !isString(c["id"]) || c["pageId"] != "100001" || c["status"] != "current" || obj(c["version"])["number"] != 1.0 ||
		obj(c["version"])["authorId"] != "557058:bridge" || !strings.HasSuffix(hdr.Get("Location"), "/wiki/api/v2/footer-comments/"+c["id"].(string)) {
		t.Errorf("comment = %v (%v)", c, hdr)
	}
	one := h.json("GET", "/wiki/api/v2/footer-comments/"+c["id"].(string)+"?body-format=storage", "", 200)
	if obj(obj(one["body"])["storage"])["value"] != "<p>Nested <em>form</em></p>" {
		t.Errorf("get = %v", one)
	}
	h.json("POST", "/wiki/api/v2/footer-comments", `{"pageId":"999999","body":{"representation":"storage","value":"<p/>x"}}`, 404)
	h.json("POST", "/wiki/api/v2/footer-comments", `{"pageId":"100001"}`, 400)
	dc := h.json("POST", "/rest/api/content", `{"type":"comment","container":{"id":100001,"type":"page"},"body":{"storage":{"value":"<p>from DC</p>","representation":"storage"}}}`, 200)
	if dc["type"] != "comment" || obj(dc["container"])["id"] != "100001" {
		t.Errorf("DC comment = %v", dc)
	}
	for i := 0; i < 25; i++ {
		_, _ = h.s.AddComment("100001", "<p>more</p>", "557058:carol")
	}
	l := h.json("GET", "/wiki/api/v2/pages/100001/footer-comments?body-format=storage", "", 200)
	if len(arr(l["results"])) != 25 || obj(l["_links"])["next"] == nil {
		t.Errorf("v2 list page 1: %d results", len(arr(l["results"])))
	}
	v1 := h.json("GET", "/rest/api/content/100001/child/comment?expand=body.storage&limit=50", "", 200)
	if r := arr(v1["results"]); len(r) != 27 || obj(obj(obj(r[1])["body"])["storage"])["value"] != "<p>from DC</p>" {
		t.Errorf("v1 list = %d", len(r))
	}
	if p, _ := h.s.Page("100001"); p.Version != 1 {
		t.Errorf("comments bumped the version to %d", p.Version)
	}
	if cs := h.s.Comments("100001"); len(cs) != 27 || cs[0].Body != "Nested form" {
		t.Errorf("Comments = %+v", cs[0])
	}
	page := h.json("POST", "/rest/api/content", `{"type":"page","title":"DC page","space":{"key":"ENG"},"ancestors":[{"id":"200001"}],"body":{"storage":{"value":"<p>x</p>","representation":"storage"}}}`, 200)
	if p, ok := h.s.Page(page["id"].(string)); !ok || p.ParentID != "200001" || p.SpaceKey != "ENG" {
		t.Errorf("DC page = %+v", p)
	}
}

func TestCQLSearch(t *testing.T) {
	h := start(t)
	at := time.Date(2027, 3, 1, 8, 0, 0, 0, time.UTC)
	h.s.SetClock(func() time.Time { return at })
	for i := 0; i < 30; i++ {
		h.s.CreatePage("BULK", "Bulk policy "+string(rune('A'+i%26))+string(rune('a'+i/26)), "<p/>", "557058:alice", "bulk")
	}
	search := func(cql string, want int, extra ...string) map[string]any {
		t.Helper()
		q := "cql=" + url.QueryEscape(cql)
		for _, e := range extra {
			q += "&" + e
		}
		return h.json("GET", "/wiki/rest/api/content/search?"+q, "", want)
	}
	m := search(`space = BULK and type = page order by lastmodified desc`, 200, "limit=20", "expand=version,space,metadata.labels")
	if m["totalSize"] != 30.0 || m["size"] != 20.0 || len(arr(m["results"])) != 20 {
		t.Errorf("paging: %v %v", m["totalSize"], m["size"])
	}
	next, _ := obj(m["_links"])["next"].(string)
	if !strings.HasPrefix(next, "/rest/api/content/search?") || !strings.Contains(next, "start=20") {
		t.Errorf("next = %q", next)
	}
	r0 := obj(arr(m["results"])[0])
	if r0["type"] != "page" || obj(r0["space"])["key"] != "BULK" || obj(r0["version"])["when"] != "2027-03-01T08:00:00.000Z" ||
		obj(arr(obj(obj(r0["metadata"])["labels"])["results"])[0])["name"] != "bulk" {
		t.Errorf("result = %v", r0)
	}
	m2 := h.json("GET", "/wiki"+next, "", 200)
	if len(arr(m2["results"])) != 10 || obj(m2["_links"])["next"] != nil {
		t.Errorf("page 2: %d", len(arr(m2["results"])))
	}
	// Cloud pages this endpoint by cursor (the spec has no start): the
	// cursor from next alone reaches page 2, and prev carries one too.
	nu, _ := url.Parse(next)
	cur := nu.Query().Get("cursor")
	if cur == "" || nu.Query().Get("next") != "true" {
		t.Errorf("Cloud next has no cursor: %q", next)
	}
	m3 := search(`space = BULK and type = page order by lastmodified desc`, 200, "limit=20", "cursor="+url.QueryEscape(cur))
	if m3["start"] != 20.0 || len(arr(m3["results"])) != 10 || obj(arr(m3["results"])[0])["id"] != obj(arr(m2["results"])[0])["id"] {
		t.Errorf("cursor page: start %v, %d results", m3["start"], len(arr(m3["results"])))
	}
	if prev, _ := obj(m3["_links"])["prev"].(string); !strings.Contains(prev, "cursor=") || !strings.Contains(prev, "prev=true") {
		t.Errorf("Cloud prev = %q", prev)
	}
	search(`space = BULK`, 400, "cursor=garbage")
	// DC has no cursors: its links page by start only.
	dc := h.json("GET", "/rest/api/content/search?limit=20&cql="+url.QueryEscape(`space = BULK`), "", 200)
	if dn, _ := obj(dc["_links"])["next"].(string); !strings.Contains(dn, "start=20") || strings.Contains(dn, "cursor=") {
		t.Errorf("DC next = %q", dn)
	}

	if m := search(`space = "POL" and label = "dept-legal"`, 200); m["totalSize"] != 2.0 {
		t.Errorf("label =: %v", m["totalSize"])
	}
	if m := search(`label in ("draft", "meeting-notes") and type = page`, 200); m["totalSize"] != 3.0 {
		t.Errorf("label in: %v", m["totalSize"])
	}
	if m := search(`title ~ "retention"`, 200); m["totalSize"] != 1.0 || obj(arr(m["results"])[0])["id"] != "100001" {
		t.Errorf("title ~: %v", m)
	}
	// Seed pages were last modified on 2026-11-02 between 09:30 and 12:30.
	if m := search(`space = POL and lastmodified >= "2026-11-02 10:30" and lastmodified < "2026-11-02 11:31"`, 200); m["totalSize"] != 2.0 {
		t.Errorf("date range: %v", m["totalSize"])
	}
	if m := search(`lastmodified > now("-5m")`, 200); m["totalSize"] != 30.0 {
		t.Errorf("now(): %v", m["totalSize"])
	}
	if m := search(`lastmodified = "2026-11-02"`, 200); m["totalSize"] != 5.0 {
		t.Errorf("day equality: %v", m["totalSize"])
	}
	if m := search(`space = POL and (label = approved and type = page)`, 200); m["totalSize"] != 1.0 {
		t.Errorf("parens: %v", m["totalSize"])
	}

	for cql, problem := range map[string]string{
		`space = POL or space = ENG`:               "OR",
		`creator = bob`:                            "unsupported field",
		`space = POL and`:                          "end of the query",
		`lastmodified >= "yesterday"`:              "invalid date",
		`title = "unterminated`:                    "unterminated",
		`space ~ POL`:                              "not supported for field",
		`space = POL order by creator`:             "cannot order by",
		`lastmodified > startOfDay()`:              "only now()",
		`label in ("a" "b")`:                       "expected ',' or ')'",
		`not label = x`:                            "NOT",
		`space = POL) and type = page`:             "unbalanced",
		`space = POL order lastmodified`:           "'by'",
		`type = page and lastmodified >= now("x")`: "offset",
	} {
		e := search(cql, 400)
		if e["statusCode"] != 400.0 || !strings.Contains(e["message"].(string), problem) {
			t.Errorf("%s: %v", cql, e["message"])
		}
	}
	h.json("GET", "/rest/api/content/search", "", 400)

	// Trash: gone from reads, lists and search; visible with status=trashed.
	if st, _, b := h.do("DELETE", "/wiki/api/v2/pages/100002", nil); st != 204 {
		t.Fatalf("trash: %d %s", st, b)
	}
	h.json("GET", "/wiki/api/v2/pages/100002", "", 404)
	h.json("GET", "/rest/api/content/100002", "", 404)
	if tr := h.json("GET", "/wiki/api/v2/pages/100002?status=trashed", "", 200); tr["status"] != "trashed" {
		t.Errorf("trashed page = %v", tr)
	}
	if m := search(`space = POL`, 200); m["totalSize"] != 4.0 { // 100001, 100003, 100004, 100005
		t.Errorf("search after trash: %v", m["totalSize"])
	}
	if p, _ := h.s.Page("100002"); p.Status != "trashed" {
		t.Errorf("snapshot status = %q", p.Status)
	}
	h.json("DELETE", "/wiki/api/v2/pages/100002", "", 400)
	h.json("PUT", "/wiki/api/v2/pages/100002", `{"id":"100002","status":"current","title":"Travel Policy (draft)","version":{"number":2}}`, 200)
	h.json("GET", "/wiki/api/v2/pages/100002", "", 200)
	if err := h.s.TrashPage("100003"); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := h.do("DELETE", "/rest/api/content/100003?status=trashed", nil); st != 204 {
		t.Errorf("purge: %d", st)
	}
	if _, ok := h.s.Page("100003"); ok {
		t.Error("purged page still there")
	}
}
