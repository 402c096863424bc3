package opentext

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// searchIDs runs POST /api/v2/search with a flat `where` form field and
// returns the result ids in order; it fails the test on anything but 200.
func searchIDs(w *wire, where string, extra url.Values) []int64 {
	w.t.Helper()
	vals := url.Values{"where": {where}}
	for k, v := range extra {
		vals[k] = v
	}
	r := w.form("POST", "/api/v2/search", vals)
	if r.status != 200 {
		w.t.Fatalf("search %q: %d %s", where, r.status, r.body)
	}
	return resultIDs(r)
}

func resultIDs(r result) []int64 {
	ids := []int64{}
	for _, it := range dig(r.json, "results").([]any) {
		ids = append(ids, num(dig(it, "data", "properties", "id")))
	}
	return ids
}

// multipartFields posts plain form fields as multipart/form-data, the way
// xecm and cs-rest send them.
func multipartFields(w *wire, method, path string, fields [][2]string) result {
	w.t.Helper()
	var mb bytes.Buffer
	mw := multipart.NewWriter(&mb)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	mw.Close()
	return w.do(method, path, mw.FormDataContentType(), &mb)
}

func TestSearchLQL(t *testing.T) {
	w := newWire(t, Options{})
	folder := w.form("POST", "/api/v2/nodes", url.Values{"type": {"0"}, "parent_id": {fmt.Sprint(PoliciesFolderID)}, "name": {"Search Target"}})
	fid := num(dig(folder.json, "results", "data", "properties", "id"))
	if folder.status != 200 || fid == 0 {
		t.Fatalf("create folder: %d %s", folder.status, folder.body)
	}
	policy := wireDoc(w, fid, "Records Retention Policy.txt")
	minutes := wireDoc(w, fid, "Minutes 2026.txt")
	notes := wireDoc(w, MeetingNotesFolderID, "Minutes Archive.txt")

	for _, tc := range []struct {
		where string
		want  []int64
	}{
		// Word match, case-insensitive, ordered by name then id.
		{`OTName: policies`, []int64{RMPoliciesClassID, PoliciesFolderID}},
		{`OTName: Polic*`, []int64{RMPoliciesClassID, PoliciesFolderID, PolicyTemplateID, policy}},
		{`OTName: policy.txt`, []int64{policy}},
		{`OTName:minutes`, []int64{minutes, notes}},
		// Quoted: the whole name, case-insensitively.
		{`OTName: "policies"`, []int64{PoliciesFolderID}},
		{`OTName: "records retention policy.txt"`, []int64{policy}},
		{`OTName: "Retention Policy"`, []int64{}},
		{`OTSubType: 551`, []int64{RMMeetingsClassID, RMPoliciesClassID}},
		// OTLocation: the node itself and everything below it.
		// (The seeded Approved Procedures, Project Apollo and template
		// documents sit under 30001 too.)
		{`OTLocation: 30002`, []int64{minutes, PoliciesFolderID, policy, fid}},
		{`OTSubType: 144 and OTLocation: 30001`, []int64{ApolloBudgetApprovalID, ApolloAgreementID, ChecklistTemplateID, LegalHoldProcedureID, minutes,
			PolicyTemplateID, CharterTemplateID, policy, SOPTemplateID, SOPIncidentResponseID, SOPChangeManagementID, SOPAccessReviewID}},
		{`OTSubType: 144 AND OTLocation: 2000`, []int64{ApolloBudgetApprovalID, ApolloAgreementID, ChecklistTemplateID, LegalHoldProcedureID, minutes, notes,
			PolicyTemplateID, CharterTemplateID, policy, SOPTemplateID, SOPIncidentResponseID, SOPChangeManagementID, SOPAccessReviewID}},
		{`OTName: minutes and OTLocation: 30003`, []int64{notes}},
		// `and` binds tighter than `or`; parentheses regroup.
		{`OTSubType: 551 or OTName: Records and OTSubType: 0`, []int64{RMMeetingsClassID, RMPoliciesClassID, RecordsFolderID}},
		{`(OTSubType: 551 Or OTName: Records) and OTSubType: 0`, []int64{RecordsFolderID}},
		{`OTName: "Search Target" OR (OTSubType: 144 and OTName: archive)`, []int64{notes, fid}},
	} {
		// One page holds every hit (the default page has 10).
		if got := searchIDs(w, tc.where, url.Values{"limit": {"50"}}); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.where, got, tc.want)
		}
	}

	// Result shape: properties, regions, search_result_metadata.
	r := w.form("POST", "/api/v2/search", url.Values{"where": {`OTName: "Records Retention Policy.txt"`}})
	item := dig(r.json, "results", 0)
	if got := dig(item, "data", "properties", "name"); got != "Records Retention Policy.txt" {
		t.Errorf("properties.name: %v (%s)", got, r.body)
	}
	if got, want := dig(item, "data", "regions", "OTLocation"), fmt.Sprintf("2000 30001 30002 %d %d", fid, policy); got != want {
		t.Errorf("OTLocation region: %v, want %q", got, want)
	}
	if got := dig(item, "data", "regions", "OTName"); got != "Records Retention Policy.txt" {
		t.Errorf("OTName region: %v", got)
	}
	if got, want := dig(item, "search_result_metadata", "object_id"), fmt.Sprintf("DataId=%d&Version=1", policy); got != want {
		t.Errorf("object_id: %v, want %s", got, want)
	}
	if dig(item, "search_result_metadata", "current_version") != true {
		t.Errorf("current_version: %v", dig(item, "search_result_metadata"))
	}
	addWireVersion(w, policy, "second", nil)
	r = w.form("POST", "/api/v2/search", url.Values{"where": {`OTName: "Records Retention Policy.txt"`}})
	if got, want := dig(r.json, "results", 0, "search_result_metadata", "object_id"), fmt.Sprintf("DataId=%d&Version=2", policy); got != want {
		t.Errorf("object_id after a new version: %v, want %s", got, want)
	}
	if dig(r.json, "collection", "searching") == nil || dig(r.json, "collection", "sorting") == nil || dig(r.json, "links", "data", "self") == nil {
		t.Errorf("collection.searching / sorting / links missing: %s", r.body)
	}
}

