package opentext

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// multipartUpload posts fields plus a `file` part (cs-rest / pyxecm style).
func multipartUpload(w *wire, method, path string, fields map[string]string, fileName, content string) result {
	w.t.Helper()
	var mb bytes.Buffer
	mw := multipart.NewWriter(&mb)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", fileName)
	fw.Write([]byte(content))
	mw.Close()
	return w.do(method, path, mw.FormDataContentType(), &mb)
}

func addWireVersion(w *wire, id int64, content string, fields map[string]string) result {
	w.t.Helper()
	r := multipartUpload(w, "POST", fmt.Sprintf("/api/v2/nodes/%d/versions", id), fields, "doc.txt", content)
	if r.status != 200 {
		w.t.Fatalf("add version to %d: %d %s", id, r.status, r.body)
	}
	return r
}

func versionNumbers(w *wire, id int64) []int {
	var out []int
	for _, v := range w.s.Versions(id) {
		out = append(out, v.Number)
	}
	return out
}

func TestVersionDeleteAndPurge(t *testing.T) {
	w := newWire(t, Options{})
	doc := wireDoc(w, PoliciesFolderID, "versions.txt") // version 1: "content"
	for i := 2; i <= 4; i++ {
		addWireVersion(w, doc, fmt.Sprintf("content %d", i), nil)
	}
	base := fmt.Sprintf("/api/v1/nodes/%d/versions", doc)
	base2 := fmt.Sprintf("/api/v2/nodes/%d/versions", doc)
	if r := w.do("DELETE", base+"/1", "", nil); r.status != 200 || r.body != "{}" {
		t.Fatalf("v1 delete version 1: %d %s", r.status, r.body)
	}
	if got := fmt.Sprint(versionNumbers(w, doc)); got != "[2 3 4]" {
		t.Errorf("after delete: %s", got)
	}
	if r := w.get(base + "/1"); r.status != 400 || r.json["error"] != fmt.Sprintf("Could not get version 1 of node %d", doc) {
		t.Errorf("deleted version still readable: %d %s", r.status, r.body)
	}
	if r := w.do("DELETE", base2+"/4", "", nil); r.status != 400 || !strings.Contains(r.json["error"].(string), "current version") {
		t.Errorf("delete current version: %d %s", r.status, r.body)
	}
	if r := w.do("DELETE", base2+"/9", "", nil); r.status != 400 || r.json["error"] != fmt.Sprintf("Could not get version 9 of node %d", doc) {
		t.Errorf("delete unknown version: %d %s", r.status, r.body)
	}
	if r := w.do("DELETE", "/api/v2/nodes/424242/versions/1", "", nil); r.status != 400 || r.json["error"] != "Could not get a node for 424242" {
		t.Errorf("delete version of unknown node: %d %s", r.status, r.body)
	}
	if r := w.do("DELETE", base2+"/2", "", nil); r.status != 200 || dig(r.json, "links", "data", "self", "method") != "DELETE" || r.json["results"] == nil {
		t.Errorf("v2 delete: %d %s", r.status, r.body)
	}

	// Purge: number_to_keep from the query or a form body; at least 1.
	addWireVersion(w, doc, "content 5", nil)
	addWireVersion(w, doc, "content 6", nil) // versions 3 4 5 6
	if r := w.do("DELETE", base2+"?number_to_keep=0", "", nil); r.status != 400 || !strings.Contains(r.body, "minimum value (1)") {
		t.Errorf("number_to_keep=0: %d %s", r.status, r.body)
	}
	if r := w.do("DELETE", base2+"?number_to_keep=x", "", nil); r.status != 400 || r.json["error"] != "Invalid datatype specified for argument 'number_to_keep'" {
		t.Errorf("number_to_keep=x: %d %s", r.status, r.body)
	}
	if r := w.do("DELETE", base+"?number_to_keep=1", "", nil); r.status != 400 || !strings.Contains(r.body, "mappings registry") {
		t.Errorf("v1 purge is not an OTCS route: %d %s", r.status, r.body)
	}
	if r := w.form("DELETE", base2, url.Values{"number_to_keep": {"3"}}); r.status != 200 {
		t.Errorf("purge to 3 (form): %d %s", r.status, r.body)
	}
	if got := fmt.Sprint(versionNumbers(w, doc)); got != "[4 5 6]" {
		t.Errorf("after purge to 3: %s", got)
	}
	if r := w.do("DELETE", base2+"?number_to_keep=10", "", nil); r.status != 200 || len(w.s.Versions(doc)) != 3 {
		t.Errorf("purge keeping more than exist: %d %s", r.status, r.body)
	}
	if r := w.do("DELETE", base2, "", nil); r.status != 200 || fmt.Sprint(versionNumbers(w, doc)) != "[6]" {
		t.Errorf("purge with the default (1): %d %s %v", r.status, r.body, versionNumbers(w, doc))
	}
	if r := w.get(fmt.Sprintf("/api/v2/nodes/%d/content", doc)); r.body != "content 6" {
		t.Errorf("content after purge: %q", r.body)
	}
	if r := w.do("DELETE", "/api/v2/nodes/30002/versions", "", nil); r.status != 400 || r.json["error"] != "Node 30002 has no versions." {
		t.Errorf("purge a folder: %d %s", r.status, r.body)
	}

	// Holds and finalized records refuse both, naming why.
	addWireVersion(w, doc, "content 7", nil)
	if err := w.s.ApplyHold(doc, LitigationHoldID); err != nil {
		t.Fatal(err)
	}
	for _, r := range []result{w.do("DELETE", base+"/6", "", nil), w.do("DELETE", base2+"?number_to_keep=1", "", nil)} {
		if msg, _ := r.json["error"].(string); r.status != 400 || !strings.Contains(msg, "under hold 'Litigation Hold 2026-01'") {
			t.Errorf("held: %d %s", r.status, r.body)
		}
	}
	if r := w.do("DELETE", fmt.Sprintf("/api/v1/nodes/%d/holds/%d", doc, LitigationHoldID), "", nil); r.status != 200 {
		t.Fatalf("remove hold: %d %s", r.status, r.body)
	}
	if r := w.form("POST", fmt.Sprintf("/api/v1/nodes/%d/rmclassifications", doc), url.Values{"class_id": {"7001"}}); r.status != 200 {
		t.Fatalf("RM classify: %d %s", r.status, r.body)
	}
	if r := w.form("PUT", "/api/v1/rmclassifications/finalizerecords", url.Values{"ids": {fmt.Sprint(doc)}}); r.status != 200 {
		t.Fatalf("finalize: %d %s", r.status, r.body)
	}
	for _, r := range []result{w.do("DELETE", base2+"/6", "", nil), w.do("DELETE", base2, "", nil)} {
		if msg, _ := r.json["error"].(string); r.status != 400 || !strings.Contains(msg, "is a finalized record and its versions cannot be") {
			t.Errorf("finalized: %d %s", r.status, r.body)
		}
	}
	if got := fmt.Sprint(versionNumbers(w, doc)); got != "[6 7]" {
		t.Errorf("refusals changed versions: %s", got)
	}
}

