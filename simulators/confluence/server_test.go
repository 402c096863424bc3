package confluence_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	sim "github.com/xecm-bridge/xecm-bridge/simulators/confluence"
	"github.com/xecm-bridge/xecm-bridge/simulators/faults"
)

type harness struct {
	t   *testing.T
	s   *sim.Server
	srv *httptest.Server
}

func start(t *testing.T) *harness {
	t.Helper()
	s := sim.New(sim.Options{Seed: true})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	s.SetBaseURL(srv.URL)
	return &harness{t: t, s: s, srv: srv}
}

// noRedirect lets tests see the 302s themselves.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// do sends a request with Basic auth and returns status, headers and body.
func (h *harness) do(method, path string, body io.Reader, hdr ...string) (int, http.Header, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	req.SetBasicAuth("bridge@example.com", "demo-token")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// getJSON requires the status and decodes the body into a generic value,
// so the tests see JSON types exactly as a client library would.
func (h *harness) json(method, path, body string, want int) map[string]any {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	st, _, b := h.do(method, path, rd)
	if st != want {
		h.t.Fatalf("%s %s: status %d, want %d: %s", method, path, st, want, b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		h.t.Fatalf("%s %s: not a JSON object: %s", method, path, b)
	}
	return m
}

func isString(v any) bool      { _, ok := v.(string); return ok }
func isNumber(v any) bool      { _, ok := v.(float64); return ok }
func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func arr(v any) []any          { a, _ := v.([]any); return a }

func TestAuth(t *testing.T) {
	h := start(t)
	for _, tc := range []struct {
		name string
		set  func(*http.Request)
		want int
	}{
		{"none", func(*http.Request) {}, 401},
		{"basic wrong", func(r *http.Request) { r.SetBasicAuth("bridge@example.com", "nope") }, 401},
		{"bearer wrong", func(r *http.Request) { r.Header.Set("Authorization", "Bearer nope") }, 401},
		{"basic", func(r *http.Request) { r.SetBasicAuth("bridge@example.com", "demo-token") }, 200},
		{"bearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer demo-pat") }, 200},
	} {
		for _, path := range []string{"/wiki/api/v2/pages/100001", "/rest/api/content/100001", "/wiki/rest/api/content/100001/label"} {
			req, _ := http.NewRequest("GET", h.srv.URL+path, nil)
			tc.set(req)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("%s %s: %d, want %d", tc.name, path, resp.StatusCode, tc.want)
			}
		}
	}
	// Admin endpoints need no credentials and are not counted.
	before := h.s.Requests()
	resp, err := http.Get(h.srv.URL + "/__sim/state")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("state: %v %v", resp, err)
	}
	var st sim.StateDump
	_ = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if len(st.Spaces) != 4 || len(st.Pages) != 8 || string(st.Pages[0].Properties["project"]) != `{"name":"Records Programme"}` ||
		len(st.Pages[0].Attachments) != 2 {
		t.Errorf("state = %+v", st)
	}
	if h.s.Requests() != before {
		t.Error("admin request counted as API request")
	}
}

