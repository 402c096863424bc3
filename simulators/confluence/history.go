package confluence

import (
	"net/http"
	"slices"
)

// history serves v1 GET .../content/{id}/history: whether the page's
// current version is its latest, who created it and when, and with expand
// the last, previous and next version and the contributors. Clients read
// the number of the next version from expand=lastUpdated before an update.
// Without expand the four are listed in _expandable, as Confluence does.
func (h *v1) history(w http.ResponseWriter, r *http.Request) {
	expand := multiValues(r, "expand")
	id := r.PathValue("id")
	h.s.mu.RLock()
	defer h.s.mu.RUnlock()
	p := h.s.readablePage(w, r, id, writeV1Error)
	if p == nil {
		return
	}
	cur := p.current()
	m := map[string]any{
		"latest": true, "createdBy": h.user(p.authorID), "createdDate": p.createdAt.Format(timeLayout),
		"_links": h.links("/rest/api/content/" + id + "/history"),
	}
	if h.cloud() {
		m["ownedBy"] = h.user(p.authorID)
	}
	version := func(v pageVersion) map[string]any {
		return h.version(v.authorID, v.createdAt, v.number, v.message, v.minorEdit)
	}
	// contributors is expanded as contributors or contributors.publishers.
	expanded := func(field string) bool {
		return contains(expand, field) || (field == "contributors" && contains(expand, "contributors.publishers"))
	}
	if expanded("lastUpdated") {
		m["lastUpdated"] = version(cur)
	}
	if expanded("previousVersion") && len(p.versions) > 1 {
		m["previousVersion"] = version(p.versions[len(p.versions)-2])
	}
	if expanded("contributors") {
		var ids []string
		for _, v := range p.versions {
			if !slices.Contains(ids, v.authorID) {
				ids = append(ids, v.authorID)
			}
		}
		users := []any{}
		for _, u := range ids {
			users = append(users, h.user(u))
		}
		key := "userKeys"
		if h.cloud() {
			key = "userAccountIds"
		}
		m["contributors"] = map[string]any{"publishers": map[string]any{"users": users, key: ids}}
	}
	// The current version has no next one: nextVersion, even expanded,
	// stays out.
	expandable := map[string]any{}
	for _, field := range []string{"lastUpdated", "previousVersion", "contributors", "nextVersion"} {
		if !expanded(field) {
			expandable[field] = ""
		}
	}
	m["_expandable"] = expandable
	writeJSON(w, http.StatusOK, m)
}
