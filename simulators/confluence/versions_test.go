package confluence_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// uploadAs sends a multipart upload (file, minorEdit=true, comment) with
// the given Basic credentials and the XSRF header.
func (h *harness) uploadAs(email, token, method, path, name, comment string, data []byte) (int, []byte) {
	h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.WriteField("minorEdit", "true")
	_ = mw.WriteField("comment", comment)
	if err := mw.Close(); err != nil {
		h.t.Fatal(err)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, &body)
	if err != nil {
		h.t.Fatal(err)
	}
	req.SetBasicAuth(email, token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-Atlassian-Token", "no-check")
	resp, err := noRedirect.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestAttachmentVersionsREST(t *testing.T) {
	h := start(t)
	one, two := []byte("%PDF-1.7 first"), []byte("%PDF-1.7 second, longer")
	st, b := h.uploadAs("bridge@example.com", "demo-token", "POST", "/wiki/rest/api/content/100002/child/attachment", "report.pdf", "first cut", one)
	if st != 200 {
		t.Fatalf("upload 1: %d %s", st, b)
	}
	attID := obj(arr(decode(t, b)["results"])[0])["id"].(string)
	st, b = h.uploadAs("editor@example.com", "editor-token", "PUT", "/wiki/rest/api/content/100002/child/attachment", "report.pdf", "second cut", two)
	if st != 200 {
		t.Fatalf("upload 2: %d %s", st, b)
	}
	// The current version's own author and comment show on the attachment.
	a := obj(arr(decode(t, b)["results"])[0])
	if v := obj(a["version"]); v["number"] != 2.0 || obj(v["by"])["accountId"] != "557058:editor" || v["message"] != "second cut" || v["minorEdit"] != true {
		t.Errorf("v1 version = %v", v)
	}

	// v2 list: newest first, Version shape plus the attachment.
	l := h.json("GET", "/wiki/api/v2/attachments/"+attID+"/versions", "", 200)
	rs := arr(l["results"])
	if len(rs) != 2 || obj(l["_links"])["next"] != nil {
		t.Fatalf("v2 versions = %v", l)
	}
	v2, v1 := obj(rs[0]), obj(rs[1])
	if v2["number"] != 2.0 || v2["authorId"] != "557058:editor" || v2["message"] != "second cut" || v2["minorEdit"] != true ||
		!isString(v2["createdAt"]) || obj(v2["attachment"])["id"] != attID || obj(v2["attachment"])["title"] != "report.pdf" {
		t.Errorf("v2 newest = %v", v2)
	}
	if v1["number"] != 1.0 || v1["authorId"] != "557058:bridge" || v1["message"] != "first cut" {
		t.Errorf("v2 oldest = %v", v1)
	}
	// Cursor paging with a Link header, and sorting.
	st, hdr, b := h.do("GET", "/wiki/api/v2/attachments/"+attID+"/versions?limit=1", nil)
	p1 := decode(t, b)
	next, _ := obj(p1["_links"])["next"].(string)
	if st != 200 || len(arr(p1["results"])) != 1 || !strings.HasPrefix(next, "/wiki/api/v2/attachments/"+attID+"/versions?") ||
		!strings.Contains(hdr.Get("Link"), `rel="next"`) {
		t.Fatalf("page 1: %d %v %s", st, hdr, b)
	}
	p2 := h.json("GET", next, "", 200)
	if r := arr(p2["results"]); len(r) != 1 || obj(r[0])["number"] != 1.0 || obj(p2["_links"])["next"] != nil {
		t.Errorf("page 2 = %v", p2)
	}
	asc := h.json("GET", "/wiki/api/v2/attachments/"+attID+"/versions?sort=modified-date", "", 200)
	if r := arr(asc["results"]); obj(r[0])["number"] != 1.0 {
		t.Errorf("sort=modified-date = %v", asc)
	}
	h.json("GET", "/wiki/api/v2/attachments/"+attID+"/versions?sort=title", "", 400)
	h.json("GET", "/wiki/api/v2/attachments/"+attID+"/versions?cursor=bogus", "", 400)
	h.json("GET", "/wiki/api/v2/attachments/att1/versions", "", 404)
	// Numeric id without the prefix, as the v2 spec allows.
	h.json("GET", "/wiki/api/v2/attachments/"+strings.TrimPrefix(attID, "att")+"/versions", "", 200)

	// One version (DetailedVersion), and the attachment as of version 1.
	d := h.json("GET", "/wiki/api/v2/attachments/"+attID+"/versions/1", "", 200)
	if d["number"] != 1.0 || d["authorId"] != "557058:bridge" || d["nextVersion"] != 2.0 || d["prevVersion"] != nil {
		t.Errorf("versions/1 = %v", d)
	}
	h.json("GET", "/wiki/api/v2/attachments/"+attID+"/versions/3", "", 404)
	old := h.json("GET", "/wiki/api/v2/attachments/"+attID+"?version=1", "", 200)
	if old["fileSize"] != float64(len(one)) || obj(old["version"])["number"] != 1.0 ||
		!strings.HasPrefix(old["downloadLink"].(string), "/download/attachments/100002/report.pdf?version=1&") {
		t.Errorf("attachment?version=1 = %v", old)
	}
	h.json("GET", "/wiki/api/v2/attachments/"+attID+"?version=9", "", 404)

	// v1 VersionArray on Cloud and DC: newest first, by/when/number/message/minorEdit.
	for _, prefix := range []string{"/wiki/rest/api", "/rest/api"} {
		va := h.json("GET", prefix+"/content/"+attID+"/version", "", 200)
		r := arr(va["results"])
		if len(r) != 2 || va["start"] != 0.0 || va["limit"] != 200.0 || va["size"] != 2.0 || va["_links"] == nil {
			t.Fatalf("%s VersionArray = %v", prefix, va)
		}
		n, o := obj(r[0]), obj(r[1])
		if n["number"] != 2.0 || obj(n["by"])["accountId"] != "557058:editor" || !isString(n["when"]) || n["message"] != "second cut" ||
			n["minorEdit"] != true || obj(n["content"])["id"] != attID || obj(n["content"])["type"] != "attachment" {
			t.Errorf("%s newest = %v", prefix, n)
		}
		if o["number"] != 1.0 || obj(o["by"])["accountId"] != "557058:bridge" {
			t.Errorf("%s oldest = %v", prefix, o)
		}
		paged := h.json("GET", prefix+"/content/"+attID+"/version?limit=1", "", 200)
		if len(arr(paged["results"])) != 1 || obj(paged["_links"])["next"] == nil {
			t.Errorf("%s paged = %v", prefix, paged)
		}
		if one := h.json("GET", prefix+"/content/"+attID+"/version/1", "", 200); one["number"] != 1.0 {
			t.Errorf("%s version/1 = %v", prefix, one)
		}
		h.json("GET", prefix+"/content/"+attID+"/version/3", "", 404)
		h.json("GET", prefix+"/content/att1/version", "", 404)
	}

	// Downloads honour ?version=N on every path.
	for _, tc := range []struct {
		path string
		want []byte
	}{
		{"/wiki/rest/api/content/100002/child/attachment/" + attID + "/download?version=1", one},
		{"/wiki/rest/api/content/100002/child/attachment/" + attID + "/download?version=2", two},
		{"/wiki/rest/api/content/100002/child/attachment/" + attID + "/download", two},
		{"/rest/api/content/100002/child/attachment/" + attID + "/download?version=1", one},
		{"/wiki/api/v2/attachments/" + attID + "/download?version=1", one},
	} {
		st, hdr, _ := h.do("GET", tc.path, nil)
		loc := hdr.Get("Location")
		if st != 302 || !strings.Contains(loc, "/download/attachments/100002/report.pdf?version=") {
			t.Errorf("%s: %d Location %q", tc.path, st, loc)
			continue
		}
		st, hdr, b := h.do("GET", loc, nil)
		if st != 200 || !bytes.Equal(b, tc.want) || hdr.Get("Content-Length") != itoa(len(tc.want)) {
			t.Errorf("%s -> %s: %d %q", tc.path, loc, st, b)
		}
	}
	for _, path := range []string{
		"/wiki/rest/api/content/100002/child/attachment/" + attID + "/download?version=3",
		"/wiki/api/v2/attachments/" + attID + "/download?version=0",
		"/wiki/download/attachments/100002/report.pdf?version=3",
		"/download/attachments/100002/report.pdf?version=x",
	} {
		if st, _, b := h.do("GET", path, nil); st != 404 {
			t.Errorf("%s: %d %s", path, st, b)
		}
	}
	if st, _, b := h.do("GET", "/download/attachments/100002/report.pdf?version=1", nil); st != 200 || !bytes.Equal(b, one) {
		t.Errorf("DC servlet version 1: %d %q", st, b)
	}

	// The Go API keeps the history too.
	vs, ok := h.s.AttachmentVersions(attID)
	sum := sha256.Sum256(one)
	if !ok || len(vs) != 2 || vs[0].Version != 1 || vs[0].Size != int64(len(one)) || vs[0].SHA256 != hex.EncodeToString(sum[:]) ||
		vs[0].AuthorID != "557058:bridge" || vs[0].Comment != "first cut" || vs[1].AuthorID != "557058:editor" || vs[1].CreatedAt.IsZero() {
		t.Errorf("AttachmentVersions = %+v", vs)
	}
	if cur := h.s.Attachments("100002"); len(cur) != 1 || cur[0].Version != 2 || cur[0].Size != int64(len(two)) {
		t.Errorf("Attachments = %+v", cur)
	}
}

func TestAttachmentVersionsVisibilityAndPages(t *testing.T) {
	h := start(t)
	csv := h.s.Attachments("100001")[0]
	h.s.AddAttachment("100001", csv.Title, "text/csv", []byte("a,b\n"))
	if err := h.s.SetRestriction("100001", "read", []string{"557058:bridge"}, nil); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		"/wiki/api/v2/attachments/" + csv.ID + "/versions",
		"/wiki/api/v2/attachments/" + csv.ID + "/versions/1",
		"/wiki/rest/api/content/" + csv.ID + "/version",
		"/rest/api/content/100001/version",
	} {
		if st, b := h.editor("GET", path, ""); st != 404 {
			t.Errorf("hidden %s: %d %s", path, st, b)
		}
		if st, _, b := h.do("GET", path, nil); st != 200 {
			t.Errorf("visible %s: %d %s", path, st, b)
		}
	}
	// Page versions through v1 as well, newest first with their messages.
	if _, err := h.s.UpdatePage("100001", "Records Retention Policy", "<p>v2</p>", "557058:bob"); err != nil {
		t.Fatal(err)
	}
	pv := h.json("GET", "/rest/api/content/100001/version", "", 200)
	if r := arr(pv["results"]); len(r) != 2 || obj(r[0])["number"] != 2.0 || obj(obj(r[0])["by"])["accountId"] != "557058:bob" ||
		obj(obj(r[0])["content"])["type"] != "page" {
		t.Errorf("page versions = %v", pv)
	}
}

func TestSyntheticAttachmentVersionsStaySynthetic(t *testing.T) {
	h := start(t)
	a1 := h.s.AddSyntheticAttachment("200001", "big.bin", "application/zip", 1000)
	a2 := h.s.AddSyntheticAttachment("200001", "big.bin", "application/zip", 3000)
	if a1.ID != a2.ID || a2.Version != 2 || a1.SHA256 == a2.SHA256 {
		t.Fatalf("synthetic versions: %+v %+v", a1, a2)
	}
	vs, _ := h.s.AttachmentVersions(a1.ID)
	if len(vs) != 2 || !vs[0].Synthetic || !vs[1].Synthetic || vs[0].Size != 1000 {
		t.Errorf("versions = %+v", vs)
	}
	for i, want := range []struct {
		size int
		sum  string
	}{{1000, a1.SHA256}, {3000, a2.SHA256}} {
		st, _, b := h.do("GET", "/wiki/download/attachments/200001/big.bin?version="+itoa(i+1), nil)
		sum := sha256.Sum256(b)
		if st != 200 || len(b) != want.size || hex.EncodeToString(sum[:]) != want.sum {
			t.Errorf("version %d: %d, %d bytes", i+1, st, len(b))
		}
	}
	// A real upload on top keeps the synthetic history.
	h.s.AddAttachment("200001", "big.bin", "application/zip", []byte("real"))
	if st, _, b := h.do("GET", "/wiki/download/attachments/200001/big.bin?version=1", nil); st != 200 || len(b) != 1000 {
		t.Errorf("synthetic version 1 after a real upload: %d, %d bytes", st, len(b))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
