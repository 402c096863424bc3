package opentext

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// permBody is the `body` form field pyxecm sends to the permission endpoints.
func permBody(v map[string]any) url.Values {
	b, _ := json.Marshal(v)
	return url.Values{"body": {string(b)}}
}

// entries renders results[].data.permissions as "type:right_id:perm+perm" lines.
func entries(r result) string {
	var out []string
	list, _ := r.json["results"].([]any)
	for _, it := range list {
		out = append(out, entry(dig(it, "data", "permissions")))
	}
	return strings.Join(out, " ")
}

func entry(e any) string {
	var names []string
	list, _ := dig(e, "permissions").([]any)
	for _, p := range list {
		names = append(names, p.(string))
	}
	right := dig(e, "right_id")
	if right == nil {
		right = "-"
	}
	return fmt.Sprintf("%v:%v:%s", dig(e, "type"), right, strings.Join(names, "+"))
}

const allPerms = "see+see_contents+modify+edit_attributes+add_items+reserve+add_major_version+delete_versions+delete+edit_permissions"

// legalOnly makes a folder under Policies that only Legal (and the owner
// and administrators) may see: public access removed, Legal assigned see
// and see_contents. It returns the folder and a document made in it.
func legalOnly(t *testing.T, w *wire) (folder, doc int64) {
	t.Helper()
	r := w.form("POST", "/api/v2/nodes", url.Values{"type": {"0"}, "parent_id": {fmt.Sprint(PoliciesFolderID)}, "name": {"Legal Only"}})
	if r.status != 200 {
		t.Fatalf("create folder: %d %s", r.status, r.body)
	}
	folder = int64(dig(r.json, "results", "data", "properties", "id").(float64))
	base := fmt.Sprintf("/api/v2/nodes/%d/permissions", folder)
	if r := w.form("PUT", base+"/public", permBody(map[string]any{"permissions": []string{}})); r.status != 200 {
		t.Fatalf("remove public access: %d %s", r.status, r.body)
	}
	if r := w.form("POST", base+"/custom", permBody(map[string]any{"permissions": []string{"see", "see_contents"}, "right_id": LegalGroupID, "apply_to": 0})); r.status != 200 {
		t.Fatalf("assign Legal: %d %s", r.status, r.body)
	}
	return folder, wireDoc(w, folder, "contract.txt")
}

