package confluence

import (
	"net/http"
	"strconv"
)

// Version history endpoints. Every version of a page and of an attachment
// is kept, so both can be listed:
//
//	GET /wiki/api/v2/attachments/{id}/versions                 cursor-paged, newest first (sort=modified-date: oldest first)
//	GET /wiki/api/v2/attachments/{id}/versions/{n}             one DetailedVersion
//	GET {v1}/content/{id}/version                              start/limit paged, newest first (pages and attachments)
//	GET {v1}/content/{id}/version/{n}                          one v1 Version
//
// {v1} is /wiki/rest/api (Cloud) or /rest/api (DC). A content or
// attachment the caller may not see (its page is read-restricted or in
// the trash) is a 404, as an unknown one is.

// visibleAttachment finds an attachment (id with or without "att") whose
// page r's caller may see. Call with s.mu held.
func (s *Server) visibleAttachment(r *http.Request, id string) *attachment {
	a := s.findAttachment(id)
	if a == nil {
		return nil
	}
	if _, ok := s.visiblePage(r, a.pageID); !ok {
		return nil
	}
	return a
}

// v2AttachmentVersionItem is one entry of the v2 attachment version list:
// the Version shape plus the attachment it belongs to.
func v2AttachmentVersionItem(a *attachment, v *attachmentVersion) map[string]any {
	m := v2VersionOfAttachment(v)
	m["attachment"] = map[string]any{"id": a.id, "title": a.title}
	return m
}

func (s *Server) v2AttachmentVersions(w http.ResponseWriter, r *http.Request) {
	order := r.URL.Query().Get("sort")
	if order != "" && order != "modified-date" && order != "-modified-date" {
		writeV2Error(w, http.StatusBadRequest, "Invalid value for sort: "+order+" (modified-date or -modified-date)")
		return
	}
	s.mu.RLock()
	a := s.visibleAttachment(r, r.PathValue("id"))
	if a == nil {
		s.mu.RUnlock()
		writeV2Error(w, http.StatusNotFound, attachmentIDNotFound(r.PathValue("id")))
		return
	}
	items := make([]any, 0, len(a.versions))
	for i := range a.versions {
		v := a.versions[len(a.versions)-1-i] // newest first
		if order == "modified-date" {
			v = a.versions[i]
		}
		items = append(items, v2AttachmentVersionItem(a, v))
	}
	s.mu.RUnlock()
	s.writeV2List(w, r, items, 25)
}

// v2AttachmentVersion answers one version as the v2 DetailedVersion.
func (s *Server) v2AttachmentVersion(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a := s.visibleAttachment(r, r.PathValue("id"))
	if a == nil {
		writeV2Error(w, http.StatusNotFound, attachmentIDNotFound(r.PathValue("id")))
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil {
		writeV2Error(w, http.StatusBadRequest, "Invalid version number: "+r.PathValue("n"))
		return
	}
	v, ok := a.version(n)
	if !ok {
		writeV2Error(w, http.StatusNotFound, attachmentVersionNotFound(r.PathValue("n"), a.title))
		return
	}
	m := v2VersionOfAttachment(v)
	m["contentTypeModified"] = false
	m["collaborators"] = []string{v.authorID}
	if n > 1 {
		m["prevVersion"] = n - 1
	}
	if n < len(a.versions) {
		m["nextVersion"] = n + 1
	}
	writeJSON(w, http.StatusOK, m)
}

// contentVersions returns the v1 Version objects of the page or
// attachment with this content id, newest first, with the version's
// content (v1 expands it by default) as a short reference. false when the
// caller cannot see such content. Call with s.mu held.
func (h *v1) contentVersions(r *http.Request, id string) ([]map[string]any, bool) {
	s := h.s
	self := func(n int) map[string]any {
		return map[string]any{"self": s.baseURL + h.ctx + "/rest/api/content/" + id + "/version/" + strconv.Itoa(n)}
	}
	var out []map[string]any
	if p, ok := s.visiblePage(r, id); ok {
		ref := pageRef(p)
		for i := len(p.versions) - 1; i >= 0; i-- {
			v := p.versions[i]
			m := h.version(v.authorID, v.createdAt, v.number, v.message, v.minorEdit)
			m["content"], m["_links"] = ref, self(v.number)
			out = append(out, m)
		}
		return out, true
	}
	a := s.visibleAttachment(r, id)
	if a == nil {
		return nil, false
	}
	ref := map[string]any{"id": a.id, "type": "attachment", "status": "current", "title": a.title}
	for i := len(a.versions) - 1; i >= 0; i-- {
		v := a.versions[i]
		m := h.version(v.authorID, v.createdAt, v.number, v.comment, v.minorEdit)
		m["content"], m["_links"] = ref, self(v.number)
		out = append(out, m)
	}
	return out, true
}

// listVersions serves v1 GET .../content/{id}/version (VersionArray,
// newest first, limit 200 by default as in the v1 spec).
func (h *v1) listVersions(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	h.s.mu.RLock()
	versions, ok := h.contentVersions(r, id)
	h.s.mu.RUnlock()
	if !ok {
		writeV1Error(w, http.StatusNotFound, pageNotFound(id))
		return
	}
	items := make([]any, len(versions))
	for i, v := range versions {
		items[i] = v
	}
	h.s.writeV1List(w, r, h.ctx, items, 200)
}

// getVersion serves v1 GET .../content/{id}/version/{n}.
func (h *v1) getVersion(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil {
		writeV1Error(w, http.StatusBadRequest, "Invalid version number: "+r.PathValue("n"))
		return
	}
	h.s.mu.RLock()
	versions, ok := h.contentVersions(r, id)
	h.s.mu.RUnlock()
	if !ok {
		writeV1Error(w, http.StatusNotFound, pageNotFound(id))
		return
	}
	// versions is newest first: version n sits at len-n.
	if n < 1 || n > len(versions) {
		writeV1Error(w, http.StatusNotFound, "No version "+strconv.Itoa(n)+" of content "+id)
		return
	}
	writeJSON(w, http.StatusOK, versions[len(versions)-n])
}
