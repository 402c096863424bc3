package confluence

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
)

func (s *Server) routesV2(mux *http.ServeMux) {
	p := v2Prefix
	mux.HandleFunc("GET "+p+"/pages", s.v2ListPages)
	mux.HandleFunc("POST "+p+"/pages", s.v2CreatePage)
	mux.HandleFunc("GET "+p+"/pages/{id}", s.v2GetPage)
	mux.HandleFunc("PUT "+p+"/pages/{id}", s.v2UpdatePage)
	mux.HandleFunc("DELETE "+p+"/pages/{id}", s.v2DeletePage)
	mux.HandleFunc("GET "+p+"/pages/{id}/children", s.v2Children)
	mux.HandleFunc("GET "+p+"/pages/{id}/ancestors", s.v2Ancestors)
	mux.HandleFunc("GET "+p+"/spaces", s.v2ListSpaces)
	mux.HandleFunc("GET "+p+"/spaces/{id}", s.v2GetSpace)
	mux.HandleFunc("GET "+p+"/spaces/{id}/pages", s.v2ListPages)
	mux.HandleFunc("GET "+p+"/spaces/{id}/permissions", s.v2SpacePermissions)
	mux.HandleFunc("GET "+p+"/pages/{id}/labels", s.v2Labels)
	mux.HandleFunc("GET "+p+"/pages/{id}/properties", s.v2ListProperties)
	mux.HandleFunc("POST "+p+"/pages/{id}/properties", s.v2CreateProperty)
	mux.HandleFunc("GET "+p+"/pages/{id}/properties/{pid}", s.v2GetProperty)
	mux.HandleFunc("PUT "+p+"/pages/{id}/properties/{pid}", s.v2UpdateProperty)
	mux.HandleFunc("DELETE "+p+"/pages/{id}/properties/{pid}", s.v2DeleteProperty)
	mux.HandleFunc("GET "+p+"/pages/{id}/attachments", s.v2ListAttachments)
	mux.HandleFunc("GET "+p+"/attachments/{id}", s.v2GetAttachment)
	mux.HandleFunc("GET "+p+"/attachments/{id}/download", s.v2DownloadAttachment)
	mux.HandleFunc("GET "+p+"/attachments/{id}/versions", s.v2AttachmentVersions)
	mux.HandleFunc("GET "+p+"/attachments/{id}/versions/{n}", s.v2AttachmentVersion)
	s.routesV2Tree(mux, p)
	s.routesComments(mux)
}

// The not-found and conflict messages below are each sent from more than
// one handler; one function per message keeps their wording identical.

func pageNotFound(id string) string {
	return fmt.Sprintf("No content found with id: %s", id)
}

func spaceIDNotFound(id string) string { return "No space found with id: " + id }

func attachmentIDNotFound(id string) string { return "No attachment found with id: " + id }

func attachmentNotOnPage(attID, pageID string) string {
	return "No attachment " + attID + " on content " + pageID
}

func propertyKeyNotFound(key, pageID string) string {
	return fmt.Sprintf("Cannot find content property with key '%s' on content %s", key, pageID)
}

func v1VersionConflict(current int) string {
	return fmt.Sprintf("Version must be incremented on update. Current version is: %d", current)
}

