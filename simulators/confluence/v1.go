package confluence

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// routesV1 mounts the v1 surface under prefix: Cloud's /wiki/rest/api
// (context /wiki) and DC's /rest/api (root context). The shapes are the
// same; only the context path in links differs.
func (s *Server) routesV1(mux *http.ServeMux, prefix, ctx string) {
	h := &v1{s: s, ctx: ctx}
	mux.HandleFunc("GET "+prefix+"/content/{id}", h.getContent)
	mux.HandleFunc("PUT "+prefix+"/content/{id}", h.updateContent)
	mux.HandleFunc("GET "+prefix+"/space", h.listSpaces)
	mux.HandleFunc("GET "+prefix+"/space/{key}", h.getSpace)
	mux.HandleFunc("GET "+prefix+"/content/{id}/label", h.listLabels)
	mux.HandleFunc("POST "+prefix+"/content/{id}/label", h.addLabels)
	mux.HandleFunc("DELETE "+prefix+"/content/{id}/label", h.deleteLabel)
	mux.HandleFunc("DELETE "+prefix+"/content/{id}/label/{name}", h.deleteLabel)
	mux.HandleFunc("GET "+prefix+"/content/{id}/property", h.listProperties)
	mux.HandleFunc("POST "+prefix+"/content/{id}/property", h.createProperty)
	mux.HandleFunc("GET "+prefix+"/content/{id}/property/{key}", h.getProperty)
	mux.HandleFunc("POST "+prefix+"/content/{id}/property/{key}", h.createProperty)
	mux.HandleFunc("PUT "+prefix+"/content/{id}/property/{key}", h.updateProperty)
	mux.HandleFunc("DELETE "+prefix+"/content/{id}/property/{key}", h.deleteProperty)
	mux.HandleFunc("GET "+prefix+"/content/{id}/child/attachment", h.listAttachments)
	mux.HandleFunc("POST "+prefix+"/content/{id}/child/attachment", h.upload)
	if ctx == cloudCtx {
		// Cloud's PUT upserts by file name; DC has no PUT on the collection
		// (clients version a file through .../{attId}/data there).
		mux.HandleFunc("PUT "+prefix+"/content/{id}/child/attachment", h.upload)
	}
	mux.HandleFunc("POST "+prefix+"/content/{id}/child/attachment/{att}/data", h.upload)
	mux.HandleFunc("GET "+prefix+"/content/{id}/child/attachment/{att}/download", h.download)
	mux.HandleFunc("POST "+prefix+"/content", h.createContent)
	mux.HandleFunc("GET "+prefix+"/content", h.listContent)
	mux.HandleFunc("GET "+prefix+"/content/{id}/child/page", h.childPages)
	if ctx == cloudCtx {
		// Only Cloud documents the move endpoint; DC clients re-parent
		// with a PUT carrying ancestors.
		mux.HandleFunc("PUT "+prefix+"/content/{id}/move/{position}/{targetId}", h.movePage)
	}
	mux.HandleFunc("DELETE "+prefix+"/content/{id}", h.deleteContent)
	mux.HandleFunc("GET "+prefix+"/content/{id}/child/comment", h.listComments)
	mux.HandleFunc("GET "+prefix+"/content/{id}/version", h.listVersions)
	mux.HandleFunc("GET "+prefix+"/content/{id}/version/{n}", h.getVersion)
	mux.HandleFunc("GET "+prefix+"/content/{id}/history", h.history)
	if ctx == cloudCtx {
		// Content states are Cloud only; DC answers these paths with 404.
		s.routesStates(mux, h, prefix)
	}
	s.routesRestrictions(mux, h, prefix)
	s.routesUsers(mux, h, prefix)
	if ctx == cloudCtx {
		// The content permission check is in Cloud's v1 only.
		s.routesPermissionCheck(mux, h, prefix)
	}
	s.routesTemplates(mux, h, prefix)
	if ctx == dcCtx {
		// DC before 8.8 only has the experimental path; later versions keep
		// it. Which DC versions serve templates where is unverified, so
		// both are served.
		s.routesRestrictions(mux, h, "/rest/experimental")
		s.routesTemplates(mux, h, "/rest/experimental")
	}
	s.routesWebhooks(mux, h, prefix)
	s.routesSearch(mux, h, prefix)
}

