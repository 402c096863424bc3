package opentext

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// maxMembersLimit is the largest page GET /api/v2/members hands out; larger
// `limit` values are clamped to it (pyxecm clamps client-side to the same).
const maxMembersLimit = 20

// group is a Content Server group (member type 1). Its members are user
// and group ids; groups may nest.
type group struct {
	id      int64
	name    string
	members []int64
}

// seedGroups makes the seed groups: DefaultGroup (every user's base
// group, so every user), Legal (lena) and RM Administrators (Admin,
// bridge), leaving out seed users that are not configured.
func (s *Server) seedGroups() {
	all := make([]int64, 0, len(s.usersByID))
	for id := range s.usersByID {
		all = append(all, id)
	}
	slices.Sort(all)
	present := func(names ...string) []int64 {
		var out []int64
		for _, n := range names {
			if u := s.users[n]; u != nil {
				out = append(out, u.id)
			}
		}
		return out
	}
	for _, g := range []*group{
		{id: DefaultGroupID, name: "DefaultGroup", members: all},
		{id: LegalGroupID, name: "Legal", members: present("lena")},
		{id: RMAdministratorsGroupID, name: "RM Administrators", members: present("Admin", "bridge")},
	} {
		s.groups[g.id] = g
	}
}

func groupJSON(g *group) map[string]any {
	initials := ""
	if g.name != "" {
		initials = strings.ToUpper(g.name[:1])
	}
	return map[string]any{
		"id": g.id, "name": g.name, "name_formatted": g.name, "initials": initials, "leader_id": nil,
		"type": 1, "type_name": "Group", "deleted": false,
	}
}

// memberProps renders a user or group id; nil when there is neither.
// Callers hold s.mu.
func (s *Server) memberProps(id int64) map[string]any {
	if u := s.usersByID[id]; u != nil {
		return userJSON(u)
	}
	if g := s.groups[id]; g != nil {
		return groupJSON(g)
	}
	return nil
}

// getMember is GET /api/v1|v2/members/{id}: v1 {"data":{..}}, v2
// results.data.properties, for users and groups.
func (s *Server) getMember(c *call) {
	raw := c.r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := s.memberProps(id)
	if err != nil || m == nil {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Could not get a member for %s", raw))
		return
	}
	c.respondOK(map[string]any{"data": m}, map[string]any{"data": map[string]any{"properties": m}})
}

// searchMembers is GET /api/v2/members: where_type (0 users, 1 groups;
// repeatable or a JSON array), where_name, where_first_name,
// where_last_name, where_business_email (case-insensitive contains
// matches), or `query` (contains match on any of those, which cannot be
// combined with the where_* text filters), with page and limit (at most 20).
func (s *Server) searchMembers(c *call) {
	page, limit, ok := c.pageParams(maxMembersLimit)
	if !ok {
		return
	}
	limit = min(limit, maxMembersLimit)
	wantUsers, wantGroups, ok := c.memberTypes()
	if !ok {
		return
	}
	filters := map[string]string{}
	for _, k := range []string{"where_name", "where_first_name", "where_last_name", "where_business_email"} {
		if v := strings.TrimSpace(c.p.str(k)); v != "" {
			filters[strings.TrimPrefix(k, "where_")] = strings.ToLower(v)
		}
	}
	query := strings.ToLower(strings.TrimSpace(c.p.str("query")))
	if query != "" && len(filters) > 0 {
		c.fail(http.StatusBadRequest, "The 'query' parameter cannot be combined with where_name, where_first_name, where_last_name or where_business_email.")
		return
	}

	s.mu.RLock()
	var all []map[string]any
	for _, props := range s.memberList(wantUsers, wantGroups) {
		if matchesMember(props, filters, query) {
			all = append(all, props)
		}
	}
	s.mu.RUnlock()
	c.memberPage(all, page, limit)
}

// memberTypes reads where_type (0 users, 1 groups; repeatable or a JSON
// array); without it both are wanted. It writes the error itself.
func (c *call) memberTypes() (users, groups, ok bool) {
	if !c.p.has("where_type") {
		return true, true, true
	}
	for _, t := range c.p.list("where_type") {
		v, err := strconv.Atoi(strings.TrimSpace(t))
		if err != nil {
			c.fail(http.StatusBadRequest, "Invalid datatype specified for argument 'where_type'")
			return false, false, false
		}
		users, groups = users || v == 0, groups || v == 1
	}
	return users, groups, true
}

// memberList renders every user and/or group. Callers hold s.mu.
func (s *Server) memberList(users, groups bool) []map[string]any {
	var out []map[string]any
	if users {
		for _, u := range s.usersByID {
			out = append(out, userJSON(u))
		}
	}
	if groups {
		for _, g := range s.groups {
			out = append(out, groupJSON(g))
		}
	}
	return out
}

