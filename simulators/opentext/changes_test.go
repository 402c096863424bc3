package opentext

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// stepClock is a simulator clock that only moves when told to, so every
// change gets a modify date of its own.
type stepClock struct{ unix atomic.Int64 }

func (c *stepClock) now() time.Time  { return time.Unix(c.unix.Load(), 0) }
func (c *stepClock) step() time.Time { return time.Unix(c.unix.Add(60), 0).UTC() }
func newStepClock(w *wire, start time.Time) *stepClock {
	c := &stepClock{}
	c.unix.Store(start.Unix())
	w.s.nowFunc = c.now
	return c
}

// clockedWire is a wire on a stepClock (tickets never expire meanwhile).
func clockedWire(t *testing.T) (*wire, *stepClock) {
	w := newWire(t, Options{TicketTTL: 24 * time.Hour})
	return w, newStepClock(w, time.Now().Truncate(time.Second))
}

func modifyDate(w *wire, id int64) string {
	w.t.Helper()
	r := w.get(fmt.Sprintf("/api/v2/nodes/%d", id))
	s, _ := dig(r.json, "results", "data", "properties", "modify_date").(string)
	return s
}

func TestModifyDateBumps(t *testing.T) {
	w, clk := clockedWire(t)
	bridge := w.as("bridge", "bridge-secret")
	r := multipartUpload(w, "POST", "/api/v2/nodes", map[string]string{"type": "144", "parent_id": fmt.Sprint(PoliciesFolderID), "name": "bump.txt", "advanced_versioning": "true"}, "bump.txt", "v1")
	doc := num(dig(r.json, "results", "data", "properties", "id"))
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	urlItem := num(dig(w.form("POST", "/api/v2/nodes", url.Values{"type": {"140"}, "parent_id": {fmt.Sprint(PoliciesFolderID)}, "name": {"Link"}, "url": {"https://a.example"}}).json, "results", "data", "properties", "id"))
	folder := num(dig(w.form("POST", "/api/v2/nodes", url.Values{"type": {"0"}, "parent_id": {fmt.Sprint(PoliciesFolderID)}, "name": {"Target"}}).json, "results", "data", "properties", "id"))

	for _, tc := range []struct {
		name string
		id   int64
		do   func() result
	}{
		{"add minor version", doc, func() result { return addWireVersion(bridge, doc, "v2", nil) }},
		{"promote", doc, func() result {
			return bridge.do("POST", fmt.Sprintf("/api/v2/nodes/%d/versions/2/promote", doc), "", nil)
		}},
		{"apply category", doc, func() result {
			return bridge.form("POST", fmt.Sprintf("/api/v2/nodes/%d/categories", doc), url.Values{"category_id": {"9002"}, "9002_4": {"Draft"}})
		}},
		{"update category", doc, func() result {
			return bridge.form("PUT", fmt.Sprintf("/api/v2/nodes/%d/categories/9002", doc), url.Values{"9002_4": {"Approved"}})
		}},
		{"remove category", doc, func() result {
			return bridge.do("DELETE", fmt.Sprintf("/api/v2/nodes/%d/categories/9002", doc), "", nil)
		}},
		{"rename", doc, func() result {
			return bridge.form("PUT", fmt.Sprintf("/api/v2/nodes/%d", doc), url.Values{"name": {"bumped.txt"}})
		}},
		{"describe", doc, func() result {
			return bridge.form("PUT", fmt.Sprintf("/api/v2/nodes/%d", doc), url.Values{"body": {`{"description":"new text"}`}})
		}},
		{"move", doc, func() result {
			return bridge.form("PUT", fmt.Sprintf("/api/v2/nodes/%d", doc), url.Values{"parent_id": {fmt.Sprint(folder)}})
		}},
		{"RM classify", doc, func() result {
			return bridge.form("POST", fmt.Sprintf("/api/v1/nodes/%d/rmclassifications", doc), url.Values{"class_id": {"7001"}})
		}},
		{"URL target", urlItem, func() result {
			return bridge.form("PUT", fmt.Sprintf("/api/v2/nodes/%d", urlItem), url.Values{"url": {"https://b.example"}})
		}},
	} {
		before := modifyDate(w, tc.id)
		want := clk.step().Format(otcsTime)
		if r := tc.do(); r.status != 200 {
			t.Fatalf("%s: %d %s", tc.name, r.status, r.body)
		}
		if got := modifyDate(w, tc.id); got != want || got == before {
			t.Errorf("%s: modify_date %s -> %s, want %s", tc.name, before, got, want)
		}
		if n, _ := w.s.Node(tc.id); n.ModifyUserID != BridgeUserID {
			t.Errorf("%s: modify user %d", tc.name, n.ModifyUserID)
		}
	}
	r = w.get(fmt.Sprintf("/api/v2/nodes/%d", doc))
	if dig(r.json, "results", "data", "properties", "modify_user_id") != float64(BridgeUserID) ||
		dig(r.json, "results", "data", "properties", "create_user_id") != float64(AdminUserID) {
		t.Errorf("modify_user_id / create_user_id: %s", r.body)
	}

	// Reads and refused changes leave it alone.
	before := modifyDate(w, doc)
	clk.step()
	w.get(fmt.Sprintf("/api/v2/nodes/%d/versions", doc))
	w.form("PUT", fmt.Sprintf("/api/v2/nodes/%d", doc), url.Values{"name": {"bad: name"}})
	if got := modifyDate(w, doc); got != before {
		t.Errorf("read or refused change moved modify_date: %s -> %s", before, got)
	}

	// The Go API bumps it too, as Admin.
	for _, tc := range []struct {
		name string
		do   func() error
	}{
		{"AddVersion", func() error { _, err := w.s.AddVersion(doc, "v4.txt", "text/plain", []byte("v4"), false); return err }},
		{"SetCategoryValue", func() error { return w.s.SetCategoryValue(doc, DocumentControlCategoryID, "Owner", "QA") }},
		{"Rename", func() error { return w.s.Rename(doc, "renamed.txt") }},
	} {
		want := clk.step()
		if err := tc.do(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if n, _ := w.s.Node(doc); !n.ModifyDate.Equal(want) || n.ModifyUserID != AdminUserID {
			t.Errorf("%s: modify date %v by %d, want %v by Admin", tc.name, n.ModifyDate, n.ModifyUserID, want)
		}
	}
}

func browseIDs(w *wire, parent int64, query string) ([]int64, result) {
	w.t.Helper()
	r := w.get(fmt.Sprintf("/api/v2/nodes/%d/nodes?%s", parent, query))
	if r.status != 200 {
		w.t.Fatalf("browse %s: %d %s", query, r.status, r.body)
	}
	return resultIDs(r), r
}

func TestBrowseSortByModifyDate(t *testing.T) {
	w, clk := clockedWire(t)
	clk.step()
	// Three documents created in the same second tie on modify_date.
	c := wireDoc(w, PoliciesFolderID, "c.txt")
	b := wireDoc(w, PoliciesFolderID, "b.txt")
	a := wireDoc(w, PoliciesFolderID, "a.txt")
	clk.step()
	addWireVersion(w, b, "newer", nil) // b is now the newest

	for q, want := range map[string][]int64{
		"sort=desc_modify_date": {b, a, c},
		"sort=asc_modify_date":  {c, a, b},
		"sort=modify_date":      {c, a, b},
		"sort=asc_name":         {a, b, c},
		"sort=desc_name":        {c, b, a},
		"sort=desc_create_date": {a, b, c},
		"sort=asc_id":           {c, b, a},
		"":                      {a, b, c},
	} {
		got, r := browseIDs(w, PoliciesFolderID, q)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %v, want %v", q, got, want)
		}
		echo := strings.TrimPrefix(q, "sort=")
		if echo == "" {
			echo = "asc_name"
		}
		if s := dig(r.json, "collection", "sorting", "sort", 0); dig(s, "key") != "sort" || dig(s, "value") != echo {
			t.Errorf("%q: sorting echo %v", q, s)
		}
	}
	// Paging a modify-date feed: one total order across pages.
	var paged []int64
	for page := 1; page <= 3; page++ {
		ids, _ := browseIDs(w, PoliciesFolderID, fmt.Sprintf("sort=desc_modify_date&limit=1&page=%d", page))
		paged = append(paged, ids...)
	}
	if !reflect.DeepEqual(paged, []int64{b, a, c}) {
		t.Errorf("paged feed: %v", paged)
	}
	r := w.get(fmt.Sprintf("/api/v2/nodes/%d/nodes?sort=desc_colour", PoliciesFolderID))
	if r.status != 500 || r.json["error"] != "Invalid column name (desc_colour) specified for sorting" {
		t.Errorf("unknown column: %d %s", r.status, r.body)
	}
	// The seeded Approved Procedures feed is the same on every run.
	ids, _ := browseIDs(w, ApprovedProceduresFolderID, "sort=desc_modify_date&where_type=144&where_type=140")
	if !reflect.DeepEqual(ids, []int64{LegalHoldProcedureID, SOPAccessReviewID, SOPChangeManagementID, SOPIncidentResponseID}) {
		t.Errorf("seeded feed: %v", ids)
	}
}