type v1 struct {
	s   *Server
	ctx string
}

func (h *v1) links(self string) map[string]any {
	return map[string]any{"self": h.s.baseURL + h.ctx + self, "base": h.s.baseURL + h.ctx, "context": h.ctx}
}

// version is the v1 Version shape of pages, comments and attachments.
func (h *v1) version(authorID string, when time.Time, number int, message string, minorEdit bool) map[string]any {
	return map[string]any{"by": h.user(authorID), "when": when.Format(timeLayout), "number": number,
		"message": message, "minorEdit": minorEdit}
}

// wholeV1List is the v1 list envelope of a list that is always answered
// in one piece (start 0); limit is what Confluence reports for it.
func wholeV1List(items []any, limit int) map[string]any {
	return map[string]any{"results": items, "start": 0, "limit": limit, "size": len(items)}
}

// space is the v1 space object. Its id is a JSON number, as on the real v1
// API: go-atlassian decodes it into an int.
func (h *v1) space(sp *space) map[string]any {
	id, _ := strconv.ParseInt(sp.id, 10, 64)
	return map[string]any{"id": id, "key": sp.key, "name": sp.name, "type": "global", "status": "current",
		"_links": map[string]any{"webui": "/spaces/" + sp.key, "self": h.s.baseURL + h.ctx + "/rest/api/space/" + sp.key}}
}

// content is the v1 page object. space, history and version are always
// included (v1's default expansions); bodies only when expanded, rendered
// ones rendered for viewer.
func (h *v1) content(p *page, v pageVersion, expand []string, viewer string) map[string]any {
	s := h.s
	status := versionStatus(p, v)
	m := map[string]any{
		"id": p.id, "type": "page", "status": status, "title": v.title,
		"space": h.space(s.spaceByID(p.spaceID)),
		"history": map[string]any{"latest": status == "current", "createdBy": h.user(p.authorID),
			"createdDate": p.createdAt.Format(timeLayout)},
		"version": h.version(v.authorID, v.createdAt, v.number, v.message, v.minorEdit),
		"_links": mergeLinks(h.links("/rest/api/content/"+p.id), map[string]any{
			"webui": s.webui(p, v.title), "edit": "/pages/resumedraft.action?draftId=" + p.id, "tinyui": "/x/" + p.id}),
	}
	if contains(expand, "metadata.labels") {
		m["metadata"] = map[string]any{"labels": wholeV1List(h.labelItems(p, ""), 200)}
	}
	if ancExpand, ok := subExpansions(expand, "ancestors"); ok {
		restrictExpand, restricted := subExpansions(ancExpand, "restrictions")
		anc := []any{}
		for _, par := range s.ancestors(p) {
			ref := pageRef(par)
			if restricted {
				ref["restrictions"] = h.expandedRestrictions(par, restrictExpand)
			}
			anc = append(anc, ref)
		}
		m["ancestors"] = anc
	}
	if restrictExpand, ok := subExpansions(expand, "restrictions"); ok {
		m["restrictions"] = h.expandedRestrictions(p, restrictExpand)
	}
	body := expandedBodies(expand, func(f string) string { return s.bodyValue(p, v, f, h.ctx, viewer) })
	if len(body) > 0 {
		m["body"] = body
	}
	m["_expandable"] = contentExpandable(m, p, s.spaceByID(p.spaceID))
	return m
}

// contentExpandable is the _expandable map Confluence sends with every
// content object: each expansion left out, with its URL where it has one.
func contentExpandable(m map[string]any, p *page, sp *space) map[string]any {
	out := map[string]any{}
	for field, link := range map[string]string{
		"childTypes": "", "container": "/rest/api/space/" + sp.key, "metadata": "", "operations": "",
		"children": "/rest/api/content/" + p.id + "/child", "restrictions": "/rest/api/content/" + p.id + "/restriction/byOperation",
		"ancestors": "", "body": "", "descendants": "/rest/api/content/" + p.id + "/descendant",
	} {
		if _, in := m[field]; !in {
			out[field] = link
		}
	}
	return out
}

