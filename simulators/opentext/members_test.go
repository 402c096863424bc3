package opentext

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// memberNames joins results[].data.properties.name of a member list.
func memberNames(r result) string {
	var out []string
	list, _ := r.json["results"].([]any)
	for _, it := range list {
		out = append(out, fmt.Sprint(dig(it, "data", "properties", "name")))
	}
	return strings.Join(out, ",")
}

func TestGroupsAndSeedUsers(t *testing.T) {
	w := newWire(t, Options{})

	// A group by id: v2 and v1 shapes, type 1 (pyxecm get_group's fields).
	r := w.get(fmt.Sprintf("/api/v2/members/%d", LegalGroupID))
	if r.status != 200 || dig(r.json, "results", "data", "properties", "name") != "Legal" || dig(r.json, "results", "data", "properties", "type") != 1.0 ||
		dig(r.json, "results", "data", "properties", "type_name") != "Group" || dig(r.json, "results", "data", "properties", "initials") != "L" {
		t.Errorf("v2 group: %d %s", r.status, r.body)
	}
	if r := w.get(fmt.Sprintf("/api/v1/members/%d", RMAdministratorsGroupID)); r.status != 200 || dig(r.json, "data", "name") != "RM Administrators" {
		t.Errorf("v1 group: %d %s", r.status, r.body)
	}

	// Finding a group by name, as pyxecm's get_group does.
	if r := w.get("/api/v2/members?where_type=1&where_name=legal"); memberNames(r) != "Legal" || dig(r.json, "results", 0, "data", "properties", "id") != float64(LegalGroupID) {
		t.Errorf("group search: %s", r.body)
	}
	// A user filter on a field groups lack leaves the groups out.
	if r := w.get("/api/v2/members?where_business_email=" + url.QueryEscape("@example.com")); memberNames(r) != "lena,oscar" {
		t.Errorf("by e-mail: %s", r.body)
	}

	// Seed users: fixed ids, e-mail, base group; lena and oscar log in.
	for name, want := range map[string]struct {
		id    int64
		pw    string
		email string
	}{"lena": {LenaUserID, "lena-secret", "lena@example.com"}, "oscar": {OscarUserID, "oscar-secret", "oscar@example.com"}} {
		r := w.as(name, want.pw).get("/api/v1/auth")
		if dig(r.json, "data", "id") != float64(want.id) || dig(r.json, "data", "business_email") != want.email || dig(r.json, "data", "group_id") != float64(DefaultGroupID) ||
			dig(r.json, "data", "privilege_system_admin_rights") != false {
			t.Errorf("%s: %s", name, r.body)
		}
	}
	if r := w.get("/api/v1/auth"); dig(r.json, "data", "privilege_system_admin_rights") != true {
		t.Errorf("Admin is not a system administrator: %s", r.body)
	}

	// Group members, paged, with where_type; a user's id is no group.
	r = w.get(fmt.Sprintf("/api/v2/members/%d/members?limit=1&page=2", RMAdministratorsGroupID))
	if r.status != 200 || memberNames(r) != "bridge" || dig(r.json, "collection", "paging", "total_count") != 2.0 || dig(r.json, "collection", "paging", "page_total") != 2.0 {
		t.Errorf("RM Administrators page 2: %d %s", r.status, r.body)
	}
	if r := w.get(fmt.Sprintf("/api/v2/members/%d/members?where_type=0", DefaultGroupID)); memberNames(r) != "Admin,bridge,lena,oscar,reviewer1,reviewer2" {
		t.Errorf("DefaultGroup: %s", r.body)
	}
	if r := w.get(fmt.Sprintf("/api/v2/members/%d/members?where_type=1", DefaultGroupID)); r.status != 200 || memberNames(r) != "" {
		t.Errorf("DefaultGroup subgroups: %s", r.body)
	}
	if r := w.get(fmt.Sprintf("/api/v2/members/%d/members", LenaUserID)); r.status != 500 || r.json["error"] != fmt.Sprintf("Invalid group %d", LenaUserID) {
		t.Errorf("members of a user: %d %s", r.status, r.body)
	}
	if r := w.get("/api/v2/members/4242/members"); r.status != 500 || r.json["error"] != "Could not get a member for 4242" {
		t.Errorf("members of nobody: %d %s", r.status, r.body)
	}

	// memberof: the caller's own groups.
	if r := w.as("lena", "lena-secret").get("/api/v2/members/memberof"); memberNames(r) != "DefaultGroup,Legal" {
		t.Errorf("lena memberof: %s", r.body)
	}
	if r := w.get("/api/v2/members/memberof"); memberNames(r) != "DefaultGroup,RM Administrators" {
		t.Errorf("Admin memberof: %s", r.body)
	}

	// Adding members takes system administration rights.
	add := url.Values{"member_id": {fmt.Sprint(OscarUserID)}}
	path := fmt.Sprintf("/api/v2/members/%d/members", LegalGroupID)
	if r := w.as("oscar", "oscar-secret").form("POST", path, add); r.status != 500 || r.json["error"] != "Insufficient privileges" {
		t.Errorf("oscar adds himself: %d %s", r.status, r.body)
	}
	if r := w.form("POST", path, add); r.status != 200 {
		t.Fatalf("Admin adds oscar: %d %s", r.status, r.body)
	}
	if r := w.get(path); memberNames(r) != "lena,oscar" {
		t.Errorf("Legal after add: %s", r.body)
	}
}