func TestV2PageShape(t *testing.T) {
	h := start(t)
	m := h.json("GET", "/wiki/api/v2/pages/100001?body-format=storage&include-labels=true&serialize-ids-as-strings=true", "", 200)
	for _, k := range []string{"id", "spaceId", "authorId", "ownerId", "title", "status", "createdAt"} {
		if !isString(m[k]) {
			t.Errorf("%s = %#v, want a string", k, m[k])
		}
	}
	if m["id"] != "100001" || m["spaceId"] != "98304" || m["status"] != "current" {
		t.Errorf("page = %v", m)
	}
	v := obj(m["version"])
	if !isNumber(v["number"]) || v["number"] != 1.0 || !isString(v["createdAt"]) || !isString(v["authorId"]) {
		t.Errorf("version = %#v", v)
	}
	if _, err := time.Parse(time.RFC3339, v["createdAt"].(string)); err != nil {
		t.Errorf("createdAt not ISO: %v", err)
	}
	st := obj(obj(m["body"])["storage"])
	if st["representation"] != "storage" || !strings.Contains(st["value"].(string), "<table>") {
		t.Errorf("body = %v", m["body"])
	}
	links := obj(m["_links"])
	if links["base"] != h.srv.URL+"/wiki" || !strings.HasPrefix(links["webui"].(string), "/spaces/POL/pages/100001/") {
		t.Errorf("_links = %v", links)
	}

	// Only the requested representation; none without body-format.
	if b := obj(h.json("GET", "/wiki/api/v2/pages/100001", "", 200)["body"]); len(b) != 0 {
		t.Errorf("body without body-format = %v", b)
	}
	view := obj(obj(h.json("GET", "/wiki/api/v2/pages/100001?body-format=view", "", 200)["body"])["view"])["value"].(string)
	for _, want := range []string{`<img src="/wiki/download/attachments/100001/signature.png" alt="Signature" />`,
		`<a href="/wiki/download/attachments/100001/retention-schedule.csv">retention-schedule.csv</a>`,
		`<div class="confluence-macro confluence-macro-info"><p>Questions go to the legal department.</p></div>`, "<h1>", "<td>Contracts</td>"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %s:\n%s", want, view)
		}
	}
	if strings.Contains(view, "ac:") || strings.Contains(view, "ri:") {
		t.Errorf("view keeps macros:\n%s", view)
	}
	travel := obj(obj(h.json("GET", "/wiki/api/v2/pages/100002?body-format=export_view", "", 200)["body"])["export_view"])["value"].(string)
	if !strings.Contains(travel, `<a href="/wiki/spaces/POL/pages/100001/Records+Retention+Policy">Records Retention Policy</a>`) {
		t.Errorf("page link not rendered:\n%s", travel)
	}
	code := obj(obj(h.json("GET", "/wiki/api/v2/pages/200001?body-format=export_view", "", 200)["body"])["export_view"])["value"].(string)
	if !strings.Contains(code, "<pre><code>make build &amp;&amp; make test</code></pre>") {
		t.Errorf("code macro:\n%s", code)
	}
	adf := obj(obj(h.json("GET", "/wiki/api/v2/pages/100001?body-format=atlas_doc_format", "", 200)["body"])["atlas_doc_format"])["value"]
	var doc map[string]any
	if s, ok := adf.(string); !ok || json.Unmarshal([]byte(s), &doc) != nil || doc["type"] != "doc" {
		t.Errorf("ADF must be a JSON string holding a doc: %#v", adf)
	}

	// Errors.
	e := h.json("GET", "/wiki/api/v2/pages/424242", "", 404)
	errs := arr(e["errors"])
	if len(errs) != 1 || obj(errs[0])["status"] != 404.0 || obj(errs[0])["code"] != "NOT_FOUND" ||
		obj(errs[0])["title"] != "No content found with id: 424242" {
		t.Errorf("404 body = %v", e)
	}
	if _, ok := obj(errs[0])["detail"]; !ok {
		t.Error("detail missing (must be present, null)")
	}
	h.json("GET", "/wiki/api/v2/pages/100001?body-format=pdf", "", 400)
	h.json("GET", "/wiki/api/v2/pages/100001?version=7", "", 404)
}

