package confluence

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const maxLimit = 250

// parseLimit reads ?limit=, clamped to maxLimit like Cloud does.
func parseLimit(r *http.Request, def int) (int, bool) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, false
	}
	if n > maxLimit {
		n = maxLimit
	}
	return n, true
}

// parseStartLimit reads v1's ?start= (default 0) and ?limit= (see
// parseLimit); a bad value of either is a v1 400, written here.
func parseStartLimit(w http.ResponseWriter, r *http.Request, defLimit int) (start, limit int, ok bool) {
	limit, ok = parseLimit(r, defLimit)
	s := r.URL.Query().Get("start")
	var err error
	if s != "" {
		start, err = strconv.Atoi(s)
	}
	if !ok || err != nil || start < 0 {
		writeV1Error(w, http.StatusBadRequest, "Invalid start or limit")
		return 0, 0, false
	}
	return start, limit, true
}

// Cursors are opaque to clients; inside they are just an offset, tagged so
// that a cursor not issued by the simulator is recognised and rejected.
func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("simcur:" + strconv.Itoa(offset)))
}

func decodeCursor(c string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	n, ok := strings.CutPrefix(string(b), "simcur:")
	if !ok {
		return 0, false
	}
	off, err := strconv.Atoi(n)
	return off, err == nil && off >= 0
}

// writeV2List answers a v2 list endpoint with one cursor page of items.
// _links.next is site-relative and keeps every original query parameter;
// the same link goes into a Link header. The last page carries neither.
func (s *Server) writeV2List(w http.ResponseWriter, r *http.Request, items []any, defLimit int) {
	limit, ok := parseLimit(r, defLimit)
	if !ok {
		writeV2Error(w, http.StatusBadRequest, "Invalid value for limit: "+r.URL.Query().Get("limit"))
		return
	}
	offset := 0
	if c := r.URL.Query().Get("cursor"); c != "" {
		if offset, ok = decodeCursor(c); !ok {
			writeV2Error(w, http.StatusBadRequest, "Invalid cursor: "+c)
			return
		}
	}
	page := []any{}
	if offset < len(items) {
		end := min(offset+limit, len(items))
		page = items[offset:end]
	}
	base := s.origin() + cloudCtx
	links := map[string]string{"base": base}
	if offset+limit < len(items) {
		q := r.URL.Query()
		q.Set("cursor", encodeCursor(offset+limit))
		next := r.URL.Path + "?" + q.Encode()
		links["next"] = next
		w.Header().Set("Link", "<"+next+`>; rel="next", <`+base+`>; rel="base"`)
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": page, "_links": links})
}

// writeV1List answers a v1/DC list endpoint with start/limit paging.
// Links are relative to _links.base, which includes the context path.
func (s *Server) writeV1List(w http.ResponseWriter, r *http.Request, ctx string, items []any, defLimit int) {
	q := r.URL.Query()
	start, limit, ok := parseStartLimit(w, r, defLimit)
	if !ok {
		return
	}
	page := []any{}
	if start < len(items) {
		page = items[start:min(start+limit, len(items))]
	}
	rel := strings.TrimPrefix(r.URL.Path, ctx)
	links := map[string]any{"base": s.origin() + ctx, "context": ctx, "self": s.origin() + r.URL.Path}
	if start+limit < len(items) {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("start", strconv.Itoa(start+limit))
		nq.Set("limit", strconv.Itoa(limit))
		links["next"] = rel + "?" + nq.Encode()
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": page, "start": start, "limit": limit, "size": len(page), "_links": links})
}

// pageItems builds the items of a list that belongs to one page (labels,
// properties, attachments, comments): collect runs under the read lock on
// the page from the {id} path value. An unknown, trashed or hidden page is
// a 404 in the surface's error body. The lock is released before anything
// is written, because the list writers take it again to read the origin.
func (s *Server) pageItems(w http.ResponseWriter, r *http.Request, writeErr errorWriter, collect func(*page) []any) ([]any, bool) {
	s.mu.RLock()
	id := r.PathValue("id")
	p, ok := s.visiblePage(r, id)
	if !ok {
		s.mu.RUnlock()
		writeErr(w, http.StatusNotFound, pageNotFound(id))
		return nil, false
	}
	items := collect(p)
	s.mu.RUnlock()
	return items, true
}

// writeV2PageList answers a v2 list of one page's items (see pageItems)
// with cursor paging.
func (s *Server) writeV2PageList(w http.ResponseWriter, r *http.Request, defLimit int, collect func(*page) []any) {
	if items, ok := s.pageItems(w, r, writeV2Error, collect); ok {
		s.writeV2List(w, r, items, defLimit)
	}
}

// writePageList answers a v1/DC list of one page's items (see pageItems)
// with start/limit paging.
func (h *v1) writePageList(w http.ResponseWriter, r *http.Request, defLimit int, collect func(*page) []any) {
	if items, ok := h.s.pageItems(w, r, writeV1Error, collect); ok {
		h.s.writeV1List(w, r, h.ctx, items, defLimit)
	}
}