func TestPermissionShapes(t *testing.T) {
	w := newWire(t, Options{})

	// Seed default: Admin owns, DefaultGroup holds nothing, public may see and open.
	base := fmt.Sprintf("/api/v2/nodes/%d/permissions", PoliciesFolderID)
	r := w.get(base)
	want := fmt.Sprintf("owner:%d:%s group:%d: public:-:see+see_contents", AdminUserID, allPerms, DefaultGroupID)
	if r.status != 200 || entries(r) != want || dig(r.json, "links", "data", "self", "href") != base {
		t.Fatalf("seed permissions: %d %s\nwant %s", r.status, entries(r), want)
	}
	for typ, want := range map[string]string{
		"owner":  fmt.Sprintf("owner:%d:%s", AdminUserID, allPerms),
		"group":  fmt.Sprintf("group:%d:", DefaultGroupID),
		"public": "public:-:see+see_contents",
	} {
		r := w.get(base + "/" + typ)
		if got := entry(dig(r.json, "results", "data", "permissions")); r.status != 200 || got != want {
			t.Errorf("GET %s: %d %s", typ, r.status, r.body)
		}
	}

	// Assigned access: POST with `body`, as pyxecm sends it; answers the entry.
	r = w.form("POST", base+"/custom", permBody(map[string]any{"permissions": []string{"see", "see_contents"}, "right_id": LegalGroupID, "apply_to": 0}))
	if r.status != 200 || entry(dig(r.json, "results", "data", "permissions")) != fmt.Sprintf("custom:%d:see+see_contents", LegalGroupID) {
		t.Fatalf("POST custom: %d %s", r.status, r.body)
	}
	// Flat form fields work too (repeated keys).
	if r := w.form("POST", base+"/custom", url.Values{"permissions": {"see"}, "right_id": {fmt.Sprint(OscarUserID)}}); r.status != 200 {
		t.Fatalf("POST custom flat: %d %s", r.status, r.body)
	}
	// PUT changes an entry; DELETE removes one.
	if r := w.form("PUT", fmt.Sprintf("%s/custom/%d", base, LegalGroupID), permBody(map[string]any{"permissions": []string{"see", "see_contents", "modify"}})); r.status != 200 || fmt.Sprint(r.json["results"]) != "map[]" {
		t.Fatalf("PUT custom: %d %s", r.status, r.body)
	}
	if r := w.do("DELETE", fmt.Sprintf("%s/custom/%d", base, OscarUserID), "", nil); r.status != 200 {
		t.Fatalf("DELETE custom: %d %s", r.status, r.body)
	}
	if got := entries(w.get(base)); !strings.HasSuffix(got, fmt.Sprintf("public:-:see+see_contents custom:%d:see+see_contents+modify", LegalGroupID)) {
		t.Errorf("after custom changes: %s", got)
	}
	// Errors: unknown permission name, entry not assigned, unknown member, apply_to out of range.
	for _, tc := range []struct {
		method, path string
		body         map[string]any
		status       int
		text         string
	}{
		{"POST", base + "/custom", map[string]any{"permissions": []string{"read"}, "right_id": LegalGroupID}, 400, "Invalid permission 'read'"},
		{"POST", base + "/custom", map[string]any{"permissions": []string{"see"}}, 400, "Missing required parameter 'right_id'"},
		{"POST", base + "/custom", map[string]any{"permissions": []string{"see"}, "right_id": 4242}, 400, "Could not get a member for 4242"},
		{"PUT", fmt.Sprintf("%s/custom/%d", base, OscarUserID), map[string]any{"permissions": []string{"see"}}, 400, "has no assigned access"},
		{"PUT", base + "/public", map[string]any{"permissions": []string{"see"}, "apply_to": 7}, 400, "apply_to"},
		{"PUT", base + "/owner", map[string]any{"permissions": []string{"see"}, "right_id": LegalGroupID}, 400, "Could not get a member"},
		{"PUT", base + "/public", map[string]any{}, 400, "Missing required parameter 'permissions'"},
		{"GET", "/api/v2/nodes/424242/permissions", nil, 500, "could not be accessed"},
	} {
		var r result
		if tc.body == nil {
			r = w.get(tc.path)
		} else {
			r = w.form(tc.method, tc.path, permBody(tc.body))
		}
		if msg, _ := r.json["error"].(string); r.status != tc.status || !strings.Contains(msg, tc.text) {
			t.Errorf("%s %s %v: %d %s", tc.method, tc.path, tc.body, r.status, r.body)
		}
	}

	// Owner and group: a new right_id changes the owner; DELETE removes an
	// entry, which GET shows as permissions null, and PUT restores it.
	if r := w.form("PUT", base+"/group", permBody(map[string]any{"permissions": []string{"see"}, "right_id": LegalGroupID})); r.status != 200 {
		t.Fatalf("PUT group: %d %s", r.status, r.body)
	}
	if r := w.get(fmt.Sprintf("/api/v2/nodes/%d?fields=properties{owner_group_id}", PoliciesFolderID)); dig(r.json, "results", "data", "properties", "owner_group_id") != float64(LegalGroupID) {
		t.Errorf("owner_group_id: %s", r.body)
	}
	if r := w.do("DELETE", base+"/public", "", nil); r.status != 200 {
		t.Fatalf("DELETE public: %d %s", r.status, r.body)
	}
	if r := w.get(base + "/public"); dig(r.json, "results", "data", "permissions", "permissions") != nil || dig(r.json, "results", "data", "permissions", "type") != "public" {
		t.Errorf("removed public: %s", r.body)
	}
	if got := entries(w.get(base)); strings.Contains(got, "public") {
		t.Errorf("removed public still listed: %s", got)
	}
	if r := w.form("PUT", base+"/public", permBody(map[string]any{"permissions": []string{"see", "see_contents"}})); r.status != 200 {
		t.Fatalf("restore public: %d %s", r.status, r.body)
	}

	// Paging, fields=permissions with .limit and expand.
	if r := w.get(base + "?limit=2&page=2"); entries(r) != "public:-:see+see_contents "+fmt.Sprintf("custom:%d:see+see_contents+modify", LegalGroupID) || dig(r.json, "collection", "paging", "total_count") != 4.0 {
		t.Errorf("paged: %s", r.body)
	}
	r = w.get(fmt.Sprintf("/api/v2/nodes/%d?fields=permissions.limit(1)&expand=permissions{right_id}", PoliciesFolderID))
	if list, _ := dig(r.json, "results", "data", "permissions").([]any); len(list) != 1 || dig(list[0], "right_id_expand", "name") != "Admin" {
		t.Errorf("fields=permissions: %s", r.body)
	}

	// Effective: group membership and public access, administrators everything.
	eff := func(member int64) string {
		r := w.get(fmt.Sprintf("%s/effective/%d", base, member))
		if r.status != 200 || dig(r.json, "results", "data", "permissions", "right_id") != float64(member) {
			t.Errorf("effective %d: %d %s", member, r.status, r.body)
		}
		return entry(dig(r.json, "results", "data", "permissions"))
	}
	for member, want := range map[int64]string{
		LenaUserID:   fmt.Sprintf("<nil>:%d:see+see_contents+modify", LenaUserID),
		OscarUserID:  fmt.Sprintf("<nil>:%d:see+see_contents", OscarUserID),
		LegalGroupID: fmt.Sprintf("<nil>:%d:see+see_contents+modify", LegalGroupID),
		BridgeUserID: fmt.Sprintf("<nil>:%d:%s", BridgeUserID, allPerms),
		AdminUserID:  fmt.Sprintf("<nil>:%d:%s", AdminUserID, allPerms),
	} {
		if got := eff(member); got != want {
			t.Errorf("effective %d = %s, want %s", member, got, want)
		}
	}
	if r := w.get(base + "/effective/4242"); r.status != 400 {
		t.Errorf("effective of nobody: %d %s", r.status, r.body)
	}
}