func TestURLItems(t *testing.T) {
	w := newWire(t, Options{})
	r := w.form("POST", "/api/v2/nodes", url.Values{"body": {fmt.Sprintf(`{"type":140,"parent_id":%d,"name":"Runbook","url":"https://wiki.example/runbook","description":"d"}`, PoliciesFolderID)}})
	id := num(dig(r.json, "results", "data", "properties", "id"))
	if r.status != 200 || dig(r.json, "results", "data", "properties", "url") != "https://wiki.example/runbook" ||
		dig(r.json, "results", "data", "properties", "type") != 140.0 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if r := w.form("POST", "/api/v2/nodes", url.Values{"type": {"140"}, "parent_id": {fmt.Sprint(PoliciesFolderID)}, "name": {"No target"}}); r.status != 400 || r.json["error"] != "Missing required parameter 'url'" {
		t.Errorf("create without url: %d %s", r.status, r.body)
	}
	r = w.form("PUT", fmt.Sprintf("/api/v2/nodes/%d", id), url.Values{"body": {`{"url":"https://wiki.example/runbook-v2"}`}})
	if r.status != 200 || dig(r.json, "results", "data", "properties", "url") != "https://wiki.example/runbook-v2" {
		t.Errorf("PUT url: %d %s", r.status, r.body)
	}
	if r := w.get(fmt.Sprintf("/api/v1/nodes/%d", id)); dig(r.json, "data", "url") != "https://wiki.example/runbook-v2" || dig(r.json, "data", "name") != "Runbook" {
		t.Errorf("v1 read: %s", r.body)
	}
	if n, _ := w.s.Node(id); n.URL != "https://wiki.example/runbook-v2" {
		t.Errorf("snapshot URL = %q", n.URL)
	}
	if r := w.form("PUT", fmt.Sprintf("/api/v2/nodes/%d", id), url.Values{"url": {" "}, "name": {"Renamed"}}); r.status != 400 {
		t.Errorf("empty url: %d %s", r.status, r.body)
	}
	if n, _ := w.s.Node(id); n.Name != "Runbook" {
		t.Errorf("refused PUT renamed the item: %q", n.Name)
	}
	// Other items ignore url.
	if r := w.form("PUT", fmt.Sprintf("/api/v2/nodes/%d", PoliciesFolderID), url.Values{"url": {"https://x"}}); r.status != 200 || dig(r.json, "results", "data", "properties", "url") != nil {
		t.Errorf("folder with url: %d %s", r.status, r.body)
	}
	if got := searchIDs(w, "OTSubType: 140", nil); !reflect.DeepEqual(got, []int64{id}) {
		t.Errorf("search OTSubType 140: %v", got)
	}
}