func TestPromoteMajorMinor(t *testing.T) {
	w := newWire(t, Options{})
	// cs-rest addDocumentMajor: v1 flat create with advanced_versioning, promote 1, delete 1.
	r := multipartUpload(w, "POST", "/api/v1/nodes", map[string]string{"type": "144", "parent_id": "30002", "name": "major.txt", "advanced_versioning": "true"}, "major.txt", "draft")
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	doc := num(r.json["id"])
	r = w.get(fmt.Sprintf("/api/v2/nodes/%d/versions/1", doc))
	if v := dig(r.json, "results", "data", "versions"); dig(v, "version_number_name") != "0.1" || dig(v, "version_number_major") != 0.0 || dig(v, "version_number_minor") != 1.0 {
		t.Errorf("first advanced version: %s", r.body)
	}
	if r := w.get(fmt.Sprintf("/api/v2/nodes/%d", doc)); dig(r.json, "results", "data", "properties", "advanced_versioning") != true {
		t.Errorf("advanced_versioning property: %s", r.body)
	}
	promote := func(n int, body string) result {
		return w.form("POST", fmt.Sprintf("/api/v2/nodes/%d/versions/%d/promote", doc, n), url.Values{"body": {body}})
	}
	r = promote(1, `{"description":"Released"}`)
	v := dig(r.json, "results", "data", "versions")
	if r.status != 200 || dig(v, "version_number") != 2.0 || dig(v, "version_number_name") != "1.0" || dig(v, "description") != "Released" {
		t.Fatalf("promote: %d %s", r.status, r.body)
	}
	if r := promote(2, `{}`); r.status != 400 || !strings.Contains(r.json["error"].(string), "already a major version") {
		t.Errorf("promote a major version: %d %s", r.status, r.body)
	}
	if r := promote(7, `{}`); r.status != 400 || r.json["error"] != fmt.Sprintf("Could not get version 7 of node %d", doc) {
		t.Errorf("promote unknown version: %d %s", r.status, r.body)
	}
	if r := w.do("DELETE", fmt.Sprintf("/api/v1/nodes/%d/versions/1", doc), "", nil); r.status != 200 {
		t.Fatalf("delete 0.1: %d %s", r.status, r.body)
	}
	if r := w.get(fmt.Sprintf("/api/v2/nodes/%d/versions/2/content", doc)); r.body != "draft" {
		t.Errorf("promoted content: %q", r.body)
	}
	r = addWireVersion(w, doc, "minor", nil)
	if got := dig(r.json, "results", "data", "versions", "version_number_name"); got != "1.1" {
		t.Errorf("minor after 1.0 = %v", got)
	}
	r = addWireVersion(w, doc, "major", map[string]string{"add_major_version": "true"})
	if got := dig(r.json, "results", "data", "versions", "version_number_name"); got != "2.0" {
		t.Errorf("major after 1.1 = %v", got)
	}
	if vs := w.s.Versions(doc); len(vs) != 3 || !vs[0].Major || vs[1].Major || !vs[2].Major {
		t.Errorf("versions = %+v", vs)
	}

	// Standard versioning: nothing to promote; held documents refuse.
	std := wireDoc(w, PoliciesFolderID, "standard.txt")
	if r := w.form("POST", fmt.Sprintf("/api/v2/nodes/%d/versions/1/promote", std), url.Values{}); r.status != 400 || !strings.Contains(r.body, "major/minor versioning") {
		t.Errorf("promote standard: %d %s", r.status, r.body)
	}
	addWireVersion(w, doc, "minor 2.1", nil)
	if err := w.s.ApplyHold(doc, LitigationHoldID); err != nil {
		t.Fatal(err)
	}
	if r := promote(5, `{}`); r.status != 400 || !strings.Contains(r.body, "under hold") {
		t.Errorf("promote held: %d %s", r.status, r.body)
	}
}

