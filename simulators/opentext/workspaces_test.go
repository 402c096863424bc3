package opentext

import (
	"fmt"
	"net/url"
	"reflect"
	"testing"
)

// workspaceIDs lists GET /api/v2/businessworkspaces?query and returns the
// result ids in order; anything but 200 fails the test.
func workspaceIDs(w *wire, query url.Values) ([]int64, result) {
	w.t.Helper()
	r := w.get("/api/v2/businessworkspaces?" + query.Encode())
	if r.status != 200 {
		w.t.Fatalf("list %v: %d %s", query, r.status, r.body)
	}
	ids := []int64{}
	for _, it := range dig(r.json, "results").([]any) {
		ids = append(ids, num(dig(it, "data", "properties", "id")))
	}
	return ids, r
}

func TestBusinessWorkspaceList(t *testing.T) {
	w := newWire(t, Options{})
	apollo := ProjectApolloWorkspaceID
	gemini, err := w.s.CreateWorkspace(EnterpriseWorkspaceID, "Project Gemini", ProjectWorkspaceTypeID, "Project",
		BusinessObjectRef{"SAP", "PROJECT", "GEMINI"})
	if err != nil {
		t.Fatal(err)
	}
	acme, err := w.s.CreateWorkspace(EnterpriseWorkspaceID, "ACME Corp", 17, "Customer",
		BusinessObjectRef{"SFDC", "ACCOUNT", "0015"}, BusinessObjectRef{"SAP", "KNA1", "APOLLO"})
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		query url.Values
		want  []int64
	}{
		{url.Values{}, []int64{acme.ID, apollo, gemini.ID}}, // by name unless sorted otherwise
		{url.Values{"where_workspace_type_id": {"16"}}, []int64{apollo, gemini.ID}},
		{url.Values{"where_workspace_type_name": {"customer"}}, []int64{acme.ID}},
		{url.Values{"where_name": {"project"}}, []int64{apollo, gemini.ID}},
		{url.Values{"where_name": {"contains_ollo"}}, []int64{apollo}},
		{url.Values{"where_name": {"startswith_ollo"}}, []int64{}},
		{url.Values{"where_name": {"startswith_acme"}}, []int64{acme.ID}},
		{url.Values{"where_ext_system_id": {"SAP"}, "where_bo_type": {"PROJECT"}, "where_bo_id": {"APOLLO"}}, []int64{apollo}},
		// Every reference counts, not only the first; each must match as a whole.
		{url.Values{"where_bo_id": {"APOLLO"}}, []int64{acme.ID, apollo}},
		{url.Values{"where_ext_system_id": {"SFDC"}, "where_bo_id": {"APOLLO"}}, []int64{}},
		{url.Values{"where_bo_id": {"apollo"}}, []int64{}},
		{url.Values{"expanded_view": {"true"}, "sort": {"desc_name"}}, []int64{gemini.ID, apollo, acme.ID}},
		{url.Values{"sort": {"desc_create_date"}, "expanded_view": {"false"}}, []int64{acme.ID, gemini.ID, apollo}},
	} {
		if got, _ := workspaceIDs(w, tc.query); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: got %v, want %v", tc.query, got, tc.want)
		}
	}

	// Shape: paging at the top level (no collection), {actions, data} items.
	ids, r := workspaceIDs(w, url.Values{"where_workspace_type_id": {"16"}, "limit": {"1"}, "page": {"2"}, "sort": {"name"}})
	if !reflect.DeepEqual(ids, []int64{gemini.ID}) || r.json["collection"] != nil {
		t.Fatalf("page 2: %s", r.body)
	}
	for k, want := range map[string]any{"page": 2.0, "limit": 1.0, "page_total": 2.0, "total_count": 2.0, "range_min": 2.0, "range_max": 2.0} {
		if got := dig(r.json, "paging", k); got != want {
			t.Errorf("paging.%s = %v, want %v", k, got, want)
		}
	}
	item := dig(r.json, "results", 0)
	if _, ok := dig(item, "actions").(map[string]any); !ok {
		t.Errorf("actions: %v", item)
	}
	props, _ := dig(item, "data", "properties").(map[string]any)
	for k, want := range map[string]any{"type": 848.0, "type_name": "Business Workspace", "wnf_wksp_type_id": 16.0, "name": "Project Gemini",
		"parent_id": float64(EnterpriseWorkspaceID), "container": true, "wksp_type_name": "Project"} {
		if props[k] != want {
			t.Errorf("properties.%s = %v, want %v", k, props[k], want)
		}
	}
	if _, ok := props["wnf_wksp_template_id"]; !ok {
		t.Errorf("wnf_wksp_template_id missing: %v", props)
	}
	if dig(r.json, "wksp_info", "wksp_type_icon") == nil || dig(r.json, "links", "data", "self", "href") == nil {
		t.Errorf("wksp_info / links: %s", r.body)
	}
	_, r = workspaceIDs(w, url.Values{"fields": {"properties{id,name}"}, "where_bo_id": {"GEMINI"}})
	if p, _ := dig(r.json, "results", 0, "data", "properties").(map[string]any); len(p) != 2 || p["name"] != "Project Gemini" {
		t.Errorf("fields sub-selection: %s", r.body)
	}
	_, r = workspaceIDs(w, url.Values{"where_name": {"nothing like it"}})
	if dig(r.json, "paging", "total_count") != 0.0 || dig(r.json, "paging", "page_total") != 1.0 || len(dig(r.json, "results").([]any)) != 0 {
		t.Errorf("empty list: %s", r.body)
	}

	// Deleted workspaces are gone from the list; bad parameters are refused.
	if err := w.s.DeleteNode(gemini.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := workspaceIDs(w, url.Values{"where_workspace_type_id": {"16"}}); !reflect.DeepEqual(got, []int64{apollo}) {
		t.Errorf("after delete: %v", got)
	}
	for q, status := range map[string]int{"where_workspace_type_id=x": 400, "page=0": 400, "limit=0": 400, "sort=desc_colour": 500} {
		if r := w.get("/api/v2/businessworkspaces?" + q); r.status != status || r.json["error"] == nil {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
	if r := w.get("/api/v1/businessworkspaces"); r.status != 400 {
		t.Errorf("v1 list is not an OTCS route: %d %s", r.status, r.body)
	}
	anon := &wire{t: t, base: w.base}
	if r := anon.get("/api/v2/businessworkspaces"); r.status != 401 {
		t.Errorf("no ticket: %d", r.status)
	}
}

func TestBusinessWorkspaceGet(t *testing.T) {
	w := newWire(t, Options{})
	base := fmt.Sprintf("/api/v2/businessworkspaces/%d", ProjectApolloWorkspaceID)
	r := w.get(base)
	if r.status != 200 {
		t.Fatalf("get: %d %s", r.status, r.body)
	}
	data, _ := dig(r.json, "results", "data").(map[string]any)
	for _, g := range []string{"properties", "business_properties", "categories", "workspace_references", "display_urls", "wksp_info"} {
		if _, ok := data[g]; !ok {
			t.Errorf("group %s missing without fields: %v", g, data)
		}
	}
	for k, want := range map[string]any{"id": float64(ProjectApolloWorkspaceID), "type": 848.0, "wksp_type_name": "Project",
		"name": "Project Apollo", "versions_control_advanced": false, "rm_enabled": false, "container_size": 2.0} {
		if got := dig(data, "properties", k); got != want {
			t.Errorf("properties.%s = %v, want %v", k, got, want)
		}
	}
	if _, ok := dig(data, "properties", "classification_ids").([]any); !ok {
		t.Errorf("classification_ids: %v", dig(data, "properties"))
	}
	for k, want := range map[string]any{"workspace_type_id": 16.0, "workspace_type_name": "Project", "business_object_id": "APOLLO",
		"business_object_type": "PROJECT", "external_system_id": "SAP", "has_default_display": true} {
		if got := dig(data, "business_properties", k); got != want {
			t.Errorf("business_properties.%s = %v, want %v", k, got, want)
		}
	}
	refs, _ := data["workspace_references"].([]any)
	if len(refs) != 1 || dig(refs[0], "business_object_id") != "APOLLO" || dig(refs[0], "external_system_id") != "SAP" ||
		dig(refs[0], "business_object_type") != "PROJECT" || dig(refs[0], "workspace_type_id") != 16.0 {
		t.Errorf("workspace_references: %v", refs)
	}
	if urls, ok := data["display_urls"].([]any); !ok || len(urls) != 0 {
		t.Errorf("display_urls: %v", data["display_urls"])
	}
	if dig(data, "wksp_info", "wksp_type_icon") == nil || dig(r.json, "links", "data", "self", "method") != "GET" {
		t.Errorf("wksp_info / links: %s", r.body)
	}

	// fields picks groups; properties takes a sub-selection.
	r = w.get(base + "?fields=business_properties&fields=" + url.QueryEscape("properties{id,wksp_type_name}"))
	data, _ = dig(r.json, "results", "data").(map[string]any)
	if p, _ := data["properties"].(map[string]any); len(data) != 2 || len(p) != 2 || p["wksp_type_name"] != "Project" {
		t.Errorf("fields: %s", r.body)
	}
	// v1 answers the same results.data, without links.
	r = w.get(fmt.Sprintf("/api/v1/businessworkspaces/%d?fields=properties", ProjectApolloWorkspaceID))
	if r.status != 200 || dig(r.json, "results", "data", "properties", "type") != 848.0 || r.json["links"] != nil {
		t.Errorf("v1: %d %s", r.status, r.body)
	}

	// 404 {"error"} for unknown ids and for nodes that are no workspace.
	for _, p := range []string{"/api/v2/businessworkspaces/424242", fmt.Sprintf("/api/v2/businessworkspaces/%d", ControlledDocumentsID),
		fmt.Sprintf("/api/v1/businessworkspaces/%d", ApolloAgreementID)} {
		r := w.get(p)
		if msg, _ := r.json["error"].(string); r.status != 404 || msg == "" || len(r.json) != 1 {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
}

func TestEnclosingBusinessWorkspace(t *testing.T) {
	w := newWire(t, Options{})
	sub := w.form("POST", "/api/v2/nodes", url.Values{"type": {"0"}, "parent_id": {fmt.Sprint(ProjectApolloWorkspaceID)}, "name": {"Contracts"}})
	subID := num(dig(sub.json, "results", "data", "properties", "id"))
	if sub.status != 200 {
		t.Fatalf("folder in workspace: %d %s", sub.status, sub.body)
	}
	nested := wireDoc(w, subID, "Annex A.txt")
	want := map[string]any{"id": float64(ProjectApolloWorkspaceID), "isLinked": false, "type": 848.0, "workspace_type_id": 16.0}
	for _, id := range []int64{ProjectApolloWorkspaceID, ApolloAgreementID, subID, nested} {
		r := w.get(fmt.Sprintf("/api/v1/nodes/%d/businessworkspace", id))
		if r.status != 200 || !reflect.DeepEqual(r.json, want) {
			t.Errorf("node %d: %d %s", id, r.status, r.body)
		}
	}
	for _, id := range []int64{EnterpriseWorkspaceID, ControlledDocumentsID, SOPIncidentResponseID} {
		r := w.get(fmt.Sprintf("/api/v1/nodes/%d/businessworkspace", id))
		if msg, _ := r.json["error"].(string); r.status != 404 || msg == "" {
			t.Errorf("outside, node %d: %d %s", id, r.status, r.body)
		}
	}
	if r := w.get("/api/v1/nodes/424242/businessworkspace"); r.status != 400 || r.json["error"] != "Could not get a node for 424242" {
		t.Errorf("unknown node: %d %s", r.status, r.body)
	}
	// A workspace inside a workspace is the nearer one.
	inner, err := w.s.CreateWorkspace(subID, "Apollo Supplier", 17, "Customer")
	if err != nil {
		t.Fatal(err)
	}
	if r := w.get(fmt.Sprintf("/api/v1/nodes/%d/businessworkspace", inner.ID)); num(r.json["id"]) != inner.ID || r.json["workspace_type_id"] != 17.0 {
		t.Errorf("nested workspace: %s", r.body)
	}
}