func mergeLinks(a, b map[string]any) map[string]any {
	for k, v := range b {
		a[k] = v
	}
	return a
}

func (h *v1) getContent(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	expand := multiValues(r, "expand")
	h.s.mu.RLock()
	defer h.s.mu.RUnlock()
	id := r.PathValue("id")
	p, ok := h.s.pages[id]
	if !ok || !h.s.canView(p, actor(r)) || (p.status == "trashed" && q.Get("status") != "trashed") {
		writeV1Error(w, http.StatusNotFound, pageNotFound(id))
		return
	}
	v, ok := requestedVersion(w, r, p, writeV1Error, func(n int) string {
		return fmt.Sprintf("No content found with id %s and version %d", id, n)
	})
	if ok {
		writeJSON(w, http.StatusOK, h.content(p, v, expand, actor(r)))
	}
}

// updateContent is the v1 page update: version must be current+1;
// ancestors, when sent, re-parent the page within its space.
func (h *v1) updateContent(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Title   string `json:"title"`
		Type    string `json:"type"`
		Version *struct {
			Number    int    `json:"number"`
			Message   string `json:"message"`
			MinorEdit bool   `json:"minorEdit"`
		} `json:"version"`
		Body *struct {
			Storage *bodyWrite `json:"storage"`
		} `json:"body"`
		Ancestors []struct {
			ID flexString `json:"id"`
		} `json:"ancestors"`
	}
	if !decodeJSON(w, r, &req, writeV1Error) {
		return
	}
	if req.Version == nil || req.Title == "" || req.Type == "" {
		writeV1Error(w, http.StatusBadRequest, "version, type and title are required")
		return
	}
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	p := h.s.editablePage(w, r, writeV1Error)
	if p == nil {
		return
	}
	cur := p.current()
	if req.Version.Number != cur.number+1 {
		writeV1Error(w, http.StatusConflict, v1VersionConflict(cur.number))
		return
	}
	body := cur.body
	if req.Body != nil && req.Body.Storage != nil {
		body = req.Body.Storage.Value
	}
	// The last ancestor is the parent; sending a new one moves the page.
	if n := len(req.Ancestors); n > 0 && !h.s.reparent(w, r, p, string(req.Ancestors[n-1].ID), writeV1Error) {
		return
	}
	h.s.appendVersion(p, req.Title, body, actor(r), req.Version.Message, req.Version.MinorEdit)
	h.s.emitPageEvent("page_updated", actor(r), p, nil)
	writeJSON(w, http.StatusOK, h.content(p, p.current(), append([]string{"body.storage"}, multiValues(r, "expand")...), actor(r)))
}

// expandedSpace is the v1 space with the expansions clients ask for:
// description.plain / description.view (the simulator's spaces have an
// empty description) and homepage (the space's first root page, as a
// content object). The rest stay listed in _expandable. Call with s.mu
// held.
func (h *v1) expandedSpace(sp *space, expand []string, viewer string) map[string]any {
	m := h.space(sp)
	expandable := map[string]any{"settings": "", "metadata": "", "operations": "", "lookAndFeel": "",
		"identifiers": "", "permissions": "", "icon": "", "theme": "", "history": ""}
	desc := map[string]any{}
	for _, f := range []string{"plain", "view"} {
		if contains(expand, "description."+f) {
			desc[f] = map[string]any{"value": "", "representation": f, "embeddedContent": []any{}}
		}
	}
	if len(desc) > 0 {
		m["description"] = desc
	} else {
		expandable["description"] = ""
	}
	hp := h.s.homepage(sp)
	switch {
	case contains(expand, "homepage") && hp != nil && h.s.canView(hp, viewer):
		m["homepage"] = h.content(hp, hp.current(), nil, viewer)
	case hp != nil:
		expandable["homepage"] = "/rest/api/content/" + hp.id
	}
	m["_expandable"] = expandable
	return m
}

func (h *v1) listSpaces(w http.ResponseWriter, r *http.Request) {
	keys := multiValues(r, "spaceKey")
	expand := multiValues(r, "expand")
	h.s.mu.RLock()
	items := []any{}
	for _, sp := range h.s.sortedSpaces() {
		if (len(keys) == 0 || contains(keys, sp.key)) && h.s.spaceReadable(sp, actor(r)) {
			items = append(items, h.expandedSpace(sp, expand, actor(r)))
		}
	}
	h.s.mu.RUnlock()
	h.s.writeV1List(w, r, h.ctx, items, 25)
}