func TestPermissionInheritanceAndApplyTo(t *testing.T) {
	w := newWire(t, Options{})
	folder, doc := legalOnly(t, w)

	// A node made in a folder copies its permissions, with its creator as owner.
	bridge := w.as("bridge", "bridge-secret")
	r := bridge.form("POST", "/api/v2/nodes", url.Values{"type": {"0"}, "parent_id": {fmt.Sprint(folder)}, "name": {"Sub"}})
	sub := int64(dig(r.json, "results", "data", "properties", "id").(float64))
	want := fmt.Sprintf("owner:%d:%s group:%d: public:-: custom:%d:see+see_contents", BridgeUserID, allPerms, DefaultGroupID, LegalGroupID)
	if got := entries(w.get(fmt.Sprintf("/api/v2/nodes/%d/permissions", sub))); got != want {
		t.Errorf("inherited: %s\nwant %s", got, want)
	}
	if r := w.get(fmt.Sprintf("/api/v2/nodes/%d", sub)); dig(r.json, "results", "data", "properties", "owner_user_id") != float64(BridgeUserID) {
		t.Errorf("owner_user_id: %s", r.body)
	}
	deep := wireDoc(w, sub, "deep.txt")

	publicOf := func(id int64) string {
		return entry(dig(w.get(fmt.Sprintf("/api/v2/nodes/%d/permissions/public", id)).json, "results", "data", "permissions"))
	}
	set := func(applyTo int, perms ...string) {
		t.Helper()
		if perms == nil {
			perms = []string{}
		}
		if r := w.form("PUT", fmt.Sprintf("/api/v2/nodes/%d/permissions/public", folder), permBody(map[string]any{"permissions": perms, "apply_to": applyTo})); r.status != 200 {
			t.Fatalf("apply_to %d: %d %s", applyTo, r.status, r.body)
		}
	}
	state := func() string {
		return strings.Join([]string{publicOf(folder), publicOf(doc), publicOf(sub), publicOf(deep)}, " ")
	}
	set(3, "see") // this item and immediate sub-items
	if got := state(); got != "public:-:see public:-:see public:-:see public:-:" {
		t.Errorf("apply_to 3: %s", got)
	}
	set(1, "see", "see_contents") // sub-items only, all the way down
	if got := state(); got != "public:-:see public:-:see+see_contents public:-:see+see_contents public:-:see+see_contents" {
		t.Errorf("apply_to 1: %s", got)
	}
	set(2) // this item and sub-items
	if got := state(); got != "public:-: public:-: public:-: public:-:" {
		t.Errorf("apply_to 2: %s", got)
	}
	// Assigned access reaches sub-items the same way, and so does its removal.
	custom := fmt.Sprintf("/api/v2/nodes/%d/permissions/custom", folder)
	if r := w.form("POST", custom, permBody(map[string]any{"permissions": []string{"see"}, "right_id": OscarUserID, "apply_to": 2})); r.status != 200 {
		t.Fatalf("custom apply_to 2: %d %s", r.status, r.body)
	}
	if got := entries(w.get(fmt.Sprintf("/api/v2/nodes/%d/permissions", deep))); !strings.HasSuffix(got, fmt.Sprintf("custom:%d:see", OscarUserID)) {
		t.Errorf("custom reached deep: %s", got)
	}
	if r := w.do("DELETE", fmt.Sprintf("%s/%d", custom, OscarUserID), "application/x-www-form-urlencoded", strings.NewReader(permBody(map[string]any{"apply_to": 2}).Encode())); r.status != 200 {
		t.Fatalf("custom delete apply_to 2: %d %s", r.status, r.body)
	}
	if got := entries(w.get(fmt.Sprintf("/api/v2/nodes/%d/permissions", deep))); strings.Contains(got, fmt.Sprint(OscarUserID)) {
		t.Errorf("custom removal did not reach deep: %s", got)
	}
	// A document has no sub-items: apply_to must be 0.
	if r := w.form("PUT", fmt.Sprintf("/api/v2/nodes/%d/permissions/public", doc), permBody(map[string]any{"permissions": []string{"see"}, "apply_to": 2})); r.status != 400 || !strings.Contains(r.body, "Could not process object, invalid request") {
		t.Errorf("apply_to on a document: %d %s", r.status, r.body)
	}

	// A move keeps the node's own permissions.
	if r := w.form("PUT", fmt.Sprintf("/api/v2/nodes/%d", doc), url.Values{"parent_id": {fmt.Sprint(PoliciesFolderID)}}); r.status != 200 {
		t.Fatalf("move: %d %s", r.status, r.body)
	}
	if got := publicOf(doc); got != "public:-:" {
		t.Errorf("moved document's public access: %s", got)
	}
	if r := w.as("oscar", "oscar-secret").get(fmt.Sprintf("/api/v2/nodes/%d", doc)); r.status != 400 {
		t.Errorf("oscar sees the moved document: %d %s", r.status, r.body)
	}
}