func TestRecycleBin(t *testing.T) {
	w := newWire(t, Options{})
	create := func(parent int64, name string) int64 {
		r := w.form("POST", "/api/v2/nodes", url.Values{"body": {fmt.Sprintf(`{"type":0,"parent_id":%d,"name":%q}`, parent, name)}})
		if r.status != 200 {
			t.Fatalf("create %s: %d %s", name, r.status, r.body)
		}
		return num(dig(r.json, "results", "data", "properties", "id"))
	}
	folder := create(EnterpriseWorkspaceID, "Bin Folder")
	doc := wireDoc(w, folder, "inside.txt")
	if r := w.form("PUT", fmt.Sprintf("/api/v2/nodes/%d/nicknames", doc), url.Values{"nickname": {"inside_doc"}}); r.status != 200 {
		t.Fatalf("nickname: %d %s", r.status, r.body)
	}
	if r := w.do("DELETE", fmt.Sprintf("/api/v2/nodes/%d", folder), "", nil); r.status != 200 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	for _, id := range []int64{folder, doc} {
		if r := w.get(fmt.Sprintf("/api/v2/nodes/%d", id)); r.status != 400 {
			t.Errorf("deleted %d still visible: %d", id, r.status)
		}
	}
	if got := w.s.RecycleBin(); len(got) != 1 || got[0] != folder {
		t.Errorf("recycle bin = %v", got)
	}
	if resp, err := http.Get(w.ts.URL + "/__sim/state"); err != nil {
		t.Fatal(err)
	} else {
		var st map[string]any
		json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if fmt.Sprint(st["recycle_bin"]) != fmt.Sprintf("[%d]", folder) {
			t.Errorf("state recycle_bin = %v", st["recycle_bin"])
		}
	}
	if r := w.get("/api/v2/nicknames/inside_doc/nodes"); r.status != 400 {
		t.Errorf("nickname of a deleted node resolves: %d", r.status)
	}
	r := w.form("POST", "/api/v2/volumes/recyclebin/nodes/restore", url.Values{"body": {fmt.Sprintf(`{"ids":[%d]}`, folder)}})
	if r.status != 200 || fmt.Sprint(dig(r.json, "results", "success", "ids")) != fmt.Sprintf("[%d]", folder) || len(dig(r.json, "results", "failure", "ids").([]any)) != 0 {
		t.Fatalf("restore: %d %s", r.status, r.body)
	}
	if n, ok := w.s.Node(doc); !ok || n.ParentID != folder {
		t.Errorf("restored child = %+v %v", n, ok)
	}
	if r := w.get("/api/v2/nicknames/inside_doc/nodes"); r.status != 200 || num(dig(r.json, "results", "data", "properties", "id")) != doc {
		t.Errorf("nickname after restore: %d %s", r.status, r.body)
	}
	if r := w.get("/api/v2/nodes/2000/nodes?where_name=Bin%20Folder"); dig(r.json, "collection", "paging", "total_count") != 1.0 {
		t.Errorf("restored folder not browsable: %s", r.body)
	}

	// Purge: per-id outcome; any failure makes the answer 400.
	w.do("DELETE", fmt.Sprintf("/api/v1/nodes/%d", folder), "", nil)
	r = w.form("POST", "/api/v2/volumes/recyclebin/nodes/purge", url.Values{"ids": {fmt.Sprint(folder), "999"}})
	if r.status != 400 || fmt.Sprint(dig(r.json, "results", "success", "ids")) != fmt.Sprintf("[%d]", folder) ||
		fmt.Sprint(dig(r.json, "results", "failure", "ids")) != "[999]" ||
		dig(r.json, "results", "failure", "errors", "999", "message") != "The item 999 is not in the Recycle Bin." {
		t.Errorf("purge: %d %s", r.status, r.body)
	}
	if r := w.form("POST", "/api/v2/volumes/recyclebin/nodes/restore", url.Values{"ids": {fmt.Sprint(folder)}}); r.status != 400 {
		t.Errorf("restore purged: %d %s", r.status, r.body)
	}
	if len(w.s.RecycleBin()) != 0 {
		t.Errorf("bin after purge = %v", w.s.RecycleBin())
	}
	if r := w.form("POST", "/api/v2/volumes/recyclebin/nodes/purge", url.Values{}); r.status != 400 || r.json["error"] != "Missing required parameter 'ids'" {
		t.Errorf("no ids: %d %s", r.status, r.body)
	}

	// Restore refuses a name now taken, and a vanished original location.
	x := create(EnterpriseWorkspaceID, "Clash")
	w.do("DELETE", fmt.Sprintf("/api/v2/nodes/%d", x), "", nil)
	create(EnterpriseWorkspaceID, "CLASH")
	r = w.form("POST", "/api/v2/volumes/recyclebin/nodes/restore", url.Values{"ids": {fmt.Sprint(x)}})
	if r.status != 400 || dig(r.json, "results", "failure", "errors", fmt.Sprint(x), "message") != "An item with the name 'Clash' already exists." {
		t.Errorf("restore over a clash: %d %s", r.status, r.body)
	}
	a := create(EnterpriseWorkspaceID, "Outer")
	b := create(a, "Inner")
	w.do("DELETE", fmt.Sprintf("/api/v2/nodes/%d", b), "", nil)
	w.do("DELETE", fmt.Sprintf("/api/v2/nodes/%d", a), "", nil)
	w.form("POST", "/api/v2/volumes/recyclebin/nodes/purge", url.Values{"ids": {fmt.Sprint(a)}})
	r = w.form("POST", "/api/v2/volumes/recyclebin/nodes/restore", url.Values{"ids": {fmt.Sprint(b)}})
	if msg, _ := dig(r.json, "results", "failure", "errors", fmt.Sprint(b), "message").(string); r.status != 400 || !strings.Contains(msg, "original location") {
		t.Errorf("restore without parent: %d %s", r.status, r.body)
	}
}