func (h *v1) getSpace(w http.ResponseWriter, r *http.Request) {
	h.s.mu.RLock()
	defer h.s.mu.RUnlock()
	sp := h.s.spaceByKey(r.PathValue("key"))
	if sp == nil || !h.s.spaceReadable(sp, actor(r)) {
		writeV1Error(w, http.StatusNotFound, "No space with key : "+r.PathValue("key"))
		return
	}
	writeJSON(w, http.StatusOK, h.expandedSpace(sp, multiValues(r, "expand"), actor(r)))
}

func v1Label(l label) map[string]any {
	return map[string]any{"prefix": l.prefix, "name": l.name, "id": l.id, "label": l.name}
}

func (h *v1) labelItems(p *page, prefix string) []any {
	items := []any{}
	for _, l := range p.labels {
		if prefix == "" || l.prefix == prefix {
			items = append(items, v1Label(l))
		}
	}
	return items
}

func (h *v1) listLabels(w http.ResponseWriter, r *http.Request) {
	prefix := r.URL.Query().Get("prefix")
	h.writePageList(w, r, 200, func(p *page) []any { return h.labelItems(p, prefix) })
}

// addLabels accepts an array of {prefix,name} or a single object and
// answers with all of the page's labels, as Confluence does.
func (h *v1) addLabels(w http.ResponseWriter, r *http.Request) {
	var raw json.RawMessage
	if !decodeJSON(w, r, &raw, writeV1Error) {
		return
	}
	type in struct {
		Prefix string `json:"prefix"`
		Name   string `json:"name"`
	}
	var list []in
	if err := json.Unmarshal(raw, &list); err != nil {
		var one in
		if err := json.Unmarshal(raw, &one); err != nil {
			writeV1Error(w, http.StatusBadRequest, "Body must be a label or an array of labels")
			return
		}
		list = []in{one}
	}
	for _, l := range list {
		if _, err := validLabel(l.Name); err != nil {
			writeV1Error(w, http.StatusBadRequest, err.Error())
			return
		}
		if l.Prefix != "" && l.Prefix != "global" && l.Prefix != "my" && l.Prefix != "team" {
			writeV1Error(w, http.StatusBadRequest, "Invalid label prefix: "+l.Prefix)
			return
		}
	}
	h.s.mu.Lock()
	p := h.s.editablePage(w, r, writeV1Error)
	if p == nil {
		h.s.mu.Unlock()
		return
	}
	for _, l := range list {
		_ = h.s.addLabelAndNotify(p, l.Name, l.Prefix, actor(r)) // names were validated above
	}
	out := wholeV1List(h.labelItems(p, ""), 200)
	h.s.mu.Unlock()
	out["_links"] = map[string]any{}
	writeJSON(w, http.StatusOK, out)
}

// deleteLabel serves both DELETE .../label/{name} and .../label?name=
// (the form for names that contain a slash).
func (h *v1) deleteLabel(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if name == "" {
		name = r.URL.Query().Get("name")
	}
	if name == "" {
		writeV1Error(w, http.StatusBadRequest, "A label name is required")
		return
	}
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	id := r.PathValue("id")
	p := h.s.editablePage(w, r, writeV1Error)
	if p == nil {
		return
	}
	removed, ok := h.s.takeLabel(p, name)
	if !ok {
		writeV1Error(w, http.StatusNotFound, "Label '"+name+"' is not on content "+id)
		return
	}
	h.s.emitPageEvent("label_removed", actor(r), p, &eventInfo{label: &removed})
	w.WriteHeader(http.StatusNoContent)
}

func (h *v1) property(p *page, pr *property) map[string]any {
	return map[string]any{
		"id": pr.id, "key": pr.key, "value": pr.value,
		"version": map[string]any{"when": pr.createdAt.Format(timeLayout), "message": pr.message, "number": pr.version, "minorEdit": false},
		"content": pageRef(p),
		"_links":  h.links("/rest/api/content/" + p.id + "/property/" + pr.key),
	}
}

