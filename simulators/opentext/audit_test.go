package opentext

import (
	"fmt"
	"net/url"
	"testing"
)

// The audit lists a node's events newest first, with who made each, names
// its event types, filters and pages as the documented parameters say,
// and refuses a bad sort.
func TestNodeAuditListsTheNodesEvents(t *testing.T) {
	w := newWire(t, Options{})
	folder := num(dig(w.form("POST", "/api/v2/nodes", url.Values{"type": {"0"}, "parent_id": {fmt.Sprint(PoliciesFolderID)}, "name": {"Audited"}}).json, "results", "data", "properties", "id"))
	if r := w.form("PUT", fmt.Sprintf("/api/v2/nodes/%d", folder), url.Values{"name": {"Audited (renamed)"}}); r.status != 200 {
		t.Fatalf("rename: %d %s", r.status, r.body)
	}
	other := num(dig(w.form("POST", "/api/v2/nodes", url.Values{"type": {"0"}, "parent_id": {fmt.Sprint(PoliciesFolderID)}, "name": {"Other"}}).json, "results", "data", "properties", "id"))

	r := w.get(fmt.Sprintf("/api/v2/nodes/%d/audit", folder))
	if r.status != 200 {
		t.Fatalf("audit: %d %s", r.status, r.body)
	}
	audit, _ := dig(r.json, "results", "data", "audit").([]any)
	if len(audit) != 2 || dig(audit[0], "audit_name") != "Modify" || dig(audit[1], "audit_name") != "Create" {
		t.Fatalf("want Modify then Create, newest first: %s", r.body)
	}
	if dig(audit[1], "id") != float64(folder) || dig(audit[1], "user_id") != 1000.0 || dig(audit[1], "event_type") != 1.0 || dig(audit[1], "audit_date") == nil {
		t.Errorf("create event: %v", audit[1])
	}
	if types, _ := dig(r.json, "results", "data", "audit_event_types").([]any); len(types) == 0 || dig(types[0], "name") != "Create" {
		t.Errorf("event types: %v", types)
	}
	if dig(r.json, "collection", "paging", "total_count") != 2.0 {
		t.Errorf("paging: %v", dig(r.json, "collection"))
	}

	asc := w.get(fmt.Sprintf("/api/v2/nodes/%d/audit?sort=asc_audit_date&limit=1", folder))
	if a, _ := dig(asc.json, "results", "data", "audit").([]any); len(a) != 1 || dig(a[0], "audit_name") != "Create" || dig(asc.json, "collection", "paging", "page_total") != 2.0 {
		t.Errorf("ascending, one per page: %s", asc.body)
	}
	if typed := w.get(fmt.Sprintf("/api/v2/nodes/%d/audit?where_type=5", folder)); len(dig(typed.json, "results", "data", "audit").([]any)) != 1 {
		t.Errorf("where_type=5: %s", typed.body)
	}
	if o := w.get(fmt.Sprintf("/api/v2/nodes/%d/audit", other)); len(dig(o.json, "results", "data", "audit").([]any)) != 1 {
		t.Errorf("another node's audit has only its own create: %s", o.body)
	}
	if bad := w.get(fmt.Sprintf("/api/v2/nodes/%d/audit?sort=name", folder)); bad.status != 400 {
		t.Errorf("bad sort: %d %s", bad.status, bad.body)
	}
	if missing := w.get("/api/v2/nodes/987654/audit"); missing.status != 400 { // OTCS answers 400 for an unknown node
		t.Errorf("unknown node: %d", missing.status)
	}
}