func TestNodesListValidationGenerations(t *testing.T) {
	w := newWire(t, Options{})
	r := w.form("POST", "/api/v2/nodes/list", url.Values{"body": {`{"ids":[30001,424242,"2000"]}`}})
	if r.status != 200 || len(r.json["results"].([]any)) != 2 || dig(r.json, "results", 0, "data", "properties", "name") != "Controlled Documents" ||
		dig(r.json, "results", 1, "data", "properties", "id") != 2000.0 {
		t.Errorf("nodes/list: %d %s", r.status, r.body)
	}
	ids := make([]string, 251)
	for i := range ids {
		ids[i] = "2000"
	}
	if r := w.form("POST", "/api/v2/nodes/list", url.Values{"body": {`{"ids":[` + strings.Join(ids, ",") + `]}`}}); r.status != 400 || r.json["error"] != "Too many items specified for parameter 'ids'" {
		t.Errorf("251 ids: %d %s", r.status, r.body)
	}
	if r := w.form("POST", "/api/v2/nodes/list", url.Values{"ids": ids[:250]}); r.status != 200 || len(r.json["results"].([]any)) != 250 {
		t.Errorf("250 ids as repeated keys: %d", r.status)
	}
	if r := w.form("POST", "/api/v2/nodes/list", url.Values{}); r.status != 400 {
		t.Errorf("no ids: %d %s", r.status, r.body)
	}

	// Name validation answers only the colliding names.
	r = w.form("POST", "/api/v1/validation/nodes/names", url.Values{"body": {`{"parent_id":30001,"names":["POLICIES","fresh.pdf"]}`}})
	if r.status != 200 || fmt.Sprint(r.json["results"]) != "[map[id:30002 name:POLICIES]]" {
		t.Errorf("validation: %d %s", r.status, r.body)
	}
	if r := w.form("POST", "/api/v1/validation/nodes/names", url.Values{"body": {`{"parent_id":777,"names":["a"]}`}}); r.status != 400 || r.json["error"] != "Could not get a node for 777" {
		t.Errorf("validation unknown parent: %d %s", r.status, r.body)
	}
	if r := w.form("POST", "/api/v1/validation/nodes/names", url.Values{"names": {"a"}}); r.status != 400 || r.json["error"] != "Missing required parameter 'parent_id'" {
		t.Errorf("validation without parent: %d %s", r.status, r.body)
	}

	// Generations: a frozen copy of one version of a document.
	doc := wireDoc(w, PoliciesFolderID, "gen.txt")
	addWireVersion(w, doc, "second", nil)
	r = w.form("POST", "/api/v2/nodes", url.Values{"body": {fmt.Sprintf(`{"type":2,"parent_id":30003,"name":"gen v1","original_id":%d,"version_number":1}`, doc)}})
	props := dig(r.json, "results", "data", "properties")
	if r.status != 200 || dig(props, "type") != 2.0 || dig(props, "type_name") != "Generation" || num(dig(props, "original_id")) != doc || dig(props, "version_number") != 1.0 {
		t.Fatalf("generation: %d %s", r.status, r.body)
	}
	gen := num(dig(props, "id"))
	if r := w.get(fmt.Sprintf("/api/v2/nodes/%d/content", gen)); r.body != "content" {
		t.Errorf("generation content = %q", r.body)
	}
	addWireVersion(w, doc, "third", nil)
	if r := w.get(fmt.Sprintf("/api/v1/nodes/%d/content", gen)); r.body != "content" {
		t.Errorf("generation follows the original: %q", r.body)
	}
	if r := multipartUpload(w, "POST", fmt.Sprintf("/api/v2/nodes/%d/versions", gen), nil, "x.txt", "x"); r.status != 400 {
		t.Errorf("version added to a generation: %d %s", r.status, r.body)
	}
	for body, want := range map[string]string{
		fmt.Sprintf(`{"type":2,"parent_id":30003,"name":"g2","original_id":%d}`, doc):                    "Missing required parameter 'version_number'",
		`{"type":2,"parent_id":30003,"name":"g3","version_number":1}`:                                    "Missing required parameter 'original_id'",
		fmt.Sprintf(`{"type":2,"parent_id":30003,"name":"g4","original_id":%d,"version_number":9}`, doc): fmt.Sprintf("Could not get version 9 of node %d", doc),
		`{"type":2,"parent_id":30003,"name":"g5","original_id":30002,"version_number":1}`:                "A generation cannot be made of 'Policies' (30002): Folder items have no versions.",
	} {
		if r := w.form("POST", "/api/v2/nodes", url.Values{"body": {body}}); r.status != 400 || r.json["error"] != want {
			t.Errorf("%s: %d %s", body, r.status, r.body)
		}
	}

	// Content by file name, and the download/open actions.
	r = w.get(fmt.Sprintf("/api/v1/nodes/%d/content/gen.txt?action=download", doc))
	if r.body != "third" || r.header.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %q %v", r.body, r.header)
	}
	r = w.get(fmt.Sprintf("/api/v2/nodes/%d/content/anything.txt?action=open", doc))
	if r.body != "third" || r.header.Get("Content-Type") != "text/plain" || !strings.HasPrefix(r.header.Get("Content-Disposition"), "inline") {
		t.Errorf("open: %q %v", r.body, r.header)
	}

	// v1 browse shape.
	r = w.get("/api/v1/nodes/30003/nodes?limit=1")
	if r.status != 200 || dig(r.json, "data", 0, "name") != "gen v1" || r.json["total_count"] != 2.0 || r.json["page_total"] != 2.0 || r.json["limit"] != 1.0 || r.json["sort"] != "asc_name" {
		t.Errorf("v1 browse: %s", r.body)
	}
}