func TestSearchPagingAndStyles(t *testing.T) {
	w := newWire(t, Options{})
	var docs []int64
	for _, name := range []string{"Paged A.txt", "Paged B.txt", "Paged C.txt"} {
		docs = append(docs, wireDoc(w, RecordsFolderID, name))
	}
	where := `OTName: paged and OTSubType: 144`

	r := w.form("POST", "/api/v2/search", url.Values{"where": {where}, "limit": {"2"}, "page": {"2"}})
	if r.status != 200 || !reflect.DeepEqual(resultIDs(r), docs[2:]) {
		t.Fatalf("page 2: %d %s", r.status, r.body)
	}
	paging := dig(r.json, "collection", "paging")
	for k, want := range map[string]any{"page": 2.0, "limit": 2.0, "page_total": 2.0, "total_count": 3.0, "range_min": 3.0, "range_max": 3.0,
		"result_header_string": "Results 3 to 3 of 3 sorted by Relevance"} {
		if got := dig(paging, k); got != want {
			t.Errorf("paging.%s = %v, want %v", k, got, want)
		}
	}
	if got := searchIDs(w, where, nil); !reflect.DeepEqual(got, docs) {
		t.Errorf("default page: %v", got)
	}
	if got := searchIDs(w, where, url.Values{"lookfor": {"complexQuery"}, "limit": {"1"}}); !reflect.DeepEqual(got, docs[:1]) {
		t.Errorf("lookfor=complexquery, limit 1: %v", got)
	}

	// page=0 and limit=0 are refused with OTCS's feature text.
	r = w.form("POST", "/api/v2/search", url.Values{"where": {where}, "page": {"0"}})
	if r.status != 400 || r.json["error"] != "Could not set feature Page Number, the value 0 is less than the minimum value (1)" {
		t.Errorf("page=0: %d %s", r.status, r.body)
	}
	if r = w.form("POST", "/api/v2/search", url.Values{"where": {where}, "limit": {"0"}}); r.status != 400 || !strings.Contains(r.body, "Page Size") {
		t.Errorf("limit=0: %d %s", r.status, r.body)
	}

	// xecm: multipart body={"limit":..,"where":..} plus a separate page field.
	r = multipartFields(w, "POST", "/api/v2/search", [][2]string{
		{"body", fmt.Sprintf(`{"limit":2,"where":%q}`, where)}, {"page", "1"},
	})
	if r.status != 200 || !reflect.DeepEqual(resultIDs(r), docs[:2]) || dig(r.json, "collection", "paging", "page_total") != 2.0 {
		t.Errorf("xecm style: %d %s", r.status, r.body)
	}
	// cs-rest: multipart body={"where":..}.
	r = multipartFields(w, "POST", "/api/v2/search/", [][2]string{{"body", fmt.Sprintf(`{"where":%q}`, where)}})
	if r.status != 200 || !reflect.DeepEqual(resultIDs(r), docs) {
		t.Errorf("cs-rest style: %d %s", r.status, r.body)
	}
	// url-encoded body field.
	r = w.form("POST", "/api/v2/search", url.Values{"body": {fmt.Sprintf(`{"where":%q,"limit":1,"page":3}`, where)}})
	if r.status != 200 || !reflect.DeepEqual(resultIDs(r), docs[2:]) {
		t.Errorf("form body field: %d %s", r.status, r.body)
	}
	// The deprecated GET takes the same parameters in the query string.
	r = w.get("/api/v2/search?" + url.Values{"where": {where}, "limit": {"2"}}.Encode())
	if r.status != 200 || !reflect.DeepEqual(resultIDs(r), docs[:2]) {
		t.Errorf("GET: %d %s", r.status, r.body)
	}

	// The Recycle Bin is not searched; a restored item is found again.
	if r = w.do("DELETE", fmt.Sprintf("/api/v2/nodes/%d", docs[1]), "", nil); r.status != 200 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if got := searchIDs(w, where, nil); !reflect.DeepEqual(got, []int64{docs[0], docs[2]}) {
		t.Errorf("after delete: %v", got)
	}
	if got := searchIDs(w, fmt.Sprintf("OTLocation: %d", docs[1]), nil); len(got) != 0 {
		t.Errorf("deleted node by location: %v", got)
	}
	if r = w.form("POST", "/api/v2/volumes/recyclebin/nodes/restore", url.Values{"ids": {fmt.Sprint(docs[1])}}); r.status != 200 {
		t.Fatalf("restore: %d %s", r.status, r.body)
	}
	if got := searchIDs(w, where, nil); !reflect.DeepEqual(got, docs) {
		t.Errorf("after restore: %v", got)
	}

	// Authentication is required, as on every other read.
	anon := &wire{t: t, base: w.base}
	if r = anon.form("POST", "/api/v2/search", url.Values{"where": {where}}); r.status != 401 {
		t.Errorf("no ticket: %d %s", r.status, r.body)
	}
}

