package confluence

import (
	"net/http"
	"net/url"
	"strings"
)

// The v1 user and group endpoints (Cloud /wiki/rest/api and DC /rest/api):
// GET user?accountId= (DC: key= or username=), user/current, user/bulk,
// user/memberof, group (paged, by name), group/by-name?name=,
// group/by-id?id=, the deprecated group/{groupName}, group/member?name=,
// the deprecated group/{groupName}/member and
// group/{groupId}/membersByGroupId. Any authenticated user may call them.

func (s *Server) routesUsers(mux *http.ServeMux, h *v1, prefix string) {
	mux.HandleFunc("GET "+prefix+"/user", h.getUser)
	mux.HandleFunc("GET "+prefix+"/user/current", h.currentUser)
	mux.HandleFunc("GET "+prefix+"/user/bulk", h.bulkUsers)
	mux.HandleFunc("GET "+prefix+"/user/memberof", h.memberOf)
	mux.HandleFunc("GET "+prefix+"/group", h.listGroups)
	mux.HandleFunc("GET "+prefix+"/group/by-name", h.getGroup)
	mux.HandleFunc("GET "+prefix+"/group/by-id", h.getGroup)
	mux.HandleFunc("GET "+prefix+"/group/{group}", h.getGroup)
	mux.HandleFunc("GET "+prefix+"/group/member", h.groupMembers)
	mux.HandleFunc("GET "+prefix+"/group/{group}/member", h.groupMembers)
	mux.HandleFunc("GET "+prefix+"/group/{group}/membersByGroupId", h.groupMembers)
}

func (h *v1) cloud() bool { return h.ctx == cloudCtx }

// user is the v1 user object of an account id. A user the directory does
// not know (an author known only by id) keeps the id as its names.
func (h *v1) user(id string) map[string]any {
	if u, ok := h.s.dir.user(id); ok && u.AccountID == id {
		return h.userObject(u, false)
	}
	return map[string]any{"type": "known", "accountId": id, "userKey": id, "username": id, "displayName": id,
		"publicName": id}
}

// userObject is the v1 User of u. On Cloud a hidden email is "" (the
// spec's wording for the privacy setting) except to the user themself.
func (h *v1) userObject(u User, self bool) map[string]any {
	email := u.Email
	if h.cloud() && u.HideEmail && !self {
		email = ""
	}
	return map[string]any{
		"type": "known", "accountId": u.AccountID, "accountType": "atlassian",
		"userKey": u.AccountID, "username": u.AccountID, // the simulator's DC key and name
		"email": email, "publicName": u.DisplayName, "displayName": u.DisplayName, "timeZone": "Etc/UTC",
		"profilePicture": map[string]any{"path": h.ctx + "/images/icons/profilepics/default.svg",
			"width": 48, "height": 48, "isDefault": true},
		"isExternalCollaborator": false,
		"_expandable":            map[string]any{"operations": "", "personalSpace": ""},
		"_links":                 h.links("/rest/api/user?accountId=" + url.QueryEscape(u.AccountID)),
	}
}

// group is the v1 Group of a group name. Cloud reports the id; DC groups
// have none. A group the directory does not know has a null id.
func (h *v1) group(name string) map[string]any {
	out := map[string]any{"type": "group", "name": name,
		"_links": h.links("/rest/api/group/by-name?name=" + url.QueryEscape(name))}
	if h.cloud() {
		out["id"] = nil
		if g, ok := h.s.dir.group(name); ok && g.Name == name {
			out["id"] = g.ID
		}
	}
	return out
}

// userParam reads the user a request names: accountId (Cloud), key or
// username (DC).
func userParam(r *http.Request) string {
	q := r.URL.Query()
	return firstNonEmpty(q.Get("accountId"), q.Get("key"), q.Get("username"))
}

func (h *v1) getUser(w http.ResponseWriter, r *http.Request) {
	name := userParam(r)
	if name == "" {
		writeV1Error(w, http.StatusBadRequest, "accountId, key or username is required")
		return
	}
	u, ok := h.s.dir.user(name)
	if !ok {
		writeV1Error(w, http.StatusNotFound, "No user found with accountId: "+name)
		return
	}
	h.s.mu.RLock()
	defer h.s.mu.RUnlock()
	writeJSON(w, http.StatusOK, h.userObject(u, u.AccountID == actor(r)))
}

