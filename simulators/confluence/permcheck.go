package confluence

import (
	"net/http"
)

// POST .../content/{id}/permission/check (v1 "Check content
// permissions"): {subject:{type:"user"|"group", identifier}, operation:
// "read"|"update"|"delete"} → 200 {hasPermission, errors:[{translation,
// args}]}; a denial is a 200 too. The check covers the space's read
// permission and the content restrictions, inherited read restrictions
// included. A user identifier is an account id (or "anonymous"), a group
// identifier the group id (the name is accepted as well). Checking anyone
// but oneself needs the Confluence Administrator global permission (403
// otherwise); content the caller cannot see is a 404.

type permissionCheck struct {
	Subject struct {
		Type       string `json:"type"`
		Identifier string `json:"identifier"`
	} `json:"subject"`
	Operation string `json:"operation"`
}

func (s *Server) routesPermissionCheck(mux *http.ServeMux, h *v1, prefix string) {
	mux.HandleFunc("POST "+prefix+"/content/{id}/permission/check", h.checkPermission)
}

func (h *v1) checkPermission(w http.ResponseWriter, r *http.Request) {
	var req permissionCheck
	if !decodeJSON(w, r, &req, writeV1Error) {
		return
	}
	subj := req.Subject
	switch {
	case req.Operation != "read" && req.Operation != "update" && req.Operation != "delete":
		writeV1Error(w, http.StatusBadRequest, "operation must be read, update or delete")
		return
	case (subj.Type != "user" && subj.Type != "group") || subj.Identifier == "":
		writeV1Error(w, http.StatusBadRequest, "subject needs type user or group and an identifier")
		return
	}
	h.s.mu.RLock()
	defer h.s.mu.RUnlock()
	p := h.s.readablePage(w, r, r.PathValue("id"), writeV1Error)
	if p == nil {
		return
	}
	who := actor(r)
	if (subj.Type == "group" || subj.Identifier != who) && !h.s.isAdmin(who) {
		writeV1Error(w, http.StatusForbidden, "Checking the permissions of another user or of a group needs the Confluence Administrator permission")
		return
	}
	var denial string
	switch {
	case subj.Type == "user" && subj.Identifier == "anonymous":
		denial = "Anonymous users are not allowed to use Confluence"
	case subj.Type == "user":
		u, ok := h.s.dir.user(subj.Identifier)
		if !ok || u.AccountID != subj.Identifier {
			writeV1Error(w, http.StatusBadRequest, "No user with accountId "+subj.Identifier)
			return
		}
		denial = h.s.userDenial(p, u.AccountID, req.Operation)
	default:
		g, ok := h.s.dir.group(subj.Identifier)
		if !ok {
			writeV1Error(w, http.StatusBadRequest, "No group with id "+subj.Identifier)
			return
		}
		denial = h.s.groupDenial(p, g.Name, req.Operation)
	}
	out := map[string]any{"hasPermission": denial == "", "errors": []any{},
		"_links": map[string]any{"base": h.s.baseURL + h.ctx, "context": h.ctx}}
	if denial != "" {
		out["errors"] = []any{map[string]any{"translation": denial, "args": []any{}}}
	}
	writeJSON(w, http.StatusOK, out)
}

// userDenial is why the account may not perform op on p ("" when it
// may), in the wording of the v1 PermissionCheckResponse. Call with s.mu
// held.
func (s *Server) userDenial(p *page, accountID, op string) string {
	if !s.spaceReadable(s.spaceByID(p.spaceID), accountID) {
		return "User does not have permission to the space"
	}
	if !s.canView(p, accountID) || (op != "read" && !s.allowed(p, "update", accountID)) {
		return "User does not have permission to the content"
	}
	return ""
}

// groupDenial is userDenial for a group: only grants to the group itself
// count, not those to its members. Call with s.mu held.
func (s *Server) groupDenial(p *page, group, op string) string {
	if !s.spaceReadableByGroup(s.spaceByID(p.spaceID), group) {
		return "Group does not have permission to the space"
	}
	lists := func(q *page, op string) bool {
		r := q.restrictions[op]
		return r.empty() || contains(r.groups, group)
	}
	if !s.passesReadChain(p, func(q *page) bool { return lists(q, "read") }) || (op != "read" && !lists(p, "update")) {
		return "Group does not have permission to the content"
	}
	return ""
}