func (s *Server) v2GetPage(w http.ResponseWriter, r *http.Request) {
	format, ok := v2PageFormats.read(w, r)
	if !ok {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id := r.PathValue("id")
	p, ok := s.pages[id]
	// A trashed page is only found when asked for with status=trashed.
	if !ok || !s.canView(p, actor(r)) || (p.status != "current" && !contains(multiValues(r, "status"), p.status)) {
		writeV2Error(w, http.StatusNotFound, pageNotFound(id))
		return
	}
	v, ok := requestedVersion(w, r, p, writeV2Error, func(n int) string {
		return fmt.Sprintf("Version %d of page %s not found", n, id)
	})
	if ok {
		out := s.v2Page(p, v, format, actor(r))
		s.v2Includes(r, p, out)
		writeJSON(w, http.StatusOK, out)
	}
}

// includeCap is how many items an included collection holds; the rest is
// read from the collection's own endpoint (meta.cursor says where).
const includeCap = 50

// v2Includes adds the include-labels and include-properties collections
// of a single page: {results, meta:{hasMore,cursor}, _links:{self}}, the
// first includeCap items of what the collection endpoint lists.
func (s *Server) v2Includes(r *http.Request, p *page, out map[string]any) {
	q := r.URL.Query()
	if q.Get("include-labels") == "true" {
		items := []any{}
		for _, l := range p.labels {
			items = append(items, v2Label(l))
		}
		out["labels"] = s.included(items, "/pages/"+p.id+"/labels")
	}
	if q.Get("include-properties") == "true" {
		items := []any{}
		for _, pr := range p.props {
			items = append(items, s.v2Property(pr))
		}
		out["properties"] = s.included(items, "/pages/"+p.id+"/properties")
	}
	if q.Get("include-versions") == "true" {
		items := []any{}
		for i := len(p.versions) - 1; i >= 0; i-- {
			items = append(items, s.v2Version(p.versions[i]))
		}
		out["versions"] = s.included(items, "/pages/"+p.id+"/versions")
	}
	if q.Get("include-operations") == "true" {
		out["operations"] = s.included(s.pageOperations(p, actor(r)), "/pages/"+p.id+"/operations")
	}
}

func (s *Server) included(items []any, path string) map[string]any {
	meta := map[string]any{"hasMore": false}
	if len(items) > includeCap {
		items = items[:includeCap]
		meta = map[string]any{"hasMore": true, "cursor": encodeCursor(includeCap)}
	}
	// s.mu is held (read) by the caller: s.origin() would lock it again.
	return map[string]any{"results": items, "meta": meta, "_links": map[string]string{"self": s.baseURL + cloudCtx + "/api/v2" + path}}
}

// v2ListPages serves /pages and /spaces/{id}/pages with the id, space-id,
// title and status filters, sort, and on /spaces/{id}/pages depth (all,
// the default, or root: the space's top-level pages only).
func (s *Server) v2ListPages(w http.ResponseWriter, r *http.Request) {
	format, ok := v2ListFormats.read(w, r)
	if !ok {
		return
	}
	ids := multiValues(r, "id")
	spaceIDs := multiValues(r, "space-id")
	if sid := r.PathValue("id"); sid != "" {
		spaceIDs = []string{sid}
	}
	statuses := multiValues(r, "status")
	if len(statuses) == 0 {
		statuses = []string{"current", "archived"}
	}
	title := r.URL.Query().Get("title")
	depth := r.URL.Query().Get("depth")
	if depth != "" && (r.PathValue("id") == "" || (depth != "all" && depth != "root")) {
		writeV2Error(w, http.StatusBadRequest, "Invalid value for depth: "+depth)
		return
	}
	s.mu.RLock()
	if sid := r.PathValue("id"); sid != "" && !s.spaceReadable(s.spaceByID(sid), actor(r)) {
		s.mu.RUnlock()
		writeV2Error(w, http.StatusNotFound, spaceIDNotFound(sid))
		return
	}
	var pages []*page
	for _, p := range s.sortedPages() {
		cur := p.current()
		if (len(ids) > 0 && !contains(ids, p.id)) || (len(spaceIDs) > 0 && !contains(spaceIDs, p.spaceID)) ||
			(title != "" && cur.title != title) || !contains(statuses, p.status) || !s.canView(p, actor(r)) ||
			(depth == "root" && p.parentID != "") {
			continue
		}
		pages = append(pages, p)
	}
	s.writeSortedPages(w, r, pages, format)
}

// pageWrite is the create/update request. body comes flat
// ({representation,value}) from go-atlassian or nested ({storage:{...}}).
type pageWrite struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Title    string `json:"title"`
	SpaceID  string `json:"spaceId"`
	ParentID string `json:"parentId"`
	Body     *struct {
		Representation string     `json:"representation"`
		Value          *string    `json:"value"`
		Storage        *bodyWrite `json:"storage"`
		Wiki           *bodyWrite `json:"wiki"`
		ADF            *bodyWrite `json:"atlas_doc_format"`
	} `json:"body"`
	Version *struct {
		Number    int    `json:"number"`
		Message   string `json:"message"`
		MinorEdit bool   `json:"minorEdit"`
	} `json:"version"`
}

type bodyWrite struct {
	Representation string `json:"representation"`
	Value          string `json:"value"`
}