func TestVersionNumberFields(t *testing.T) {
	w := newWire(t, Options{})
	doc := wireDoc(w, PoliciesFolderID, "standard.txt")
	addWireVersion(w, doc, "two", nil)
	type nums struct {
		Number, Major, Minor, AltMajor, AltMinor float64
		Name                                     string
	}
	read := func(id int64) []nums {
		r := w.get(fmt.Sprintf("/api/v2/nodes/%d/versions", id))
		var out []nums
		for _, it := range dig(r.json, "results").([]any) {
			v := dig(it, "data", "versions")
			n := nums{}
			n.Number, _ = dig(v, "version_number").(float64)
			n.Major, _ = dig(v, "version_number_major").(float64)
			n.Minor, _ = dig(v, "version_number_minor").(float64)
			n.AltMajor, _ = dig(v, "version_major_number").(float64)
			n.AltMinor, _ = dig(v, "version_minor_number").(float64)
			n.Name, _ = dig(v, "version_number_name").(string)
			out = append(out, n)
		}
		return out
	}
	if got, want := read(doc), []nums{{1, 0, 1, 0, 1, "1"}, {2, 0, 2, 0, 2, "2"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("standard: %+v", got)
	}
	if got, want := read(SOPIncidentResponseID), []nums{{1, 1, 0, 1, 0, "1.0"}, {2, 1, 1, 1, 1, "1.1"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("advanced: %+v", got)
	}
	if vs := w.s.Versions(SOPChangeManagementID); len(vs) != 2 || vs[1].Name != "2.0" || vs[1].MajorNumber != 2 || vs[1].MinorNumber != 0 || !vs[1].Major {
		t.Errorf("snapshot: %+v", vs)
	}
}
