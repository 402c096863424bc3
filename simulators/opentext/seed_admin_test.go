package opentext

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// POST /__sim/seed: N approved PDFs with category values, modify dates
// one second apart (newest last), and a 409 when a name is taken.
func TestSeedDocumentsEndpoint(t *testing.T) {
	w := newWire(t, Options{})
	q := url.Values{"parent": {fmt.Sprint(ApprovedProceduresFolderID)}, "documents": {"3"}, "prefix": {"Chaos procedure"},
		"category": {fmt.Sprint(DocumentControlCategoryID)}, "values": {"Owner:Chaos,Approval Status:Approved"}}
	resp, err := http.Post(w.ts.URL+"/__sim/seed?"+q.Encode(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Documents []SeededDocument `json:"documents"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("seed: %d %v", resp.StatusCode, err)
	}
	if len(out.Documents) != 3 || out.Documents[0].Name != "Chaos procedure 0001.pdf" || out.Documents[2].VersionName != "1.0" {
		t.Fatalf("documents %+v", out.Documents)
	}
	if !out.Documents[0].ModifyDate.Before(out.Documents[1].ModifyDate) {
		t.Errorf("modify dates %v, %v: want one second apart, newest last", out.Documents[0].ModifyDate, out.Documents[1].ModifyDate)
	}
	vals, ok := w.s.CategoryValues(out.Documents[1].ID, DocumentControlCategoryID)
	if !ok || vals["9002_3"] != "Chaos" || vals["9002_4"] != "Approved" {
		t.Errorf("values %v", vals)
	}
	if vs := w.s.Versions(out.Documents[0].ID); len(vs) != 1 || !vs[0].Major || vs[0].MimeType != "application/pdf" {
		t.Errorf("versions %+v", vs)
	}
	again, err := http.Post(w.ts.URL+"/__sim/seed?"+q.Encode(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if again.StatusCode != http.StatusConflict {
		t.Errorf("seeding the same names again: %d, want 409", again.StatusCode)
	}
}

// The write log holds successful changing calls with user, node and
// category, and nothing for reads, searches or refusals.
func TestWriteLog(t *testing.T) {
	w := newWire(t, Options{})
	bridge := w.as("bridge", "bridge-secret")
	doc := SOPIncidentResponseID
	bridge.get(fmt.Sprintf("/api/v2/nodes/%d", doc))
	bridge.form("POST", "/api/v2/search", url.Values{"where": {"SOP"}})
	if r := bridge.form("PUT", fmt.Sprintf("/api/v2/nodes/%d/categories/9002", doc), url.Values{"9002_6": {"https://wiki.example/p/1"}}); r.status != 200 {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	if r := bridge.form("POST", fmt.Sprintf("/api/v2/nodes/%d/categories", doc), url.Values{"category_id": {"9002"}}); r.status == 200 {
		t.Fatalf("apply twice: %d", r.status)
	}
	got := w.s.Writes()
	if len(got) != 1 {
		t.Fatalf("writes %+v, want the one category update", got)
	}
	if wr := got[0]; wr.User != "bridge" || wr.NodeID != doc || wr.CategoryID != 9002 || wr.Route != "PUT /api/v2/nodes/{id}/categories/{cat}" {
		t.Errorf("write %+v", wr)
	}
}