func (h *v1) listProperties(w http.ResponseWriter, r *http.Request) {
	h.writePageList(w, r, 10, func(p *page) []any {
		items := []any{}
		for _, pr := range p.props {
			items = append(items, h.property(p, pr))
		}
		return items
	})
}

func (h *v1) getProperty(w http.ResponseWriter, r *http.Request) {
	h.s.mu.RLock()
	defer h.s.mu.RUnlock()
	id, key := r.PathValue("id"), r.PathValue("key")
	p := h.s.readablePage(w, r, id, writeV1Error)
	if p == nil {
		return
	}
	pr := p.prop(key)
	if pr == nil {
		writeV1Error(w, http.StatusNotFound, propertyKeyNotFound(key, id))
		return
	}
	writeJSON(w, http.StatusOK, h.property(p, pr))
}

// createProperty serves POST .../property (key in the body) and POST
// .../property/{key}. A key that exists already is a 400.
func (h *v1) createProperty(w http.ResponseWriter, r *http.Request) {
	var req propertyWrite
	if !decodeJSON(w, r, &req, writeV1Error) {
		return
	}
	if k := r.PathValue("key"); k != "" {
		req.Key = k
	}
	if req.Key == "" {
		writeV1Error(w, http.StatusBadRequest, "Property key is required")
		return
	}
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	id := r.PathValue("id")
	p := h.s.editablePage(w, r, writeV1Error)
	if p == nil {
		return
	}
	if p.prop(req.Key) != nil {
		writeV1Error(w, http.StatusBadRequest, fmt.Sprintf("A content property with key '%s' already exists on content %s", req.Key, id))
		return
	}
	pr := &property{id: h.s.nextObjectID(), key: req.Key, value: rawOrString(req.Value), version: 1, createdAt: h.s.now()}
	p.props = append(p.props, pr)
	writeJSON(w, http.StatusOK, h.property(p, pr))
}

// updateProperty requires version current+1; a missing property is
// created when the version sent is 1, as Confluence does.
func (h *v1) updateProperty(w http.ResponseWriter, r *http.Request) {
	var req propertyWrite
	if !decodeJSON(w, r, &req, writeV1Error) {
		return
	}
	if req.Version == nil {
		writeV1Error(w, http.StatusBadRequest, "A version is required to update a content property")
		return
	}
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	key := r.PathValue("key")
	p := h.s.editablePage(w, r, writeV1Error)
	if p == nil {
		return
	}
	pr := p.prop(key)
	cur := 0
	if pr != nil {
		cur = pr.version
	}
	if req.Version.Number != cur+1 {
		writeV1Error(w, http.StatusConflict, v1VersionConflict(cur))
		return
	}
	if pr == nil {
		pr = &property{id: h.s.nextObjectID(), key: key}
		p.props = append(p.props, pr)
	}
	pr.value, pr.version, pr.message, pr.createdAt = rawOrString(req.Value), req.Version.Number, req.Version.Message, h.s.now()
	writeJSON(w, http.StatusOK, h.property(p, pr))
}

func (h *v1) deleteProperty(w http.ResponseWriter, r *http.Request) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	id, key := r.PathValue("id"), r.PathValue("key")
	p := h.s.editablePage(w, r, writeV1Error)
	if p == nil {
		return
	}
	for i, pr := range p.props {
		if pr.key == key {
			p.props = append(p.props[:i], p.props[i+1:]...)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	writeV1Error(w, http.StatusNotFound, propertyKeyNotFound(key, id))
}

// deleteContent trashes a page (204); a trashed page is purged when
// ?status=trashed is given, as on DC.
func (h *v1) deleteContent(w http.ResponseWriter, r *http.Request) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	id := r.PathValue("id")
	p, ok := h.s.pages[id]
	if ok && p.status == "trashed" && r.URL.Query().Get("status") == "trashed" && h.s.canEdit(p, actor(r)) {
		h.s.purgePage(p, actor(r))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if p = h.s.editablePage(w, r, writeV1Error); p == nil {
		return
	}
	h.s.trashPage(p, actor(r))
	w.WriteHeader(http.StatusNoContent)
}