// matchesMember applies the where_* filters (lower-cased contains matches
// by property name) and `query` (a contains match on any of them). A group
// has no first name, last name or e-mail, so filters on those leave it out.
func matchesMember(props map[string]any, filters map[string]string, query string) bool {
	for k, want := range filters {
		if !strings.Contains(strings.ToLower(firstString(props[k])), want) {
			return false
		}
	}
	if query == "" {
		return true
	}
	for _, k := range []string{"name", "first_name", "last_name", "business_email"} {
		if strings.Contains(strings.ToLower(firstString(props[k])), query) {
			return true
		}
	}
	return false
}

// memberPage answers one page of members sorted by name (sort=desc_name
// reverses), in the v2 list shape.
func (c *call) memberPage(all []map[string]any, page, limit int64) {
	desc := strings.HasPrefix(c.p.str("sort"), "desc_")
	sort.Slice(all, func(i, j int) bool {
		a, b := strings.ToLower(all[i]["name"].(string)), strings.ToLower(all[j]["name"].(string))
		if a == b {
			return firstString(all[i]["id"]) < firstString(all[j]["id"])
		}
		return (a < b) != desc
	})
	pg := pageOf(len(all), int(page), int(limit))
	results := make([]any, 0, pg.hi-pg.lo)
	for _, props := range all[pg.lo:pg.hi] {
		results = append(results, map[string]any{"data": map[string]any{"properties": props}})
	}
	env := c.v2Envelope(results)
	env["collection"] = pg.collection(firstNonEmpty(c.p.str("sort"), "asc_name"))
	c.json(http.StatusOK, env)
}

// groupMembers is GET /api/v2/members/{id}/members: the direct members of
// a group, paged (default 25), filtered by where_type and the where_*
// name filters as in the members search. An unknown id answers 500 "Could
// not get a member for {id}", a user's id 500 "Invalid group {id}"
// [SPEC-TS ListMembers].
func (s *Server) groupMembers(c *call) {
	raw := c.r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		c.fail(http.StatusBadRequest, "Invalid datatype specified for argument 'id'")
		return
	}
	page, limit, ok := c.pageParams(25)
	if !ok {
		return
	}
	users, groups, ok := c.memberTypes()
	if !ok {
		return
	}
	filters := map[string]string{}
	for _, k := range []string{"where_name", "where_first_name", "where_last_name", "where_business_email"} {
		if v := strings.TrimSpace(c.p.str(k)); v != "" {
			filters[strings.TrimPrefix(k, "where_")] = strings.ToLower(v)
		}
	}
	s.mu.RLock()
	g := s.groups[id]
	if g == nil {
		s.mu.RUnlock()
		if s.memberExists(id) {
			c.fail(http.StatusInternalServerError, fmt.Sprintf("Invalid group %d", id))
		} else {
			c.fail(http.StatusInternalServerError, fmt.Sprintf("Could not get a member for %d", id))
		}
		return
	}
	var all []map[string]any
	for _, m := range g.members {
		_, isGroup := s.groups[m]
		if props := s.memberProps(m); props != nil && (isGroup && groups || !isGroup && users) && matchesMember(props, filters, "") {
			all = append(all, props)
		}
	}
	s.mu.RUnlock()
	c.memberPage(all, page, limit)
}

// memberExists reports whether id is a user or a group. It takes s.mu.
func (s *Server) memberExists(id int64) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.memberProps(id) != nil
}

// addGroupMembers is POST /api/v2/members/{id}/members with member_id
// (one or more user or group ids). Only users with system administration
// rights may change groups here; others get 500 "Insufficient privileges".
func (s *Server) addGroupMembers(c *call) {
	raw := c.r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		c.fail(http.StatusBadRequest, "Invalid datatype specified for argument 'id'")
		return
	}
	ids := c.p.list("member_id")
	if len(ids) == 0 {
		c.fail(http.StatusBadRequest, "Missing required parameter 'member_id'")
		return
	}
	if !c.user.privileged {
		c.fail(http.StatusInternalServerError, "Insufficient privileges")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[id]
	if g == nil {
		c.fail(http.StatusInternalServerError, fmt.Sprintf("Could not get a member for %d", id))
		return
	}
	var add []int64
	for _, v := range ids {
		m, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			c.fail(http.StatusInternalServerError, "Could not set feature Member ID, value must be a Integer")
			return
		}
		if s.memberProps(m) == nil {
			c.fail(http.StatusInternalServerError, fmt.Sprintf("Could not get a member for %d", m))
			return
		}
		if m != g.id && !slices.Contains(g.members, m) && !slices.Contains(add, m) {
			add = append(add, m)
		}
	}
	g.members = append(g.members, add...)
	c.respondV2(map[string]any{})
}

// memberOf is GET /api/v2/members/memberof: the groups the caller is a
// direct member of, paged (default 25) [SPEC-TS SearchGroups], [PX otcs.py:get_user_memberof].
func (s *Server) memberOf(c *call) {
	page, limit, ok := c.pageParams(25)
	if !ok {
		return
	}
	s.mu.RLock()
	var all []map[string]any
	for _, g := range s.groups {
		if slices.Contains(g.members, c.user.id) {
			all = append(all, groupJSON(g))
		}
	}
	s.mu.RUnlock()
	c.memberPage(all, page, limit)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