func TestMembers(t *testing.T) {
	w := newWire(t, Options{})
	if r := w.get("/api/v2/members/1001"); r.status != 200 || dig(r.json, "results", "data", "properties", "name") != "bridge" || dig(r.json, "results", "data", "properties", "type") != 0.0 {
		t.Errorf("v2 member: %d %s", r.status, r.body)
	}
	if r := w.get("/api/v1/members/1002"); r.status != 200 || dig(r.json, "data", "name") != "reviewer1" {
		t.Errorf("v1 member: %d %s", r.status, r.body)
	}
	if r := w.get("/api/v2/members/4242"); r.status != 400 || r.json["error"] != "Could not get a member for 4242" {
		t.Errorf("unknown member: %d %s", r.status, r.body)
	}
	names := func(r result) string {
		var out []string
		for _, it := range r.json["results"].([]any) {
			out = append(out, dig(it, "data", "properties", "name").(string))
		}
		return strings.Join(out, ",")
	}
	r := w.get("/api/v2/members?where_name=REVIEW&limit=50")
	if r.status != 200 || names(r) != "reviewer1,reviewer2" || dig(r.json, "collection", "paging", "limit") != 20.0 || dig(r.json, "collection", "paging", "total_count") != 2.0 {
		t.Errorf("where_name: %d %s", r.status, r.body)
	}
	if r := w.get("/api/v2/members?where_name=review&limit=1&page=2"); names(r) != "reviewer2" || dig(r.json, "collection", "paging", "page_total") != 2.0 {
		t.Errorf("paging: %s", r.body)
	}
	if r := w.get("/api/v2/members?where_type=1"); r.status != 200 || names(r) != "DefaultGroup,Legal,RM Administrators" {
		t.Errorf("groups: %s", r.body)
	}
	if r := w.get("/api/v2/members?limit=20&where_type=" + url.QueryEscape("[0,1]") + "&query=bridge"); names(r) != "bridge" {
		t.Errorf("cs-rest userQuery: %s", r.body)
	}
	if r := w.get("/api/v2/members?query=a&where_name=b"); r.status != 400 {
		t.Errorf("query with where_name: %d %s", r.status, r.body)
	}
	if r := w.get("/api/v2/members?page=0"); r.status != 400 {
		t.Errorf("page=0: %d %s", r.status, r.body)
	}
}