func TestSearchErrors(t *testing.T) {
	w := newWire(t, Options{})
	for _, where := range []string{
		"", "   ", "policies", `"Policies"`, "OTName:", "OTName policies", `OTName: "unterminated`,
		"OTSubType: abc", "OTLocation: x", "OTFoo: 1", "OTName: x and", "or OTName: x", "OTName: x or and OTName: y",
		"(OTName: x", "OTName: x)", "()", "OTName: x OTName: y", "OTName: *", `OTName: ""`,
	} {
		r := w.form("POST", "/api/v2/search", url.Values{"where": {where}})
		if r.status != 400 || r.json["error"] != lqlError {
			t.Errorf("where %q: %d %s", where, r.status, r.body)
		}
	}
	if r := w.form("POST", "/api/v2/search", nil); r.status != 400 || !strings.HasPrefix(r.json["error"].(string), "You have either not specified any search criterion at all") {
		t.Errorf("no where: %d %s", r.status, r.body)
	}
	if r := w.form("POST", "/api/v2/search", url.Values{"where": {"x"}, "lookfor": {"somewords"}}); r.status != 400 || !strings.Contains(r.body, "lookfor") {
		t.Errorf("lookfor=somewords: %d %s", r.status, r.body)
	}
	if r := w.form("POST", "/api/v2/search", url.Values{"where": {"x"}, "lookfor": {"allwords"}, "within": {"title"}}); r.status != 400 || !strings.Contains(r.body, "within") {
		t.Errorf("within=title: %d %s", r.status, r.body)
	}
	if r := w.form("POST", "/api/v2/search", url.Values{"where": {" - "}, "lookfor": {"anywords"}}); r.status != 400 || r.json["error"] != lqlError {
		t.Errorf("anywords without a word: %d %s", r.status, r.body)
	}
	if r := w.form("POST", "/api/v2/search", url.Values{"where": {"OTName: x"}, "suppress_response_codes": {""}, "page": {"0"}}); r.status != 200 || r.json["statusCode"] != 400.0 {
		t.Errorf("suppress_response_codes: %d %s", r.status, r.body)
	}
}

