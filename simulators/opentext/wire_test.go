package opentext

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// wire drives the simulator with raw HTTP, as third-party clients do.
type wire struct {
	t      *testing.T
	s      *Server
	ts     *httptest.Server
	base   string
	ticket string
}

func newWire(t *testing.T, opt Options) *wire {
	t.Helper()
	opt.Seed = true
	s, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() { ts.Close(); s.Close() })
	w := &wire{t: t, s: s, ts: ts, base: ts.URL + "/otcs/cs.exe"}
	res := w.do("POST", "/api/v1/auth", "application/x-www-form-urlencoded", strings.NewReader("username=Admin&password=livelink"))
	if res.status != 200 {
		t.Fatalf("login: %d %s", res.status, res.body)
	}
	w.ticket = res.json["ticket"].(string)
	return w
}

type result struct {
	status int
	header http.Header
	body   string
	json   map[string]any
}

func (w *wire) do(method, path, contentType string, body io.Reader) result {
	w.t.Helper()
	req, err := http.NewRequest(method, w.base+path, body)
	if err != nil {
		w.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if w.ticket != "" {
		req.Header["otcsticket"] = []string{w.ticket} // lower-case, as some clients send it
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := result{status: resp.StatusCode, header: resp.Header, body: string(b)}
	_ = json.Unmarshal(b, &r.json)
	return r
}

func (w *wire) get(path string) result { return w.do("GET", path, "", nil) }

func (w *wire) form(method, path string, vals url.Values) result {
	return w.do(method, path, "application/x-www-form-urlencoded", strings.NewReader(vals.Encode()))
}

// dig walks a decoded JSON value by object keys and array indexes.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func TestAuthAndFraming(t *testing.T) {
	w := newWire(t, Options{})
	anon := &wire{t: t, base: w.base}
	if r := anon.get("/api/v1/ping"); r.status != 200 || dig(r.json, "rest_api", 0, "version") != 1.0 {
		t.Errorf("ping: %d %s", r.status, r.body)
	}
	r := anon.get("/api/v2/nodes/2000")
	if r.status != 401 || r.json["error"] != "Authentication Required" || r.header.Get("Content-Type") != "application/json; charset=UTF-8" {
		t.Errorf("no ticket: %d %v %s", r.status, r.header, r.body)
	}
	if r := anon.form("POST", "/api/v1/auth/", url.Values{"username": {"Admin"}, "password": {"wrong"}}); r.status != 401 {
		t.Errorf("bad password: %d %s", r.status, r.body)
	}
	if r := anon.form("POST", "/api/v1/auth", url.Values{"password": {"x"}}); r.status != 500 || !strings.Contains(r.body, "username") {
		t.Errorf("missing username: %d %s", r.status, r.body)
	}
	// Multipart login (xecm and cs-rest both do this).
	var mb bytes.Buffer
	mw := multipart.NewWriter(&mb)
	mw.WriteField("username", "bridge")
	mw.WriteField("password", "bridge-secret")
	mw.Close()
	if r := anon.do("POST", "/api/v1/auth", mw.FormDataContentType(), &mb); r.status != 200 || r.json["ticket"] == "" {
		t.Errorf("multipart login: %d %s", r.status, r.body)
	}

	r = w.get("/api/v2/nodes/2000/")
	if r.status != 200 || dig(r.json, "results", "data", "properties", "name") != "Enterprise Workspace" {
		t.Fatalf("v2 node (trailing slash): %d %s", r.status, r.body)
	}
	rotated := r.header.Get("OTCSTicket")
	if rotated == "" || rotated == w.ticket {
		t.Errorf("rotated ticket = %q", rotated)
	}
	if r := w.get("/api/v2/nodes/424242"); r.status != 400 || r.json["error"] != "Could not get a node for 424242" || r.header.Get("OTCSTicket") != "" {
		t.Errorf("unknown node: %d %s %v", r.status, r.body, r.header)
	}
	w.ticket = rotated
	if r := w.get("/api/v1/nodes/30001"); r.status != 200 || dig(r.json, "data", "name") != "Controlled Documents" || r.json["type_name"] != "Folder" {
		t.Errorf("v1 node with rotated ticket: %d %s", r.status, r.body)
	}
	r = w.get("/api/v2/nodes/30001?fields=" + url.QueryEscape("properties{id,name}"))
	if props, _ := dig(r.json, "results", "data", "properties").(map[string]any); len(props) != 2 || props["name"] != "Controlled Documents" {
		t.Errorf("fields sub-selection: %s", r.body)
	}
	if r := w.get("/api/v2/nodes/1/nodes?suppress_response_codes"); r.status != 200 || r.json["statusCode"] != 400.0 || r.json["error"] == nil {
		t.Errorf("suppress_response_codes: %d %s", r.status, r.body)
	}
	if r := w.get("/api/v2/nosuchthing"); r.status != 400 || !strings.Contains(r.body, "mappings registry") {
		t.Errorf("unknown route: %d %s", r.status, r.body)
	}
	if r := w.do("POST", "/api/v2/nodes", "application/json", strings.NewReader(`{"type":0,"parent_id":2000,"name":"J"}`)); r.status != 400 {
		t.Errorf("JSON body accepted: %d %s", r.status, r.body)
	}
	// Expiry: the admin hook and idle timeout both end sessions.
	if resp, err := http.Post(w.ts.URL+"/__sim/expire-tickets", "", nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("expire-tickets: %v", err)
	}
	if r := w.get("/api/v1/nodes/2000"); r.status != 401 {
		t.Errorf("after expire: %d", r.status)
	}
	w2 := newWire(t, Options{TicketTTL: time.Minute})
	now := time.Now()
	w2.s.nowFunc = func() time.Time { return now.Add(2 * time.Minute) }
	if r := w2.get("/api/v1/nodes/2000"); r.status != 401 || r.json["error"] != "Authentication Required" {
		t.Errorf("idle ticket: %d %s", r.status, r.body)
	}
}

func TestBrowseShapes(t *testing.T) {
	w := newWire(t, Options{})
	for i := 0; i < 7; i++ {
		w.form("POST", "/api/v2/nodes", url.Values{"body": {fmt.Sprintf(`{"type":0,"parent_id":30002,"name":"Sub %d"}`, i)}})
	}
	r := w.get("/api/v2/nodes/30002/nodes?where_name=sub&where_type=0&limit=3&page=3&sort=desc_name")
	res, _ := r.json["results"].([]any)
	if r.status != 200 || len(res) != 1 || dig(res[0], "data", "properties", "name") != "Sub 0" {
		t.Fatalf("v2 browse: %s", r.body)
	}
	if p := dig(r.json, "collection", "paging"); dig(p, "page_total") != 3.0 || dig(p, "total_count") != 7.0 || dig(p, "range_min") != 7.0 {
		t.Errorf("paging = %v", p)
	}
	r = w.get("/api/v1/nodes/30002/nodes?where_type=-3")
	if r.status != 200 || r.json["total_count"] != 0.0 {
		t.Errorf("v1 browse non-containers: %s", r.body)
	}
	if r := w.get("/api/v2/nodes/30002/nodes?page=0"); r.status != 400 {
		t.Errorf("page=0: %d", r.status)
	}
}

// xecmMultipart builds the body the xecm clients send: the file part
// first, a boundary that itself starts with "--", no CRLF after the end.
func xecmMultipart(body, fileName, content string) (string, string) {
	b := "--------------------------735323031399963166993862"
	var s strings.Builder
	s.WriteString("--" + b + "\r\n")
	s.WriteString(`Content-Disposition: form-data; name="file"; filename="` + fileName + "\"\r\n")
	s.WriteString("Content-Type: text/plain\r\n\r\n")
	s.WriteString(content + "\r\n")
	s.WriteString("--" + b + "\r\n")
	s.WriteString("Content-Disposition: form-data; name=\"body\"\r\n\r\n")
	s.WriteString(body + "\r\n")
	s.WriteString("--" + b + "--")
	return s.String(), "multipart/form-data; boundary=" + b
}

func TestThirdPartyUploadFormats(t *testing.T) {
	w := newWire(t, Options{})
	body, ct := xecmMultipart(`{"type":144,"parent_id":30002,"name":"xecm.txt","roles":{"categories":{"9001_1":{},"9001_8":"p-1","9001_9":"5"}}}`, "xecm.txt", "from xecm")
	r := w.do("POST", "/api/v2/nodes", ct, strings.NewReader(body))
	id, _ := dig(r.json, "results", "data", "properties", "id").(float64)
	if r.status != 200 || id < float64(FirstAllocatedID) {
		t.Fatalf("xecm upload: %d %s", r.status, r.body)
	}
	sum := sha256.Sum256([]byte("from xecm"))
	if vs := w.s.Versions(int64(id)); len(vs) != 1 || vs[0].SHA256 != hex.EncodeToString(sum[:]) || vs[0].FileName != "xecm.txt" || vs[0].MimeType != "text/plain" {
		t.Errorf("versions = %+v", vs)
	}
	if v, _ := w.s.CategoryValues(int64(id), ConfluencePageCategoryID); v["9001_9"] != int64(5) {
		t.Errorf("category from xecm upload = %v", v)
	}
	// Same name again: v2 says 500, v1 says 400, both with the OTCS text.
	r = w.do("POST", "/api/v2/nodes", ct, strings.NewReader(body))
	if r.status != 500 || r.json["error"] != "An item with the name 'xecm.txt' already exists." {
		t.Errorf("v2 duplicate: %d %s", r.status, r.body)
	}
	// cs-rest 1.x: flat fields plus file on the v1 URL, answer {"id":..}.
	var mb bytes.Buffer
	mw := multipart.NewWriter(&mb)
	mw.WriteField("type", "144")
	mw.WriteField("parent_id", "30002")
	mw.WriteField("name", "XECM.TXT")
	fw, _ := mw.CreateFormFile("file", "x.txt")
	fw.Write([]byte("dup"))
	mw.Close()
	if r := w.do("POST", "/api/v1/nodes", mw.FormDataContentType(), bytes.NewReader(mb.Bytes())); r.status != 400 || !strings.Contains(r.body, "already exists") {
		t.Errorf("v1 duplicate: %d %s", r.status, r.body)
	}
	mb.Reset()
	mw = multipart.NewWriter(&mb)
	mw.WriteField("type", "144")
	mw.WriteField("parent_id", "30002")
	mw.WriteField("name", "csrest.pdf")
	fw, _ = mw.CreateFormFile("file", "csrest.pdf")
	fw.Write([]byte("%PDF"))
	mw.Close()
	r = w.do("POST", "/api/v1/nodes", mw.FormDataContentType(), &mb)
	if r.status != 200 || r.json["id"] == nil {
		t.Fatalf("v1 flat upload: %d %s", r.status, r.body)
	}
	docID := int64(r.json["id"].(float64))
	// Missing parameters and unknown parents.
	if r := w.form("POST", "/api/v2/nodes", url.Values{"type": {"0"}, "parent_id": {"2000"}}); r.status != 400 || r.json["error"] != "Missing required parameter 'name'" {
		t.Errorf("missing name: %d %s", r.status, r.body)
	}
	if r := w.form("POST", "/api/v2/nodes", url.Values{"type": {"0"}, "parent_id": {"777"}, "name": {"n"}}); r.status != 400 || r.json["error"] != "Could not get a node for 777" {
		t.Errorf("unknown parent: %d %s", r.status, r.body)
	}
	// pyxecm-style flat category apply, then a wrong type on update.
	if r := w.form("POST", fmt.Sprintf("/api/v2/nodes/%d/categories", docID), url.Values{"category_id": {"9001"}, "9001_8": {"pg"}, "9001_9": {"2"}}); r.status != 200 {
		t.Errorf("flat apply: %d %s", r.status, r.body)
	}
	if r := w.form("PUT", fmt.Sprintf("/api/v2/nodes/%d/categories/9001/", docID), url.Values{"body": {`{"9001_9":"x"}`}}); r.status != 400 || !strings.Contains(r.body, "Source Version") {
		t.Errorf("wrong type: %d %s", r.status, r.body)
	}
	r = w.get(fmt.Sprintf("/api/v2/nodes/%d/categories?metadata", docID))
	if dig(r.json, "results", 0, "data", "categories", "9001_8") != "pg" || dig(r.json, "results", 0, "metadata", "categories", "9001_9", "type_name") != "Integer" {
		t.Errorf("categories list: %s", r.body)
	}
	r = w.get(fmt.Sprintf("/api/v1/forms/nodes/categories/update?id=%d&category_id=9001", docID))
	if dig(r.json, "forms", 0, "data", "9001_1", "metadata_token") == nil || dig(r.json, "forms", 0, "schema", "properties", "9001_8", "required") != true {
		t.Errorf("update form: %s", r.body)
	}
	// Holds from the query string and from body; held nodes refuse delete.
	if r := w.do("POST", fmt.Sprintf("/api/v1/nodes/%d/holds?hold_id=8001", docID), "", nil); r.status != 200 {
		t.Errorf("hold via query: %d %s", r.status, r.body)
	}
	if r := w.form("POST", fmt.Sprintf("/api/v1/nodes/%d/holds", docID), url.Values{"body": {`{"hold_id":8001}`}}); r.status != 400 {
		t.Errorf("second hold: %d %s", r.status, r.body)
	}
	if r := w.do("DELETE", fmt.Sprintf("/api/v2/nodes/%d", docID), "", nil); r.status != 400 || !strings.Contains(r.body, "Litigation Hold 2026-01") {
		t.Errorf("delete held: %d %s", r.status, r.body)
	}
	if r := w.do("DELETE", fmt.Sprintf("/api/v1/nodes/%d/holds/8001", docID), "", nil); r.status != 200 {
		t.Errorf("remove hold: %d %s", r.status, r.body)
	}
	if r := w.do("DELETE", fmt.Sprintf("/api/v2/nodes/%d", docID), "", nil); r.status != 200 {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	if _, ok := w.s.Node(docID); ok {
		t.Error("deleted node still present")
	}
	// v1 version download with headers.
	r = w.get(fmt.Sprintf("/api/v1/nodes/%d/versions/1/content", int64(id)))
	if r.body != "from xecm" || r.header.Get("Content-Length") != "9" || !strings.Contains(r.header.Get("Content-Disposition"), "xecm.txt") {
		t.Errorf("download: %q %v", r.body, r.header)
	}
	r = w.get(fmt.Sprintf("/api/v1/nodes/%d/versions/latest", int64(id)))
	if dig(r.json, "data", "version_number") != 1.0 {
		t.Errorf("latest: %s", r.body)
	}
}

func TestStateAndConcurrentCreates(t *testing.T) {
	w := newWire(t, Options{NameRule: "truncate"})
	var wg sync.WaitGroup
	statuses := make([]int, 6)
	for i := range statuses {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			statuses[i] = w.form("POST", "/api/v2/nodes", url.Values{"body": {`{"type":0,"parent_id":2000,"name":"Same: Name"}`}}).status
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		if s == 200 {
			ok++
		} else if s != 500 {
			t.Errorf("status %d", s)
		}
	}
	if ok != 1 {
		t.Errorf("%d creates succeeded, want 1", ok)
	}
	if _, found := w.s.FindPath(EnterpriseWorkspaceID, "Same Name"); !found {
		t.Error("truncate rule did not strip ':'")
	}
	resp, err := http.Get(w.ts.URL + "/__sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	// 30 seeded nodes (10 documented before workflows, plus the Workflow
	// Volume, the Workflow Maps folder and its three maps, plus the
	// Document Control category, Approved Procedures with four documents,
	// Project Apollo with two, and Templates/Approved with four) and one
	// create.
	if nodes, _ := st["nodes"].([]any); len(nodes) != 31 {
		t.Errorf("state nodes = %d", len(nodes))
	}
}