func TestPermissionEnforcement(t *testing.T) {
	w := newWire(t, Options{})
	folder, doc := legalOnly(t, w)
	lena, oscar := w.as("lena", "lena-secret"), w.as("oscar", "oscar-secret")

	// Reads: lena (Legal) sees the folder and the document; oscar gets
	// exactly what a missing node answers.
	reads := []string{
		fmt.Sprintf("/api/v2/nodes/%d", doc), fmt.Sprintf("/api/v1/nodes/%d", doc),
		fmt.Sprintf("/api/v2/nodes/%d/versions", doc), fmt.Sprintf("/api/v2/nodes/%d/versions/1", doc),
		fmt.Sprintf("/api/v2/nodes/%d/content", doc), fmt.Sprintf("/api/v1/nodes/%d/versions/1/content", doc),
		fmt.Sprintf("/api/v2/nodes/%d/categories", doc), fmt.Sprintf("/api/v2/nodes/%d/categories/%d", doc, ConfluencePageCategoryID),
		fmt.Sprintf("/api/v2/nodes/%d/nodes", folder), fmt.Sprintf("/api/v1/nodes/%d/ancestors", doc),
	}
	for _, p := range reads {
		if r := lena.get(p); r.status != 200 {
			t.Errorf("lena GET %s: %d %s", p, r.status, r.body)
		}
		id := doc
		if strings.Contains(p, "/nodes/nodes") || strings.HasSuffix(p, "/nodes") {
			id = folder
		}
		if r := oscar.get(p); r.status != 400 || r.json["error"] != notFoundMsg(id) {
			t.Errorf("oscar GET %s: %d %s", p, r.status, r.body)
		}
	}
	if r := oscar.get(fmt.Sprintf("/api/v2/nodes/%d/permissions", doc)); r.status != 500 || r.json["error"] != permNoAccessMsg {
		t.Errorf("oscar reads permissions: %d %s", r.status, r.body)
	}

	// Browse and search leave out what the caller cannot see.
	browse := fmt.Sprintf("/api/v2/nodes/%d/nodes", PoliciesFolderID)
	if r := lena.get(browse); !strings.Contains(r.body, `"Legal Only"`) {
		t.Errorf("lena browse: %s", r.body)
	}
	if r := oscar.get(browse); r.status != 200 || strings.Contains(r.body, `"Legal Only"`) || dig(r.json, "collection", "paging", "total_count") != 0.0 {
		t.Errorf("oscar browse: %s", r.body)
	}
	search := url.Values{"where": {`OTName: "contract.txt"`}}
	if r := lena.form("POST", "/api/v2/search", search); len(r.json["results"].([]any)) != 1 {
		t.Errorf("lena search: %s", r.body)
	}
	if r := oscar.form("POST", "/api/v2/search", search); r.status != 200 || len(r.json["results"].([]any)) != 0 || dig(r.json, "collection", "paging", "total_count") != 0.0 {
		t.Errorf("oscar search: %s", r.body)
	}
	if r := oscar.form("POST", "/api/v2/nodes/list", url.Values{"ids": {fmt.Sprint(doc), fmt.Sprint(PoliciesFolderID)}}); len(r.json["results"].([]any)) != 1 {
		t.Errorf("oscar nodes/list: %s", r.body)
	}

	// Writes need the matching permission; see+see_contents allows none.
	body, ct := xecmMultipart(fmt.Sprintf(`{"type":144,"parent_id":%d,"name":"lena.txt"}`, folder), "lena.txt", "x")
	writes := []func(*wire) result{
		func(u *wire) result { return u.do("POST", "/api/v2/nodes", ct, strings.NewReader(body)) },
		func(u *wire) result {
			return multipartUpload(u, "POST", fmt.Sprintf("/api/v2/nodes/%d/versions", doc), nil, "doc.txt", "v2")
		},
		func(u *wire) result {
			return u.form("PUT", fmt.Sprintf("/api/v2/nodes/%d/categories/%d", doc, ConfluencePageCategoryID), url.Values{"9001_2": {"Apollo"}})
		},
		func(u *wire) result {
			return u.form("PUT", fmt.Sprintf("/api/v2/nodes/%d", doc), url.Values{"name": {"renamed.txt"}})
		},
		func(u *wire) result { return u.do("DELETE", fmt.Sprintf("/api/v2/nodes/%d", doc), "", nil) },
	}
	for i, write := range writes {
		if r := write(lena); r.status != 400 || r.json["error"] != noAccessMsg {
			t.Errorf("lena write %d: %d %s", i, r.status, r.body)
		}
		if r := write(oscar); r.status != 400 || !strings.HasPrefix(r.json["error"].(string), "Could not get a node for") {
			t.Errorf("oscar write %d: %d %s", i, r.status, r.body)
		}
	}
	pub := fmt.Sprintf("/api/v2/nodes/%d/permissions/public", doc)
	if r := lena.form("PUT", pub, permBody(map[string]any{"permissions": []string{"see"}})); r.status != 500 || r.json["error"] != insufficientMsg {
		t.Errorf("lena edits permissions: %d %s", r.status, r.body)
	}

	// Granted add_items, modify, add_major_version and edit_attributes, lena
	// files and versions documents; what she makes is hers.
	grant := permBody(map[string]any{"permissions": []string{"see", "see_contents", "add_items", "modify", "add_major_version", "edit_attributes"}, "apply_to": 2})
	if r := w.form("PUT", fmt.Sprintf("/api/v2/nodes/%d/permissions/custom/%d", folder, LegalGroupID), grant); r.status != 200 {
		t.Fatalf("grant: %d %s", r.status, r.body)
	}
	if r := writes[0](lena); r.status != 200 || dig(r.json, "results", "data", "properties", "owner_user_id") != float64(LenaUserID) {
		t.Errorf("lena creates: %d %s", r.status, r.body)
	}
	for i := 1; i <= 3; i++ {
		if r := writes[i](lena); r.status != 200 {
			t.Errorf("lena write %d after grant: %d %s", i, r.status, r.body)
		}
	}
	if r := writes[4](lena); r.status != 400 {
		t.Errorf("lena deletes without delete: %d %s", r.status, r.body)
	}
	// A major version also needs add_major_version; bridge bypasses all.
	if r := multipartUpload(w.as("reviewer1", "reviewer1-pw"), "POST", fmt.Sprintf("/api/v2/nodes/%d/versions", SOPIncidentResponseID), map[string]string{"add_major_version": "true"}, "a.pdf", "x"); r.status != 400 || r.json["error"] != noAccessMsg {
		t.Errorf("reviewer1 adds a version to a public document: %d %s", r.status, r.body)
	}
	if r := writes[4](w.as("bridge", "bridge-secret")); r.status != 200 {
		t.Errorf("bridge deletes: %d %s", r.status, r.body)
	}
}