// storageBody extracts the body as storage XHTML. present is false when no
// body was sent; a representation the simulator cannot store is an error.
func (pw *pageWrite) storageBody() (body string, present bool, err error) {
	b := pw.Body
	if b == nil {
		return "", false, nil
	}
	var bw *bodyWrite
	switch {
	case b.Value != nil:
		bw = &bodyWrite{Representation: b.Representation, Value: *b.Value}
	case b.Storage != nil:
		bw = b.Storage
	case b.Wiki != nil:
		bw = &bodyWrite{Representation: "wiki", Value: b.Wiki.Value}
	case b.ADF != nil:
		bw = &bodyWrite{Representation: "atlas_doc_format", Value: b.ADF.Value}
	default:
		return "", false, nil
	}
	switch bw.Representation {
	case "storage", "":
		return bw.Value, true, nil
	case "wiki":
		// Wiki markup is kept as escaped paragraphs; the simulator has no
		// wiki renderer, but the text survives.
		var sb strings.Builder
		for _, line := range strings.Split(bw.Value, "\n") {
			if strings.TrimSpace(line) != "" {
				sb.WriteString("<p>" + html.EscapeString(line) + "</p>")
			}
		}
		return sb.String(), true, nil
	}
	return "", false, fmt.Errorf("body representation %q is not supported by the simulator (use storage or wiki)", bw.Representation)
}

// readPageWrite decodes a v2 page create or update and extracts its body as
// storage (see storageBody); it answers 400/413 itself.
func readPageWrite(w http.ResponseWriter, r *http.Request) (req pageWrite, body string, hasBody, ok bool) {
	if !decodeJSON(w, r, &req, writeV2Error) {
		return req, "", false, false
	}
	body, hasBody, err := req.storageBody()
	if err != nil {
		writeV2Error(w, http.StatusBadRequest, err.Error())
		return req, "", false, false
	}
	return req, body, hasBody, true
}