func TestV2UpdateCreateAndVersions(t *testing.T) {
	h := start(t)
	upd := `{"id":"100002","status":"current","title":"Travel Policy","body":{"representation":"storage","value":"<p>v2</p>"},"version":{"number":%d,"message":"publish"}}`
	e := h.json("PUT", "/wiki/api/v2/pages/100002", strings.Replace(upd, "%d", "1", 1), 409)
	if e0 := obj(arr(e["errors"])[0]); e0["code"] != "CONFLICT" || e0["status"] != 409.0 ||
		e0["title"] != "Version must be incremented when updating a page. Current Version: [1]. Provided version: [1]" {
		t.Errorf("409 = %v", e)
	}
	m := h.json("PUT", "/wiki/api/v2/pages/100002", strings.Replace(upd, "%d", "2", 1), 200)
	if obj(m["version"])["number"] != 2.0 || obj(m["version"])["message"] != "publish" || m["title"] != "Travel Policy" {
		t.Errorf("update = %v", m)
	}
	old := h.json("GET", "/wiki/api/v2/pages/100002?version=1&body-format=storage", "", 200)
	if old["title"] != "Travel Policy (draft)" || obj(old["version"])["number"] != 1.0 {
		t.Errorf("version 1 = %v", old)
	}

	flat := h.json("POST", "/wiki/api/v2/pages", `{"spaceId":"98305","status":"current","title":"Flat","body":{"representation":"storage","value":"<p>flat</p>"}}`, 200)
	nested := h.json("POST", "/wiki/api/v2/pages", `{"spaceId":"98305","title":"Nested","parentId":"200001","body":{"storage":{"representation":"storage","value":"<p>nested</p>"}}}`, 200)
	for _, p := range []map[string]any{flat, nested} {
		if !isString(p["id"]) || p["spaceId"] != "98305" {
			t.Errorf("created = %v", p)
		}
	}
	if p, _ := h.s.Page(flat["id"].(string)); p.Body != "<p>flat</p>" || p.SpaceKey != "ENG" {
		t.Errorf("flat stored as %+v", p)
	}
	if p, _ := h.s.Page(nested["id"].(string)); p.Body != "<p>nested</p>" || p.ParentID != "200001" {
		t.Errorf("nested stored as %+v", p)
	}
	h.json("POST", "/wiki/api/v2/pages", `{"spaceId":"98305","title":"Flat"}`, 400) // duplicate title
	h.json("POST", "/wiki/api/v2/pages", `{"spaceId":"1","title":"X"}`, 404)
	anc := h.json("GET", "/wiki/api/v2/pages/"+nested["id"].(string)+"/ancestors", "", 200)
	if r := arr(anc["results"]); len(r) != 1 || obj(r[0])["id"] != "200001" {
		t.Errorf("ancestors = %v", anc)
	}
	kids := h.json("GET", "/wiki/api/v2/pages/200001/children", "", 200)
	if r := arr(kids["results"]); len(r) != 1 || obj(r[0])["title"] != "Nested" {
		t.Errorf("children = %v", kids)
	}
}