func (h *v1) currentUser(w http.ResponseWriter, r *http.Request) {
	h.s.mu.RLock()
	defer h.s.mu.RUnlock()
	if u, ok := h.s.dir.user(actor(r)); ok {
		writeJSON(w, http.StatusOK, h.userObject(u, true))
		return
	}
	writeJSON(w, http.StatusOK, h.user(actor(r)))
}

// bulkUsers answers the known ones of up to 200 account ids, in the
// order asked; unknown ids are left out.
func (h *v1) bulkUsers(w http.ResponseWriter, r *http.Request) {
	ids := multiValues(r, "accountId")
	if len(ids) == 0 {
		writeV1Error(w, http.StatusBadRequest, "accountId is required")
		return
	}
	limit, ok := parseLimit(r, 200)
	if !ok {
		writeV1Error(w, http.StatusBadRequest, "Invalid limit")
		return
	}
	limit = min(limit, 200)
	h.s.mu.RLock()
	defer h.s.mu.RUnlock()
	items := []any{}
	for _, id := range ids {
		if u, ok := h.s.dir.user(id); ok && u.AccountID == id && len(items) < limit {
			items = append(items, h.userObject(u, id == actor(r)))
		}
	}
	out := wholeV1List(items, limit)
	out["_links"] = map[string]any{"base": h.s.baseURL + h.ctx, "context": h.ctx}
	writeJSON(w, http.StatusOK, out)
}

func (h *v1) memberOf(w http.ResponseWriter, r *http.Request) {
	name := userParam(r)
	if name == "" {
		writeV1Error(w, http.StatusBadRequest, "accountId, key or username is required")
		return
	}
	u, ok := h.s.dir.user(name)
	if !ok {
		writeV1Error(w, http.StatusNotFound, "No user found with accountId: "+name)
		return
	}
	h.s.mu.RLock()
	items := []any{}
	for _, g := range h.s.dir.sortedGroups() {
		if contains(g.Members, u.AccountID) {
			items = append(items, h.group(g.Name))
		}
	}
	h.s.mu.RUnlock()
	h.s.writeV1List(w, r, h.ctx, items, 200)
}

func (h *v1) listGroups(w http.ResponseWriter, r *http.Request) {
	h.s.mu.RLock()
	items := []any{}
	for _, g := range h.s.dir.sortedGroups() {
		items = append(items, h.group(g.Name))
	}
	h.s.mu.RUnlock()
	h.s.writeV1List(w, r, h.ctx, items, 200)
}

// requestedGroup finds the group a request names: by id on by-id and
// membersByGroupId, by name elsewhere. It writes the 400 or 404 itself.
func (h *v1) requestedGroup(w http.ResponseWriter, r *http.Request) (Group, bool) {
	q := r.URL.Query()
	byID := q.Get("id") != "" || strings.HasSuffix(r.URL.Path, "/membersByGroupId")
	key := firstNonEmpty(r.PathValue("group"), q.Get("name"), q.Get("id"))
	if key == "" {
		writeV1Error(w, http.StatusBadRequest, "The group name (or id) is required")
		return Group{}, false
	}
	g, ok := h.s.dir.group(key)
	if !ok || (byID && g.ID != key) || (!byID && g.Name != key) {
		writeV1Error(w, http.StatusNotFound, "No group found: "+key)
		return Group{}, false
	}
	return g, true
}

func (h *v1) getGroup(w http.ResponseWriter, r *http.Request) {
	g, ok := h.requestedGroup(w, r)
	if !ok {
		return
	}
	h.s.mu.RLock()
	defer h.s.mu.RUnlock()
	writeJSON(w, http.StatusOK, h.group(g.Name))
}

func (h *v1) groupMembers(w http.ResponseWriter, r *http.Request) {
	g, ok := h.requestedGroup(w, r)
	if !ok {
		return
	}
	h.s.mu.RLock()
	items := []any{}
	for _, id := range g.Members {
		items = append(items, h.user(id))
	}
	h.s.mu.RUnlock()
	h.s.writeV1List(w, r, h.ctx, items, 200)
}
