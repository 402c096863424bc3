package opentext

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// The audit of a node (GET /api/v2/nodes/{id}/audit): the events the
// server recorded on it, newest first unless sort=asc_audit_date. The
// simulator derives them from its write log, so every successful write
// through the REST API is audited with who made it and when; what the
// log does not tie to one node (finalizing records in bulk) is not.

// auditEventTypes are the event types the reply lists in
// audit_event_types, which clients read to name the event_type numbers.
var auditEventTypes = []struct {
	id   int
	name string
}{
	{1, "Create"}, {2, "Add Version"}, {3, "Delete Version"}, {4, "Promote Version"},
	{5, "Modify"}, {6, "Delete"}, {7, "Category Change"}, {8, "Permission Change"},
	{9, "RM Classification"}, {10, "Hold Applied"}, {11, "Hold Removed"}, {12, "Nickname Change"},
}

// auditEventOf is the event type of a logged write, by its route
// (without the /api/v1 or /api/v2 prefix); 0 when it is not audited.
func auditEventOf(method, route string) int {
	_, path, _ := strings.Cut(route, " ")
	path = strings.TrimPrefix(strings.TrimPrefix(path, "/api/v1"), "/api/v2")
	switch {
	case path == "/nodes" && method == http.MethodPost:
		return 1
	case strings.HasSuffix(path, "/promote"):
		return 4
	case strings.Contains(path, "/versions"):
		if method == http.MethodPost {
			return 2
		}
		return 3
	case strings.Contains(path, "/categories"):
		return 7
	case strings.Contains(path, "/permissions"):
		return 8
	case strings.Contains(path, "/rmclassifications"):
		return 9
	case strings.Contains(path, "/holds"):
		if method == http.MethodPost {
			return 10
		}
		return 11
	case strings.HasSuffix(path, "/nicknames"):
		return 12
	case path == "/nodes/{id}" && method == http.MethodPut:
		return 5
	case path == "/nodes/{id}" && method == http.MethodDelete:
		return 6
	}
	return 0
}

// nodeAudit is GET /api/v2/nodes/{id}/audit.
func (s *Server) nodeAudit(c *call) {
	id, ok := c.pathID("id")
	if !ok {
		return
	}
	page, limit, ok := c.pageParams(25)
	if !ok {
		return
	}
	var from, to time.Time
	for key, dst := range map[string]*time.Time{"where_audit_date_start": &from, "where_audit_date_end": &to} {
		if v := c.p.str(key); v != "" {
			t, err := time.Parse("2006-01-02", v)
			if err != nil {
				c.fail(http.StatusBadRequest, "Invalid datatype specified for argument '"+key+"'")
				return
			}
			*dst = t
		}
	}
	whereType, _, err := c.p.int("where_type")
	if err != nil {
		c.fail(http.StatusBadRequest, "Invalid datatype specified for argument 'where_type'")
		return
	}
	whereUser, _, err := c.p.int("where_user_id")
	if err != nil {
		c.fail(http.StatusBadRequest, "Invalid datatype specified for argument 'where_user_id'")
		return
	}
	sortKey := c.p.str("sort")
	if sortKey == "" {
		sortKey = "desc_audit_date"
	}
	if sortKey != "desc_audit_date" && sortKey != "asc_audit_date" {
		c.fail(http.StatusBadRequest, "Invalid column name ("+sortKey+") specified for sorting")
		return
	}

	s.mu.RLock()
	_, ok = c.accessNode(id, permSee)
	userIDs := map[string]int64{}
	for name, u := range s.users {
		userIDs[name] = u.id
	}
	s.mu.RUnlock()
	if !ok {
		return
	}
	var events []map[string]any
	for _, w := range s.Writes() {
		if w.NodeID != id && w.Created != id {
			continue
		}
		typ := auditEventOf(w.Method, w.Route)
		day := w.At.Truncate(24 * time.Hour)
		switch {
		case typ == 0, whereType != 0 && int64(typ) != whereType,
			whereUser != 0 && userIDs[w.User] != whereUser,
			!from.IsZero() && day.Before(from), !to.IsZero() && day.After(to):
			continue
		}
		events = append(events, map[string]any{
			"id": id, "event_type": typ, "audit_name": auditEventTypes[typ-1].name, "audit_date": fmtTime(w.At),
			"user_id": userIDs[w.User], "agent_id": userIDs[w.User], "target_user_id": nil, "audit_language_code": "en",
		})
	}
	if sortKey == "desc_audit_date" {
		slices.Reverse(events) // the log is in time order
	}
	pg := pageOf(len(events), int(page), int(limit))
	types := make([]any, 0, len(auditEventTypes))
	for _, t := range auditEventTypes {
		types = append(types, map[string]any{"id": t.id, "name": t.name})
	}
	audit := make([]any, 0, pg.hi-pg.lo)
	for _, e := range events[pg.lo:pg.hi] {
		audit = append(audit, e)
	}
	env := c.v2Envelope(map[string]any{"data": map[string]any{"audit": audit, "audit_event_types": types}})
	env["collection"] = pg.collection(sortKey)
	c.json(http.StatusOK, env)
}