func TestV2ListsAndCursors(t *testing.T) {
	h := start(t)
	var names []string
	for i := 0; i < 30; i++ {
		names = append(names, "x"+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	p := h.s.CreatePage("ENG", "Labelled", "<p/>", "557058:alice", names...)

	// Default limit 25 → two pages; next keeps the query and adds a cursor.
	path := "/wiki/api/v2/pages/" + p.ID + "/labels?prefix=global"
	st, hdr, b := h.do("GET", path, nil)
	var page1 struct {
		Results []map[string]any  `json:"results"`
		Links   map[string]string `json:"_links"`
	}
	if st != 200 || json.Unmarshal(b, &page1) != nil || len(page1.Results) != 25 {
		t.Fatalf("page 1: %d %s", st, b)
	}
	next := page1.Links["next"]
	u, err := url.Parse(next)
	if err != nil || u.IsAbs() || u.Path != "/wiki/api/v2/pages/"+p.ID+"/labels" || u.Query().Get("prefix") != "global" || u.Query().Get("cursor") == "" {
		t.Errorf("next = %q", next)
	}
	if link := hdr.Get("Link"); link != "<"+next+`>; rel="next", <`+h.srv.URL+`/wiki>; rel="base"` {
		t.Errorf("Link = %q", link)
	}
	for _, l := range page1.Results {
		if !isString(l["id"]) || l["prefix"] != "global" {
			t.Errorf("label = %v", l)
		}
	}
	st, hdr, b = h.do("GET", next, nil)
	var page2 struct {
		Results []map[string]any  `json:"results"`
		Links   map[string]string `json:"_links"`
	}
	if st != 200 || json.Unmarshal(b, &page2) != nil || len(page2.Results) != 5 || page2.Links["next"] != "" || hdr.Get("Link") != "" {
		t.Errorf("last page: %d %s (Link %q)", st, b, hdr.Get("Link"))
	}
	if page2.Results[4]["name"] != names[29] {
		t.Errorf("order: %v", page2.Results[4])
	}
	h.json("GET", "/wiki/api/v2/pages/"+p.ID+"/labels?cursor=garbage", "", 400)
	h.json("GET", "/wiki/api/v2/pages/"+p.ID+"/labels?limit=0", "", 400)

	sp := h.json("GET", "/wiki/api/v2/spaces?keys=POL", "", 200)
	if r := arr(sp["results"]); len(r) != 1 || obj(r[0])["id"] != "98304" || obj(r[0])["key"] != "POL" {
		t.Errorf("spaces?keys = %v", sp)
	}
	if m := h.json("GET", "/wiki/api/v2/spaces/98305", "", 200); m["name"] != "Engineering" || m["homepageId"] != "200001" {
		t.Errorf("space = %v", m)
	}
	pages := h.json("GET", "/wiki/api/v2/spaces/98304/pages?limit=2", "", 200)
	if len(arr(pages["results"])) != 2 || obj(pages["_links"])["next"] == nil {
		t.Errorf("space pages = %v", pages)
	}
	filtered := h.json("GET", "/wiki/api/v2/pages?space-id=98304&title=Travel+Policy+%28draft%29", "", 200)
	if r := arr(filtered["results"]); len(r) != 1 || obj(r[0])["id"] != "100002" {
		t.Errorf("filtered = %v", filtered)
	}
	byID := h.json("GET", "/wiki/api/v2/pages?id=100003,200001", "", 200)
	if len(arr(byID["results"])) != 2 {
		t.Errorf("by id = %v", byID)
	}
}

func TestV1Labels(t *testing.T) {
	for _, prefix := range []string{"/wiki/rest/api", "/rest/api"} {
		h := start(t)
		m := h.json("POST", prefix+"/content/100002/label", `[{"prefix":"global","name":"ot-linked"},{"prefix":"global","name":"Reviewed"}]`, 200)
		if m["size"] != 4.0 || !isNumber(m["start"]) || !isNumber(m["limit"]) {
			t.Errorf("%s add = %v", prefix, m)
		}
		first := obj(arr(m["results"])[2])
		if !isString(first["id"]) || first["name"] != "ot-linked" || first["label"] != "ot-linked" || first["prefix"] != "global" {
			t.Errorf("label = %v", first)
		}
		h.json("POST", prefix+"/content/100002/label", `{"prefix":"global","name":"single"}`, 200)
		if got := strings.Join(h.s.Labels("100002"), ","); got != "draft,dept-finance,ot-linked,reviewed,single" {
			t.Errorf("labels = %s", got)
		}
		if st, _, _ := h.do("DELETE", prefix+"/content/100002/label/single", nil); st != 204 {
			t.Errorf("delete by path: %d", st)
		}
		if st, _, _ := h.do("DELETE", prefix+"/content/100002/label?name=draft", nil); st != 204 {
			t.Errorf("delete by query: %d", st)
		}
		e := h.json("DELETE", prefix+"/content/100002/label?name=draft", "", 404)
		if e["statusCode"] != 404.0 || !isString(e["message"]) || e["data"] == nil {
			t.Errorf("v1 error = %v", e)
		}
		h.json("POST", prefix+"/content/100002/label", `[{"prefix":"global","name":"two words"}]`, 400)
		list := h.json("GET", prefix+"/content/100002/label", "", 200)
		if list["size"] != 3.0 || list["limit"] != 200.0 {
			t.Errorf("list = %v", list)
		}
	}
}

func TestProperties(t *testing.T) {
	h := start(t)
	list := h.json("GET", "/wiki/api/v2/pages/100001/properties?key=project", "", 200)
	r := arr(list["results"])
	if len(r) != 1 {
		t.Fatalf("list = %v", list)
	}
	pr := obj(r[0])
	if !isString(pr["id"]) || obj(pr["value"])["name"] != "Records Programme" || obj(pr["version"])["number"] != 1.0 {
		t.Errorf("property = %v", pr)
	}
	id := pr["id"].(string)
	h.json("POST", "/wiki/api/v2/pages/100001/properties", `{"key":"project","value":1}`, 400)
	h.json("PUT", "/wiki/api/v2/pages/100001/properties/"+id, `{"key":"project","value":{"name":"X"},"version":{"number":1}}`, 409)
	up := h.json("PUT", "/wiki/api/v2/pages/100001/properties/"+id, `{"key":"project","value":{"name":"X"},"version":{"number":2}}`, 200)
	if obj(up["version"])["number"] != 2.0 {
		t.Errorf("update = %v", up)
	}
	if v, n, _ := h.s.Property("100001", "project"); string(v) != `{"name":"X"}` || n != 2 {
		t.Errorf("stored %s v%d", v, n)
	}
	c := h.json("POST", "/wiki/api/v2/pages/100001/properties", `{"key":"otcs.link","value":{"nodeId":4711}}`, 200)
	h.json("GET", "/wiki/api/v2/pages/100001/properties/"+c["id"].(string), "", 200)
	if st, _, _ := h.do("DELETE", "/wiki/api/v2/pages/100001/properties/"+c["id"].(string), nil); st != 204 {
		t.Errorf("delete: %d", st)
	}
	h.json("GET", "/wiki/api/v2/pages/100001/properties/"+c["id"].(string), "", 404)

	// v1/DC: keyed by key; PUT with version 1 creates; string values work.
	v1 := h.json("PUT", "/rest/api/content/100002/property/otcs.link", `{"key":"otcs.link","value":"4711","version":{"number":1}}`, 200)
	if v1["value"] != "4711" || obj(v1["version"])["number"] != 1.0 || !isString(v1["id"]) {
		t.Errorf("v1 create = %v", v1)
	}
	h.json("PUT", "/rest/api/content/100002/property/otcs.link", `{"key":"otcs.link","value":"4712","version":{"number":1}}`, 409)
	h.json("PUT", "/rest/api/content/100002/property/otcs.link", `{"key":"otcs.link","value":"4712","version":{"number":2}}`, 200)
	h.json("POST", "/wiki/rest/api/content/100002/property", `{"key":"otcs.link","value":"dup"}`, 400)
	got := h.json("GET", "/wiki/rest/api/content/100002/property/otcs.link", "", 200)
	if got["value"] != "4712" {
		t.Errorf("v1 get = %v", got)
	}
}

func multipartBody(t *testing.T, name, ctype string, data []byte) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	hdr := make(map[string][]string)
	hdr["Content-Disposition"] = []string{`form-data; name="file"; filename="` + name + `"`}
	hdr["Content-Type"] = []string{ctype}
	p, _ := mw.CreatePart(hdr)
	_, _ = p.Write(data)
	_ = mw.WriteField("minorEdit", "true")
	_ = mw.WriteField("comment", "uploaded")
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

func TestAttachmentsUploadDownload(t *testing.T) {
	h := start(t)
	body, ct := multipartBody(t, "report.pdf", "application/pdf", []byte("%PDF-1.7 hello"))
	if st, _, _ := h.do("POST", "/wiki/rest/api/content/100002/child/attachment", bytes.NewReader(body.Bytes()), "Content-Type", ct); st != 403 {
		t.Errorf("without X-Atlassian-Token: %d, want 403", st)
	}
	st, _, b := h.do("POST", "/wiki/rest/api/content/100002/child/attachment", bytes.NewReader(body.Bytes()), "Content-Type", ct, "X-Atlassian-Token", "no-check")
	var arrResp struct {
		Results []map[string]any `json:"results"`
		Size    any              `json:"size"`
	}
	if st != 200 || json.Unmarshal(b, &arrResp) != nil || len(arrResp.Results) != 1 {
		t.Fatalf("upload: %d %s", st, b)
	}
	a := arrResp.Results[0]
	ext := obj(a["extensions"])
	if !strings.HasPrefix(a["id"].(string), "att") || a["type"] != "attachment" || a["title"] != "report.pdf" ||
		ext["fileSize"] != 14.0 || ext["mediaType"] != "application/pdf" || ext["comment"] != "uploaded" ||
		obj(a["metadata"])["mediaType"] != "application/pdf" || obj(a["version"])["number"] != 1.0 {
		t.Errorf("attachment = %v", a)
	}
	if st, _, _ := h.do("POST", "/wiki/rest/api/content/100002/child/attachment", bytes.NewReader(body.Bytes()), "Content-Type", ct, "X-Atlassian-Token", "nocheck"); st != 400 {
		t.Errorf("duplicate POST: %d, want 400", st)
	}
	body2, ct2 := multipartBody(t, "report.pdf", "application/pdf", []byte("%PDF-1.7 version two"))
	st, _, b = h.do("PUT", "/wiki/rest/api/content/100002/child/attachment", body2, "Content-Type", ct2, "X-Atlassian-Token", "no-check")
	if st != 200 || !strings.Contains(string(b), `"number":2`) {
		t.Errorf("PUT new version: %d %s", st, b)
	}

	// v2 metadata.
	atts := h.json("GET", "/wiki/api/v2/pages/100002/attachments", "", 200)
	v2a := obj(arr(atts["results"])[0])
	if v2a["fileSize"] != 20.0 || v2a["pageId"] != "100002" || !strings.HasPrefix(v2a["downloadLink"].(string), "/download/attachments/100002/report.pdf?version=2") {
		t.Errorf("v2 attachment = %v", v2a)
	}
	one := h.json("GET", "/wiki/api/v2/attachments/"+a["id"].(string), "", 200)
	if one["title"] != "report.pdf" {
		t.Errorf("attachment by id = %v", one)
	}

	// v1 download: 302 to the servlet, which streams with type and length.
	st, hdr, _ := h.do("GET", "/wiki/rest/api/content/100002/child/attachment/"+a["id"].(string)+"/download", nil)
	loc := hdr.Get("Location")
	if st != 302 || !strings.HasPrefix(loc, "/wiki/download/attachments/100002/report.pdf?version=2") || !strings.Contains(loc, "api=v2") {
		t.Errorf("download: %d Location %q", st, loc)
	}
	st, hdr, b = h.do("GET", loc, nil)
	if st != 200 || string(b) != "%PDF-1.7 version two" || hdr.Get("Content-Type") != "application/pdf" || hdr.Get("Content-Length") != "20" {
		t.Errorf("servlet: %d %q %v", st, b, hdr)
	}
	st, hdr, _ = h.do("GET", "/wiki/api/v2/attachments/"+a["id"].(string)+"/download", nil)
	if st != 302 || !strings.HasPrefix(hdr.Get("Location"), "/wiki/download/attachments/100002/") {
		t.Errorf("v2 download: %d %v", st, hdr)
	}

	// DC shapes: no PUT on the collection; /data versions a file.
	body3, ct3 := multipartBody(t, "report.pdf", "application/pdf", []byte("three"))
	if st, _, _ := h.do("PUT", "/rest/api/content/100002/child/attachment", body3, "Content-Type", ct3, "X-Atlassian-Token", "no-check"); st != 404 && st != 405 {
		t.Errorf("DC PUT collection: %d, want 404 or 405", st)
	}
	body3, ct3 = multipartBody(t, "report.pdf", "application/pdf", []byte("three"))
	st, _, b = h.do("POST", "/rest/api/content/100002/child/attachment/"+a["id"].(string)+"/data", body3, "Content-Type", ct3, "X-Atlassian-Token", "no-check")
	if st != 200 || !strings.Contains(string(b), `"number":3`) {
		t.Errorf("DC data: %d %s", st, b)
	}
	st, hdr, _ = h.do("GET", "/rest/api/content/100002/child/attachment/"+a["id"].(string)+"/download", nil)
	if st != 302 || !strings.HasPrefix(hdr.Get("Location"), "/download/attachments/100002/report.pdf?version=3") {
		t.Errorf("DC download: %d %v", st, hdr)
	}
	if st, _, b := h.do("GET", hdr.Get("Location"), nil); st != 200 || string(b) != "three" {
		t.Errorf("DC servlet: %d %q", st, b)
	}
	if got := h.s.Attachments("100002"); len(got) != 1 || got[0].Version != 3 || got[0].Size != 5 {
		t.Errorf("snapshot = %+v", got)
	}
}

func TestSeedAttachments(t *testing.T) {
	h := start(t)
	st, hdr, b := h.do("GET", "/wiki/download/attachments/100001/signature.png", nil)
	if st != 200 || hdr.Get("Content-Type") != "image/png" {
		t.Fatalf("png: %d %v", st, hdr)
	}
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		t.Errorf("seed PNG does not decode: %v", err)
	}
	_, _, csv := h.do("GET", "/download/attachments/100001/retention-schedule.csv", nil)
	if !strings.HasPrefix(string(csv), "record_class,") {
		t.Errorf("csv = %q", csv)
	}
}

func TestDCContent(t *testing.T) {
	h := start(t)
	m := h.json("GET", "/rest/api/content/100001?expand=body.export_view,version,space", "", 200)
	if m["id"] != "100001" || m["type"] != "page" || obj(m["version"])["number"] != 1.0 {
		t.Errorf("content = %v", m)
	}
	sp := obj(m["space"])
	if sp["key"] != "POL" || sp["id"] != 98304.0 { // v1 space ids are numbers
		t.Errorf("space = %v", sp)
	}
	ev := obj(obj(m["body"])["export_view"])["value"].(string)
	if !strings.Contains(ev, `<img src="/download/attachments/100001/signature.png"`) {
		t.Errorf("DC export_view:\n%s", ev)
	}
	if links := obj(m["_links"]); links["base"] != h.srv.URL || links["context"] != "" {
		t.Errorf("_links = %v", links)
	}
	if _, err := h.s.UpdatePage("100001", "Renamed", "<p>2</p>", "557058:bob"); err != nil {
		t.Fatal(err)
	}
	old := h.json("GET", "/rest/api/content/100001?status=historical&version=1&expand=body.storage", "", 200)
	if old["title"] != "Records Retention Policy" || old["status"] != "historical" {
		t.Errorf("historical = %v", old)
	}
	e := h.json("GET", "/rest/api/content/1", "", 404)
	if e["statusCode"] != 404.0 || e["message"] != "No content found with id: 1" {
		t.Errorf("DC 404 = %v", e)
	}
	v1put := h.json("PUT", "/rest/api/content/100001", `{"type":"page","title":"Again","version":{"number":2},"body":{"storage":{"value":"<p/>","representation":"storage"}}}`, 409)
	if v1put["message"] != "Version must be incremented on update. Current version is: 2" {
		t.Errorf("v1 409 = %v", v1put)
	}
	h.json("GET", "/rest/api/space/ENG", "", 200)
}

func TestFaultsAndAdmin(t *testing.T) {
	h := start(t)
	h.s.Faults().Set(faults.Config{RateLimitBurst: 1, ServerErrorBurst: 1, RetryAfter: 2 * time.Second})
	st, hdr, b := h.do("GET", "/rest/api/content/100001", nil)
	if st != 503 || hdr.Get("Retry-After") != "2" || !strings.Contains(string(b), `"code":"SERVICE_UNAVAILABLE"`) {
		t.Errorf("503: %d %v %s", st, hdr, b)
	}
	st, hdr, b = h.do("GET", "/wiki/api/v2/pages/100001", nil)
	if st != 429 || hdr.Get("Retry-After") != "2" || !strings.Contains(string(b), `"errors":[{"code":"TOO_MANY_REQUESTS"`) {
		t.Errorf("429: %d %v %s", st, hdr, b)
	}
	if st, _, _ := h.do("GET", "/wiki/api/v2/pages/100001", nil); st != 200 {
		t.Errorf("after the bursts: %d", st)
	}

	// Faults over the admin endpoint.
	req, _ := http.NewRequest("PUT", h.srv.URL+"/__sim/faults", strings.NewReader(`{"spec":"down"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("PUT faults: %v %v", resp, err)
	}
	resp.Body.Close()
	if st, _, _ := h.do("GET", "/wiki/api/v2/pages/100001", nil); st != 503 {
		t.Errorf("down: %d", st)
	}
	if resp, err := http.Get(h.srv.URL + "/__sim/state"); err != nil || resp.StatusCode != 200 {
		t.Errorf("admin must bypass faults: %v", err)
	} else {
		resp.Body.Close()
	}
	h.s.Faults().Set(faults.Config{})

	resp, err = http.Post(h.srv.URL+"/__sim/pages/200001/synthetic-attachment?name=big.bin&size=1000003&type=application/zip", "", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("synthetic: %v %v", resp, err)
	}
	var a sim.Attachment
	_ = json.NewDecoder(resp.Body).Decode(&a)
	resp.Body.Close()
	if a.Size != 1000003 || len(a.SHA256) != 64 || !a.Synthetic {
		t.Errorf("synthetic = %+v", a)
	}
	st, hdr, b = h.do("GET", "/wiki/download/attachments/200001/big.bin", nil)
	if st != 200 || len(b) != 1000003 || hdr.Get("Content-Type") != "application/zip" {
		t.Errorf("synthetic download: %d %d bytes", st, len(b))
	}
	_, _, b2 := h.do("GET", "/wiki/download/attachments/200001/big.bin", nil)
	if !bytes.Equal(b, b2) {
		t.Error("synthetic content is not deterministic")
	}
	// Range requests work on the generated stream.
	st, _, part := h.do("GET", "/wiki/download/attachments/200001/big.bin", nil, "Range", "bytes=999-1010")
	if st != 206 || !bytes.Equal(part, b[999:1011]) {
		t.Errorf("range: %d %x", st, part)
	}
}

// include-labels and include-properties add the collections to a single
// page as {results, meta:{hasMore,cursor}, _links:{self}}, capped at 50.
func TestV2PageIncludes(t *testing.T) {
	h := start(t)
	m := h.json("GET", "/wiki/api/v2/pages/100001?include-labels=true&include-properties=true", "", 200)
	labels, props := obj(m["labels"]), obj(m["properties"])
	if res, _ := labels["results"].([]any); len(res) == 0 || obj(labels["meta"])["hasMore"] != false || !isString(obj(labels["_links"])["self"]) {
		t.Errorf("labels = %v", labels)
	}
	res, _ := props["results"].([]any)
	if len(res) != 1 || obj(res[0])["key"] != "project" || obj(obj(res[0])["version"])["number"] != 1.0 {
		t.Errorf("properties = %v", props)
	}
	if plain := h.json("GET", "/wiki/api/v2/pages/100001", "", 200); plain["labels"] != nil || plain["properties"] != nil {
		t.Errorf("collections included without being asked for: %v", plain)
	}
	for i := range 51 {
		if _, err := h.s.SetProperty("100001", fmt.Sprintf("k%02d", i), i); err != nil {
			t.Fatal(err)
		}
	}
	props = obj(h.json("GET", "/wiki/api/v2/pages/100001?include-properties=true", "", 200)["properties"])
	res, _ = props["results"].([]any)
	if meta := obj(props["meta"]); len(res) != 50 || meta["hasMore"] != true || !isString(meta["cursor"]) {
		t.Errorf("52 properties: %d included, meta %v", len(res), props["meta"])
	}
}

// Pages read with their included collections while other requests write:
// every request is answered (a read that locked the store twice would
// deadlock behind a waiting writer).
func TestV2PageIncludesUnderConcurrentWrites(t *testing.T) {
	s := sim.New(sim.Options{Seed: true})
	get := func() int {
		req := httptest.NewRequest("GET", "/wiki/api/v2/pages/100001?include-labels=true&include-properties=true", nil)
		req.SetBasicAuth("bridge@example.com", "demo-token")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec.Code
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(2)
			go func() {
				defer wg.Done()
				for range 20 {
					if code := get(); code != 200 {
						t.Errorf("status %d", code)
					}
				}
			}()
			go func() {
				defer wg.Done()
				for j := range 20 {
					if _, err := s.SetProperty("100001", fmt.Sprintf("w%02d", i), j); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		// Handlers, not a server: the stuck goroutines leak, the test ends.
		t.Fatal("requests with included collections stopped being answered")
	}
}
