package confluence

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"
)

// v2 surfaces beyond pages themselves: a page's versions and operations,
// its tree (direct children, descendants), labels site-wide and per space,
// and attachments site-wide. Each is cursor-paged like every v2 list and
// answers only what the caller may read.

func (s *Server) routesV2Tree(mux *http.ServeMux, p string) {
	mux.HandleFunc("GET "+p+"/pages/{id}/versions", s.v2PageVersions)
	mux.HandleFunc("GET "+p+"/pages/{id}/versions/{n}", s.v2PageVersion)
	mux.HandleFunc("GET "+p+"/pages/{id}/operations", s.v2Operations)
	mux.HandleFunc("GET "+p+"/pages/{id}/direct-children", s.v2DirectChildren)
	mux.HandleFunc("GET "+p+"/pages/{id}/descendants", s.v2Descendants)
	mux.HandleFunc("GET "+p+"/labels", s.v2SiteLabels)
	mux.HandleFunc("GET "+p+"/labels/{id}/pages", s.v2LabelPages)
	mux.HandleFunc("GET "+p+"/spaces/{id}/labels", s.v2SpaceLabels)
	mux.HandleFunc("GET "+p+"/spaces/{id}/content/labels", s.v2SpaceLabels)
	mux.HandleFunc("GET "+p+"/attachments", s.v2SiteAttachments)
}

// pageSorts are the v2 PageSortOrder values.
var pageSorts = []string{"id", "-id", "created-date", "-created-date", "modified-date", "-modified-date", "title", "-title"}

// sortPages orders pages by a v2 sort value ("" keeps them as they are).
// false for a value the spec does not list.
func sortPages(pages []*page, by string) bool {
	if by == "" {
		return true
	}
	if !slices.Contains(pageSorts, by) {
		return false
	}
	desc := by[0] == '-'
	key := by
	if desc {
		key = by[1:]
	}
	sort.SliceStable(pages, func(i, j int) bool {
		a, b := pages[i], pages[j]
		if desc {
			a, b = b, a
		}
		switch key {
		case "created-date":
			if !a.createdAt.Equal(b.createdAt) {
				return a.createdAt.Before(b.createdAt)
			}
		case "modified-date":
			if am, bm := a.current().createdAt, b.current().createdAt; !am.Equal(bm) {
				return am.Before(bm)
			}
		case "title":
			if at, bt := a.current().title, b.current().title; at != bt {
				return at < bt
			}
		}
		return idLess(a.id, b.id)
	})
	return true
}

// badSort is the 400 for a sort value the endpoint does not take.
func badSort(w http.ResponseWriter, r *http.Request) {
	writeV2Error(w, http.StatusBadRequest, "Invalid value for sort: "+r.URL.Query().Get("sort"))
}

// v2PageVersions serves GET /pages/{id}/versions: the page's versions,
// newest first (sort=modified-date for oldest first), each with the page's
// id and title, and its body with body-format.
func (s *Server) v2PageVersions(w http.ResponseWriter, r *http.Request) {
	format, ok := v2ListFormats.read(w, r)
	if !ok {
		return
	}
	order := r.URL.Query().Get("sort")
	if order != "" && order != "modified-date" && order != "-modified-date" {
		badSort(w, r)
		return
	}
	s.writeV2PageList(w, r, 25, func(p *page) []any {
		items := []any{}
		for i := len(p.versions) - 1; i >= 0; i-- {
			v := p.versions[i]
			m := s.v2Version(v)
			ref := map[string]any{"id": p.id, "title": v.title}
			if format != "" {
				ref["body"] = map[string]any{format: bodyRepresentation(format, s.bodyValue(p, v, format, cloudCtx, actor(r)))}
			}
			m["page"] = ref
			items = append(items, m)
		}
		if order == "modified-date" {
			slices.Reverse(items)
		}
		return items
	})
}

