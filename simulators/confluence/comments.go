package confluence

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Footer comments: v2 /footer-comments and v1/DC content of type comment.
// A comment never changes the page's version.

// Comment is a snapshot of a simulated footer comment.
type Comment struct {
	ID        string    `json:"id"`
	PageID    string    `json:"pageId"`
	AuthorID  string    `json:"authorId"`
	Body      string    `json:"body"`    // plain text
	Storage   string    `json:"storage"` // storage format, as written
	CreatedAt time.Time `json:"createdAt"`
}

func (c *comment) snapshot() Comment {
	return Comment{ID: c.id, PageID: c.pageID, AuthorID: c.authorID, Body: plainText(c.body), Storage: c.body, CreatedAt: c.createdAt}
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// plainText is the text of a storage body, whitespace collapsed.
func plainText(storage string) string {
	var t string
	if root, err := parseStorage(storage); err == nil {
		t = root.textContent()
	} else {
		t = tagRE.ReplaceAllString(storage, " ")
	}
	return strings.Join(strings.Fields(t), " ")
}

// Comments returns the page's footer comments, oldest first.
func (s *Server) Comments(pageID string) []Comment {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.pages[pageID]
	if !ok {
		return nil
	}
	out := make([]Comment, len(p.comments))
	for i, c := range p.comments {
		out[i] = c.snapshot()
	}
	return out
}

// AddComment adds a footer comment by authorID, as a user commenting in
// the UI would; it fires comment_created.
func (s *Server) AddComment(pageID, storageBody, authorID string) (Comment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.knownPage(pageID)
	if err != nil {
		return Comment{}, err
	}
	return s.addComment(p, storageBody, authorID).snapshot(), nil
}

func (s *Server) addComment(p *page, body, authorID string) *comment {
	c := &comment{id: s.nextObjectID(), pageID: p.id, authorID: authorID, body: body, createdAt: s.now(), version: 1}
	p.comments = append(p.comments, c)
	s.emitPageEvent("comment_created", authorID, p, &eventInfo{commentID: c.id})
	return c
}

// findComment finds a comment by id across all pages.
func (s *Server) findComment(id string) *comment {
	for _, p := range s.pages {
		for _, c := range p.comments {
			if c.id == id {
				return c
			}
		}
	}
	return nil
}

func (s *Server) commentBody(p *page, c *comment, format, ctx, viewer string) string {
	switch format {
	case "storage", "editor":
		return c.body
	case "atlas_doc_format":
		return storageToADF(c.body)
	}
	return s.renderStorage(c.body, p, false, viewOpts(format, ctx, viewer))
}

func commentWebUI(s *Server, p *page, c *comment) string {
	return s.webui(p, p.current().title) + "?focusedCommentId=" + c.id + "#comment-" + c.id
}

// v2Comment is the v2 FooterCommentModel; a rendered body is rendered for
// viewer.
func (s *Server) v2Comment(c *comment, format, viewer string) map[string]any {
	p := s.pages[c.pageID]
	body := map[string]any{}
	if format != "" {
		body[format] = bodyRepresentation(format, s.commentBody(p, c, format, cloudCtx, viewer))
	}
	return map[string]any{
		"id": c.id, "status": "current", "title": "Re: " + p.current().title, "pageId": p.id,
		"version": v2VersionObject(c.createdAt, "", c.version, false, c.authorID),
		"body":    body,
		"_links":  map[string]any{"webui": commentWebUI(s, p, c), "base": s.baseURL + cloudCtx},
	}
}

func (s *Server) routesComments(mux *http.ServeMux) {
	mux.HandleFunc("POST "+v2Prefix+"/footer-comments", s.v2CreateComment)
	mux.HandleFunc("GET "+v2Prefix+"/footer-comments/{cid}", s.v2GetComment)
	mux.HandleFunc("GET "+v2Prefix+"/pages/{id}/footer-comments", s.v2PageComments)
}

func (s *Server) v2CreateComment(w http.ResponseWriter, r *http.Request) {
	var req struct {
		PageID          string `json:"pageId"`
		BlogPostID      string `json:"blogPostId"`
		ParentCommentID string `json:"parentCommentId"`
		pageWrite
	}
	if !decodeJSON(w, r, &req, writeV2Error) {
		return
	}
	body, present, err := req.storageBody()
	switch {
	case err != nil:
		writeV2Error(w, http.StatusBadRequest, err.Error())
		return
	case !present || strings.TrimSpace(body) == "":
		writeV2Error(w, http.StatusBadRequest, "A comment body is required")
		return
	case req.BlogPostID != "":
		writeV2Error(w, http.StatusNotFound, "No blog post found with id: "+req.BlogPostID)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pageID := req.PageID
	if req.ParentCommentID != "" {
		parent := s.findComment(req.ParentCommentID)
		if parent == nil {
			writeV2Error(w, http.StatusNotFound, "No comment found with id: "+req.ParentCommentID)
			return
		}
		pageID = parent.pageID
	}
	if pageID == "" {
		writeV2Error(w, http.StatusBadRequest, "One of pageId, blogPostId or parentCommentId is required")
		return
	}
	p := s.readablePage(w, r, pageID, writeV2Error)
	if p == nil {
		return
	}
	c := s.addComment(p, body, actor(r))
	w.Header().Set("Location", s.baseURL+v2Prefix+"/footer-comments/"+c.id)
	writeJSON(w, http.StatusCreated, s.v2Comment(c, "storage", actor(r)))
}

func (s *Server) v2GetComment(w http.ResponseWriter, r *http.Request) {
	format, ok := v2CommentFormats.read(w, r)
	if !ok {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := s.findComment(r.PathValue("cid"))
	if c == nil {
		writeV2Error(w, http.StatusNotFound, "No comment found with id: "+r.PathValue("cid"))
		return
	}
	if _, ok := s.visiblePage(r, c.pageID); !ok {
		writeV2Error(w, http.StatusNotFound, "No comment found with id: "+r.PathValue("cid"))
		return
	}
	writeJSON(w, http.StatusOK, s.v2Comment(c, format, actor(r)))
}

func (s *Server) v2PageComments(w http.ResponseWriter, r *http.Request) {
	format, ok := v2ListFormats.read(w, r)
	if !ok {
		return
	}
	newestFirst := r.URL.Query().Get("sort") == "-created-date"
	s.writeV2PageList(w, r, 25, func(p *page) []any {
		items := []any{}
		for _, c := range p.comments {
			items = append(items, s.v2Comment(c, format, actor(r)))
		}
		if newestFirst {
			slices.Reverse(items)
		}
		return items
	})
}

// v1 / DC.

// comment is the v1 content object of a comment; rendered bodies are
// rendered for viewer.
func (h *v1) comment(c *comment, expand []string, viewer string) map[string]any {
	s := h.s
	p := s.pages[c.pageID]
	m := map[string]any{
		"id": c.id, "type": "comment", "status": "current", "title": "Re: " + p.current().title,
		"space": h.space(s.spaceByID(p.spaceID)),
		"history": map[string]any{"latest": true, "createdBy": h.user(c.authorID),
			"createdDate": c.createdAt.Format(timeLayout)},
		"version":    h.version(c.authorID, c.createdAt, c.version, "", false),
		"container":  pageRef(p),
		"extensions": map[string]any{"location": "footer"},
		"_links": mergeLinks(h.links("/rest/api/content/"+c.id), map[string]any{
			"webui": commentWebUI(s, p, c)}),
	}
	body := expandedBodies(expand, func(f string) string { return s.commentBody(p, c, f, h.ctx, viewer) })
	if len(body) > 0 {
		m["body"] = body
	}
	return m
}

func (h *v1) listComments(w http.ResponseWriter, r *http.Request) {
	expand := multiValues(r, "expand")
	h.writePageList(w, r, 25, func(p *page) []any {
		items := []any{}
		for _, c := range p.comments {
			items = append(items, h.comment(c, expand, actor(r)))
		}
		return items
	})
}

// createContent is POST .../content: type "comment" (container = the
// page) or "page" (space.key, optional ancestors), with a storage body. A
// page comes back with its storage body and whatever ?expand= asks for.
func (h *v1) createContent(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status string `json:"status"`
		Space  *struct {
			Key string `json:"key"`
		} `json:"space"`
		Container *struct {
			ID   flexString `json:"id"`
			Type string     `json:"type"`
		} `json:"container"`
		Ancestors []struct {
			ID flexString `json:"id"`
		} `json:"ancestors"`
		Body *struct {
			Storage *bodyWrite `json:"storage"`
		} `json:"body"`
	}
	if !decodeJSON(w, r, &req, writeV1Error) {
		return
	}
	body := ""
	if req.Body != nil && req.Body.Storage != nil {
		if rep := req.Body.Storage.Representation; rep != "" && rep != "storage" {
			writeV1Error(w, http.StatusBadRequest, "Unsupported body representation: "+rep)
			return
		}
		body = req.Body.Storage.Value
	}
	who := actor(r)
	switch req.Type {
	case "comment":
		if req.Container == nil || req.Container.ID == "" {
			writeV1Error(w, http.StatusBadRequest, "A comment needs a container")
			return
		}
		if strings.TrimSpace(body) == "" {
			writeV1Error(w, http.StatusBadRequest, "A comment body is required")
			return
		}
		h.s.mu.Lock()
		defer h.s.mu.Unlock()
		p := h.s.readablePage(w, r, string(req.Container.ID), writeV1Error)
		if p == nil {
			return
		}
		c := h.s.addComment(p, body, who)
		writeJSON(w, http.StatusOK, h.comment(c, []string{"body.storage"}, who))
	case "page":
		if req.Space == nil || req.Space.Key == "" || strings.TrimSpace(req.Title) == "" {
			writeV1Error(w, http.StatusBadRequest, "A page needs space.key and a title")
			return
		}
		h.s.mu.Lock()
		defer h.s.mu.Unlock()
		sp := h.s.spaceByKey(req.Space.Key)
		if sp == nil || !h.s.spaceReadable(sp, actor(r)) {
			writeV1Error(w, http.StatusNotFound, "No space with key : "+req.Space.Key)
			return
		}
		parent := ""
		if n := len(req.Ancestors); n > 0 {
			parent = string(req.Ancestors[n-1].ID)
			if !h.s.parentInSpace(parent, sp, actor(r)) {
				writeV1Error(w, http.StatusBadRequest, "Parent page not found in space: "+parent)
				return
			}
		}
		for _, p := range h.s.pages {
			if p.spaceID == sp.id && p.status == "current" && p.current().title == req.Title {
				writeV1Error(w, http.StatusBadRequest, titleTaken(req.Title, sp.key))
				return
			}
		}
		p := h.s.createPage("", sp.key, parent, req.Title, body, who, h.s.now())
		h.s.emitPageEvent("page_created", who, p, nil)
		writeJSON(w, http.StatusOK, h.content(p, p.current(), append([]string{"body.storage", "ancestors"}, multiValues(r, "expand")...), who))
	default:
		writeV1Error(w, http.StatusBadRequest, "Unsupported content type: "+req.Type+" (the simulator creates page and comment)")
	}
}