// The full-text modes: allwords, anywords and exactphrase over the name and
// description (within=metadata), the text of the latest version
// (within=content) or both (all, the default), paged like LQL results and
// only over what the caller may see.
func TestSearchFullTextModes(t *testing.T) {
	w := newWire(t, Options{})
	doc := func(name, body string) int64 {
		t.Helper()
		n, err := w.s.CreateDocument(EnterpriseWorkspaceID, name, "text/plain", []byte(body), false)
		if err != nil {
			t.Fatal(err)
		}
		return n.ID
	}
	a := doc("Zebra retention memo.txt", "The quarterly ledger is kept for seven years.")
	b := doc("Zebra audit memo.txt", "Seven auditors read the ledger.")
	c := doc("Quarterly zebra report.txt", "nothing to see")
	pdf, err := w.s.CreateDocument(EnterpriseWorkspaceID, "Zebra scan.pdf", "application/pdf", []byte("%PDF-1.7 seven ledger"), false)
	if err != nil {
		t.Fatal(err)
	}
	mode := func(lookfor, within string) url.Values {
		v := url.Values{"lookfor": {lookfor}}
		if within != "" {
			v.Set("within", within)
		}
		return v
	}
	for _, tc := range []struct {
		where, lookfor, within string
		want                   []int64
	}{
		{"zebra memo", "allwords", "metadata", []int64{b, a}},
		{"ZEBRA Memo", "allwords", "", []int64{b, a}},
		{"seven ledger", "allwords", "content", []int64{b, a}},
		{"seven ledger", "allwords", "metadata", []int64{}},
		{"kept auditors", "anywords", "content", []int64{b, a}},
		{"quarterly", "anywords", "all", []int64{c, a}},
		{"quarterly", "anywords", "metadata", []int64{c}},
		{"kept for seven", "exactphrase", "content", []int64{a}},
		{"seven for kept", "exactphrase", "content", []int64{}},
		{"retention memo", "exactphrase", "", []int64{a}},
		{"memo zebra", "exactphrase", "", []int64{}},
	} {
		got := searchIDs(w, tc.where, mode(tc.lookfor, tc.within))
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s %q within %q: %v, want %v", tc.lookfor, tc.where, tc.within, got, tc.want)
		}
	}
	// A PDF's content is not indexed (no filter), its name is.
	if got := searchIDs(w, "scan", mode("allwords", "")); fmt.Sprint(got) != fmt.Sprint([]int64{pdf.ID}) {
		t.Errorf("pdf by name: %v", got)
	}
	// Paging as for LQL.
	v := mode("anywords", "")
	v.Set("limit", "1")
	v.Set("page", "2")
	r := w.form("POST", "/api/v2/search", url.Values{"where": {"zebra"}, "lookfor": v["lookfor"], "limit": v["limit"], "page": v["page"]})
	if r.status != 200 || dig(r.json, "collection", "paging", "total_count") != 4.0 || len(resultIDs(r)) != 1 {
		t.Errorf("paging: %d %s", r.status, r.body)
	}
}