// v2PageVersion serves GET /pages/{id}/versions/{n}: the DetailedVersion
// with the numbers of its neighbours.
func (s *Server) v2PageVersion(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p := s.readablePage(w, r, r.PathValue("id"), writeV2Error)
	if p == nil {
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > len(p.versions) {
		writeV2Error(w, http.StatusNotFound, "Version "+r.PathValue("n")+" of page "+p.id+" not found")
		return
	}
	v := p.versions[n-1]
	m := s.v2Version(v)
	m["contentTypeModified"] = false
	m["collaborators"] = []any{v.authorID}
	if n > 1 {
		m["prevVersion"] = n - 1
	}
	if n < len(p.versions) {
		m["nextVersion"] = n + 1
	}
	writeJSON(w, http.StatusOK, m)
}

// pageOperations are what the caller may do with p: read (it is visible),
// and update and delete where its update restriction and the space allow.
// Call with s.mu held.
func (s *Server) pageOperations(p *page, viewer string) []any {
	ops := []any{map[string]any{"operation": "read", "targetType": "page"}}
	if s.canEdit(p, viewer) {
		ops = append(ops, map[string]any{"operation": "update", "targetType": "page"},
			map[string]any{"operation": "delete", "targetType": "page"})
	}
	return ops
}

// v2Operations serves GET /pages/{id}/operations.
func (s *Server) v2Operations(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p := s.readablePage(w, r, r.PathValue("id"), writeV2Error)
	if p == nil {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"operations": s.pageOperations(p, actor(r)),
		"_links": map[string]any{"base": s.baseURL + cloudCtx}})
}

// treeItem is a page as the v2 tree endpoints list it.
func treeItem(p *page, position int) map[string]any {
	return map[string]any{"id": p.id, "status": p.status, "title": p.current().title, "type": "page",
		"spaceId": p.spaceID, "childPosition": position}
}

// v2DirectChildren serves GET /pages/{id}/direct-children: the child pages
// in their order (the simulator has no folders, whiteboards or databases).
func (s *Server) v2DirectChildren(w http.ResponseWriter, r *http.Request) {
	s.writeV2PageList(w, r, 25, func(par *page) []any { return s.visibleChildren(r, par) })
}

// visibleChildren are par's child pages the caller can read, in order, as
// tree items. Call with s.mu held.
func (s *Server) visibleChildren(r *http.Request, par *page) []any {
	items := []any{}
	for _, p := range s.childPages(par.id, par.spaceID) {
		if _, ok := s.visiblePage(r, p.id); ok {
			items = append(items, treeItem(p, len(items)))
		}
	}
	return items
}

// writeSortedPages sorts pages by ?sort= and answers them as a v2 page
// list, releasing s.mu (held for reading) before writing.
func (s *Server) writeSortedPages(w http.ResponseWriter, r *http.Request, pages []*page, format string) {
	if !sortPages(pages, r.URL.Query().Get("sort")) {
		s.mu.RUnlock()
		badSort(w, r)
		return
	}
	items := []any{}
	for _, p := range pages {
		items = append(items, s.v2Page(p, p.current(), format, actor(r)))
	}
	s.mu.RUnlock()
	s.writeV2List(w, r, items, 25)
}

// maxDescendantDepth is the deepest level /descendants reaches, and its
// default.
const maxDescendantDepth = 5

// v2Descendants serves GET /pages/{id}/descendants?depth=: the pages below,
// level by level down to depth (1–5, default 5), each with its parentId
// and depth. A page the caller cannot read is left out with everything
// under it, since reading is inherited downwards.
func (s *Server) v2Descendants(w http.ResponseWriter, r *http.Request) {
	depth := maxDescendantDepth
	if d := r.URL.Query().Get("depth"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > maxDescendantDepth {
			writeV2Error(w, http.StatusBadRequest, "Invalid value for depth: "+d)
			return
		}
		depth = n
	}
	s.writeV2PageList(w, r, 25, func(root *page) []any {
		items := []any{}
		level := []*page{root}
		for d := 1; d <= depth && len(level) > 0; d++ {
			var next []*page
			for _, par := range level {
				pos := 0
				for _, p := range s.childPages(par.id, par.spaceID) {
					if _, ok := s.visiblePage(r, p.id); !ok {
						continue
					}
					it := treeItem(p, pos)
					it["parentId"], it["depth"] = par.id, d
					items = append(items, it)
					next = append(next, p)
					pos++
				}
			}
			level = next
		}
		return items
	})
}

