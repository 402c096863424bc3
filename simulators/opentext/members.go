package opentext

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// maxMembersLimit is the largest page GET /api/v2/members hands out; larger
// `limit` values are clamped to it (pyxecm clamps client-side to the same).
const maxMembersLimit = 20

// getMember is GET /api/v1|v2/members/{id}: v1 {"data":{..}}, v2
// results.data.properties. Only users are simulated.
func (s *Server) getMember(c *call) {
	raw := c.r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.usersByID[id]
	if err != nil || u == nil {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Could not get a member for %s", raw))
		return
	}
	c.respondOK(map[string]any{"data": userJSON(u)}, map[string]any{"data": map[string]any{"properties": userJSON(u)}})
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
	wantUsers := true
	if c.p.has("where_type") {
		wantUsers = false
		for _, t := range c.p.list("where_type") {
			v, err := strconv.Atoi(strings.TrimSpace(t))
			if err != nil {
				c.fail(http.StatusBadRequest, "Invalid datatype specified for argument 'where_type'")
				return
			}
			if v == 0 {
				wantUsers = true
			}
		}
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
	if wantUsers {
		for _, u := range s.usersByID {
			props := userJSON(u)
			match := true
			for k, want := range filters {
				if !strings.Contains(strings.ToLower(firstString(props[k])), want) {
					match = false
				}
			}
			if query != "" {
				match = false
				for _, k := range []string{"name", "first_name", "last_name", "business_email"} {
					if strings.Contains(strings.ToLower(firstString(props[k])), query) {
						match = true
					}
				}
			}
			if match {
				all = append(all, props)
			}
		}
	}
	s.mu.RUnlock()
	desc := strings.HasPrefix(c.p.str("sort"), "desc_")
	sort.Slice(all, func(i, j int) bool {
		a, b := strings.ToLower(all[i]["name"].(string)), strings.ToLower(all[j]["name"].(string))
		if desc {
			return a > b
		}
		return a < b
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

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