func (s *Server) v2CreatePage(w http.ResponseWriter, r *http.Request) {
	req, body, _, ok := readPageWrite(w, r)
	if !ok {
		return
	}
	if req.SpaceID == "" || strings.TrimSpace(req.Title) == "" {
		writeV2Error(w, http.StatusBadRequest, "spaceId and title are required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.spaceByID(req.SpaceID)
	if !s.spaceReadable(sp, actor(r)) {
		writeV2Error(w, http.StatusNotFound, spaceIDNotFound(req.SpaceID))
		return
	}
	if req.ParentID != "" {
		if !s.parentInSpace(req.ParentID, sp, actor(r)) {
			writeV2Error(w, http.StatusBadRequest, "Parent page not found in space: "+req.ParentID)
			return
		}
	}
	for _, p := range s.pages {
		if p.spaceID == sp.id && p.current().title == req.Title {
			writeV2Error(w, http.StatusBadRequest, titleTaken(req.Title, sp.key))
			return
		}
	}
	p := s.createPage("", sp.key, req.ParentID, req.Title, body, actor(r), s.now())
	s.emitPageEvent("page_created", actor(r), p, nil)
	writeJSON(w, http.StatusOK, s.v2Page(p, p.current(), "storage", actor(r)))
}

func (s *Server) v2UpdatePage(w http.ResponseWriter, r *http.Request) {
	req, body, hasBody, ok := readPageWrite(w, r)
	if !ok {
		return
	}
	if req.Version == nil || strings.TrimSpace(req.Title) == "" {
		writeV2Error(w, http.StatusBadRequest, "title and version are required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	if p, ok := s.pages[id]; ok && p.status == "trashed" && req.Status == "current" && s.canEdit(p, actor(r)) {
		// Restoring from the trash changes only the status.
		p.status = "current"
		s.emitPageEvent("page_restored", actor(r), p, nil)
		writeJSON(w, http.StatusOK, s.v2Page(p, p.current(), "storage", actor(r)))
		return
	}
	p := s.editablePage(w, r, writeV2Error)
	if p == nil {
		return
	}
	cur := p.current()
	if req.Version.Number != cur.number+1 {
		writeV2Error(w, http.StatusConflict, fmt.Sprintf(
			"Version must be incremented when updating a page. Current Version: [%d]. Provided version: [%d]", cur.number, req.Version.Number))
		return
	}
	if req.SpaceID != "" && req.SpaceID != p.spaceID {
		writeV2Error(w, http.StatusBadRequest, "Cannot move a page to another space")
		return
	}
	if !hasBody {
		body = cur.body
	}
	if req.ParentID != "" && !s.reparent(w, r, p, req.ParentID, writeV2Error) {
		return
	}
	s.appendVersion(p, req.Title, body, actor(r), req.Version.Message, req.Version.MinorEdit)
	s.emitPageEvent("page_updated", actor(r), p, nil)
	writeJSON(w, http.StatusOK, s.v2Page(p, p.current(), "storage", actor(r)))
}

// v2Children lists a page's children that the caller can see, in
// sibling order (see move.go).
func (s *Server) v2Children(w http.ResponseWriter, r *http.Request) {
	s.writeV2PageList(w, r, 25, func(par *page) []any {
		items := s.visibleChildren(r, par)
		for _, it := range items {
			delete(it.(map[string]any), "type") // /children predates the typed tree items
		}
		return items
	})
}

// v2Ancestors lists ancestors top-down; it is not cursor-paged on Cloud.
func (s *Server) v2Ancestors(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p := s.readablePage(w, r, r.PathValue("id"), writeV2Error)
	if p == nil {
		return
	}
	chain := []any{}
	for _, par := range s.ancestors(p) {
		chain = append(chain, map[string]any{"id": par.id, "type": "page"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": chain, "_links": map[string]any{"base": s.baseURL + cloudCtx}})
}

func (s *Server) v2ListSpaces(w http.ResponseWriter, r *http.Request) {
	keys := multiValues(r, "keys")
	ids := multiValues(r, "ids")
	s.mu.RLock()
	items := []any{}
	for _, sp := range s.sortedSpaces() {
		if (len(keys) > 0 && !contains(keys, sp.key)) || (len(ids) > 0 && !contains(ids, sp.id)) ||
			!s.spaceReadable(sp, actor(r)) {
			continue
		}
		items = append(items, s.v2Space(sp))
	}
	s.mu.RUnlock()
	s.writeV2List(w, r, items, 25)
}

func (s *Server) v2GetSpace(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id := r.PathValue("id")
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		writeV2Error(w, http.StatusBadRequest, "Space id must be a number: "+id)
		return
	}
	sp := s.spaceByID(id)
	if !s.spaceReadable(sp, actor(r)) {
		writeV2Error(w, http.StatusNotFound, spaceIDNotFound(id))
		return
	}
	writeJSON(w, http.StatusOK, s.v2Space(sp))
}

func (s *Server) v2Labels(w http.ResponseWriter, r *http.Request) {
	prefix := r.URL.Query().Get("prefix")
	s.writeV2PageList(w, r, 25, func(p *page) []any {
		items := []any{}
		for _, l := range p.labels {
			if prefix == "" || l.prefix == prefix {
				items = append(items, v2Label(l))
			}
		}
		return items
	})
}

func (s *Server) v2ListProperties(w http.ResponseWriter, r *http.Request) {
	key, hasKey := r.URL.Query()["key"]
	s.writeV2PageList(w, r, 25, func(p *page) []any {
		items := []any{}
		for _, pr := range p.props {
			if !hasKey || pr.key == key[0] {
				items = append(items, s.v2Property(pr))
			}
		}
		return items
	})
}

type propertyWrite struct {
	Key     string          `json:"key"`
	Value   json.RawMessage `json:"value"`
	Version *struct {
		Number  int    `json:"number"`
		Message string `json:"message"`
	} `json:"version"`
}

func (s *Server) v2CreateProperty(w http.ResponseWriter, r *http.Request) {
	var req propertyWrite
	if !decodeJSON(w, r, &req, writeV2Error) {
		return
	}
	if req.Key == "" {
		writeV2Error(w, http.StatusBadRequest, "Property key is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.editablePage(w, r, writeV2Error)
	if p == nil {
		return
	}
	if p.prop(req.Key) != nil {
		writeV2Error(w, http.StatusBadRequest, "A content property with key '"+req.Key+"' already exists on this content")
		return
	}
	pr := &property{id: s.nextObjectID(), key: req.Key, value: rawOrString(req.Value), version: 1, createdAt: s.now()}
	p.props = append(p.props, pr)
	writeJSON(w, http.StatusOK, s.v2Property(pr))
}

// v2PropertyByID finds a page's property by id; it writes the 404 itself.
func (s *Server) v2PropertyByID(w http.ResponseWriter, r *http.Request) (*page, *property, bool) {
	pid := r.PathValue("pid")
	p := s.pageForMethod(w, r, writeV2Error)
	if p == nil {
		return nil, nil, false
	}
	for _, pr := range p.props {
		if pr.id == pid {
			return p, pr, true
		}
	}
	writeV2Error(w, http.StatusNotFound, "No content property found with id: "+pid)
	return nil, nil, false
}

func (s *Server) v2GetProperty(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, pr, ok := s.v2PropertyByID(w, r); ok {
		writeJSON(w, http.StatusOK, s.v2Property(pr))
	}
}

func (s *Server) v2UpdateProperty(w http.ResponseWriter, r *http.Request) {
	var req propertyWrite
	if !decodeJSON(w, r, &req, writeV2Error) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, pr, ok := s.v2PropertyByID(w, r)
	if !ok {
		return
	}
	if req.Version == nil || req.Version.Number != pr.version+1 {
		n := 0
		if req.Version != nil {
			n = req.Version.Number
		}
		writeV2Error(w, http.StatusConflict, fmt.Sprintf(
			"Version must be incremented when updating a content property. Current Version: [%d]. Provided version: [%d]", pr.version, n))
		return
	}
	if req.Key != "" && req.Key != pr.key {
		writeV2Error(w, http.StatusBadRequest, "The key of a content property cannot be changed")
		return
	}
	pr.value, pr.version, pr.message, pr.createdAt = rawOrString(req.Value), req.Version.Number, req.Version.Message, s.now()
	writeJSON(w, http.StatusOK, s.v2Property(pr))
}

func (s *Server) v2DeleteProperty(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, pr, ok := s.v2PropertyByID(w, r)
	if !ok {
		return
	}
	for i, x := range p.props {
		if x == pr {
			p.props = append(p.props[:i], p.props[i+1:]...)
			break
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) v2ListAttachments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	mediaType, filename := q.Get("mediaType"), q.Get("filename")
	s.writeV2PageList(w, r, 50, func(p *page) []any {
		items := []any{}
		for _, a := range p.atts {
			if (mediaType == "" || a.current().mediaType == mediaType) && (filename == "" || a.title == filename) {
				items = append(items, s.v2Attachment(a, a.current()))
			}
		}
		return items
	})
}

// v2GetAttachment answers the attachment as of its current version, or of
// the older version ?version= names (404 when there is none).
func (s *Server) v2GetAttachment(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a := s.visibleAttachment(r, r.PathValue("id"))
	if a == nil {
		writeV2Error(w, http.StatusNotFound, attachmentIDNotFound(r.PathValue("id")))
		return
	}
	v, ok := requestedAttachmentVersion(r, a)
	if !ok {
		writeV2Error(w, http.StatusNotFound, attachmentVersionNotFound(r.URL.Query().Get("version"), a.title))
		return
	}
	writeJSON(w, http.StatusOK, s.v2Attachment(a, v))
}

// v2DownloadAttachment serves go-atlassian's (unpublished) v2 download
// path by redirecting to the download servlet, like the v1 path does,
// honouring ?version= the same way.
func (s *Server) v2DownloadAttachment(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	a := s.visibleAttachment(r, r.PathValue("id"))
	var loc, title string
	found := false
	if a != nil {
		var v *attachmentVersion
		title = a.title
		if v, found = requestedAttachmentVersion(r, a); found {
			loc = cloudCtx + downloadPath(a, v)
		}
	}
	s.mu.RUnlock()
	if a == nil {
		writeV2Error(w, http.StatusNotFound, attachmentIDNotFound(r.PathValue("id")))
		return
	}
	if !found {
		writeV2Error(w, http.StatusNotFound, attachmentVersionNotFound(r.URL.Query().Get("version"), title))
		return
	}
	http.Redirect(w, r, loc, http.StatusFound)
}

// v2DeletePage moves a page to the trash (204). A trashed page is purged
// with ?purge=true; without it, deleting it again is a 400.
func (s *Server) v2DeletePage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	if p, ok := s.pages[id]; ok && p.status == "trashed" && s.canEdit(p, actor(r)) {
		if r.URL.Query().Get("purge") != "true" {
			writeV2Error(w, http.StatusBadRequest, "Page "+id+" is already in the trash; use purge=true to purge it")
			return
		}
		s.purgePage(p, actor(r))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	p := s.editablePage(w, r, writeV2Error)
	if p == nil {
		return
	}
	s.trashPage(p, actor(r))
	w.WriteHeader(http.StatusNoContent)
}