// visibleLabels are the labels on pages the caller can see, each once,
// ordered by id; inSpace "" means every space. Call with s.mu held.
func (s *Server) visibleLabels(r *http.Request, inSpace string) []label {
	seen := map[string]bool{}
	var out []label
	for _, p := range s.sortedPages() {
		if _, ok := s.visiblePage(r, p.id); !ok || (inSpace != "" && p.spaceID != inSpace) {
			continue
		}
		for _, l := range p.labels {
			if !seen[l.id] {
				seen[l.id] = true
				out = append(out, l)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return idLess(out[i].id, out[j].id) })
	return out
}

// labelItems filters labels by ?prefix= and ?label-id= and sorts them by
// ?sort= (name, -name, id, -id; default id). false for another sort.
func labelItems(r *http.Request, labels []label) ([]any, bool) {
	prefixes, ids := multiValues(r, "prefix"), multiValues(r, "label-id")
	switch r.URL.Query().Get("sort") {
	case "", "id":
	case "-id":
		slices.Reverse(labels)
	case "name":
		sort.SliceStable(labels, func(i, j int) bool { return labels[i].name < labels[j].name })
	case "-name":
		sort.SliceStable(labels, func(i, j int) bool { return labels[i].name > labels[j].name })
	default:
		return nil, false
	}
	items := []any{}
	for _, l := range labels {
		if (len(prefixes) == 0 || contains(prefixes, l.prefix)) && (len(ids) == 0 || contains(ids, l.id)) {
			items = append(items, v2Label(l))
		}
	}
	return items, true
}

// v2SiteLabels serves GET /labels.
func (s *Server) v2SiteLabels(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	items, ok := labelItems(r, s.visibleLabels(r, ""))
	s.mu.RUnlock()
	if !ok {
		badSort(w, r)
		return
	}
	s.writeV2List(w, r, items, 25)
}

// v2SpaceLabels serves GET /spaces/{id}/labels and /spaces/{id}/content/labels:
// the labels of the space's pages.
func (s *Server) v2SpaceLabels(w http.ResponseWriter, r *http.Request) {
	sid := r.PathValue("id")
	s.mu.RLock()
	sp := s.spaceByID(sid)
	if sp == nil || !s.spaceReadable(sp, actor(r)) {
		s.mu.RUnlock()
		writeV2Error(w, http.StatusNotFound, spaceIDNotFound(sid))
		return
	}
	items, ok := labelItems(r, s.visibleLabels(r, sid))
	s.mu.RUnlock()
	if !ok {
		badSort(w, r)
		return
	}
	s.writeV2List(w, r, items, 25)
}

// v2LabelPages serves GET /labels/{id}/pages: the pages carrying the label,
// with ?space-id=, ?sort= and ?body-format=.
func (s *Server) v2LabelPages(w http.ResponseWriter, r *http.Request) {
	format, ok := v2ListFormats.read(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	spaceIDs := multiValues(r, "space-id")
	s.mu.RLock()
	known := false
	for _, lid := range s.labelIDs {
		known = known || lid == id
	}
	if !known {
		s.mu.RUnlock()
		writeV2Error(w, http.StatusNotFound, "No label found with id: "+id)
		return
	}
	var pages []*page
	for _, p := range s.sortedPages() {
		if _, ok := s.visiblePage(r, p.id); !ok || (len(spaceIDs) > 0 && !contains(spaceIDs, p.spaceID)) {
			continue
		}
		if slices.ContainsFunc(p.labels, func(l label) bool { return l.id == id }) {
			pages = append(pages, p)
		}
	}
	s.writeSortedPages(w, r, pages, format)
}

// v2SiteAttachments serves GET /attachments: every attachment on a page the
// caller can read, with ?mediaType=, ?filename= and ?sort= (created-date,
// -created-date, modified-date, -modified-date; default by id).
func (s *Server) v2SiteAttachments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	mediaType, filename, order := q.Get("mediaType"), q.Get("filename"), q.Get("sort")
	if order != "" && !slices.Contains([]string{"created-date", "-created-date", "modified-date", "-modified-date"}, order) {
		badSort(w, r)
		return
	}
	s.mu.RLock()
	var atts []*attachment
	for _, p := range s.sortedPages() {
		if _, ok := s.visiblePage(r, p.id); !ok {
			continue
		}
		for _, a := range p.atts {
			if (mediaType == "" || a.current().mediaType == mediaType) && (filename == "" || a.title == filename) {
				atts = append(atts, a)
			}
		}
	}
	sort.SliceStable(atts, func(i, j int) bool { return idLess(atts[i].id, atts[j].id) })
	if order != "" {
		when := func(a *attachment) time.Time {
			if order == "created-date" || order == "-created-date" {
				return a.versions[0].createdAt
			}
			return a.current().createdAt
		}
		sort.SliceStable(atts, func(i, j int) bool {
			if order[0] == '-' {
				return when(atts[j]).Before(when(atts[i]))
			}
			return when(atts[i]).Before(when(atts[j]))
		})
	}
	items := []any{}
	for _, a := range atts {
		items = append(items, s.v2Attachment(a, a.current()))
	}
	s.mu.RUnlock()
	s.writeV2List(w, r, items, 50)
}
