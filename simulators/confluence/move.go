package confluence

import (
	"fmt"
	"net/http"
	"sort"
)

// Page hierarchy changes: Cloud v1's move endpoint
// (PUT /wiki/rest/api/content/{id}/move/{before|after|append}/{targetId},
// absent from the DC surface, as no DC client was seen using it), and the
// re-parenting done by v2 PUT /pages/{id} with parentId and v1/DC PUT
// .../content/{id} with ancestors. A move takes the page's descendants
// along, makes no new version and fires no webhook. Siblings keep a
// position: a new or appended page goes last, before/after puts the page
// next to the target, and lists of children follow that order.

// childPages returns the pages whose parent is parentID in the space
// (parentID "" = the space's top level), in sibling order. Call with s.mu
// held.
func (s *Server) childPages(parentID, spaceID string) []*page {
	var out []*page
	for _, p := range s.pages {
		if p.parentID == parentID && p.spaceID == spaceID {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].pos != out[j].pos {
			return out[i].pos < out[j].pos
		}
		return idLess(out[i].id, out[j].id)
	})
	return out
}

// lastPos is the highest sibling position under parentID (0 if none).
func (s *Server) lastPos(parentID, spaceID string) int {
	last := 0
	for _, p := range s.pages {
		if p.parentID == parentID && p.spaceID == spaceID && p.pos > last {
			last = p.pos
		}
	}
	return last
}

// subtree returns p and all its descendants.
func (s *Server) subtree(p *page) []*page {
	out := []*page{p}
	for i := 0; i < len(out); i++ {
		for _, c := range s.pages {
			if c.parentID == out[i].id && c.spaceID == out[i].spaceID {
				out = append(out, c)
			}
		}
	}
	return out
}

func titleTaken(title, spaceKey string) string {
	return "A page with this title already exists: A page already exists with the title " + title +
		" in the space with key " + spaceKey
}

// moveProblem says why p cannot go below parentID ("" = top level) in the
// space spaceID, or "" when it can: the new parent may not be p or one of
// its descendants, and no page moving to another space may meet a current
// page of the same title there.
func (s *Server) moveProblem(p *page, parentID, spaceID string) string {
	tree := s.subtree(p)
	for _, d := range tree {
		if d.id == parentID {
			return fmt.Sprintf("Cannot move page %s below %s: that would create a parent/child loop", p.id, parentID)
		}
	}
	if spaceID == p.spaceID {
		return ""
	}
	sp := s.spaceByID(spaceID)
	for _, d := range tree {
		t := d.current().title
		for _, o := range s.pages {
			if o.spaceID == spaceID && o.status == "current" && o.current().title == t {
				return titleTaken(t, sp.key)
			}
		}
	}
	return ""
}

// place moves p (with its descendants) below parentID in space spaceID:
// last among the siblings, or just before or after anchor. Check
// moveProblem first. Call with s.mu held.
func (s *Server) place(p *page, parentID, spaceID string, anchor *page, position string) {
	for _, d := range s.subtree(p) {
		d.spaceID = spaceID
	}
	p.parentID = parentID
	var sibs []*page
	at := -1
	for _, c := range s.childPages(parentID, spaceID) {
		if c == p {
			continue
		}
		if c == anchor {
			at = len(sibs)
			if position == "after" {
				at++
			}
		}
		sibs = append(sibs, c)
	}
	if at < 0 {
		at = len(sibs)
	}
	sibs = append(sibs[:at], append([]*page{p}, sibs[at:]...)...)
	for i, c := range sibs {
		c.pos = i + 1
	}
}

// reparent validates and applies a parent change asked for by a page
// update (v2 parentId, v1 ancestors): the parent must be a current page of
// p's own space that the caller can see. It writes the 400 itself.
func (s *Server) reparent(w http.ResponseWriter, r *http.Request, p *page, parentID string, writeErr errorWriter) bool {
	if parentID == p.parentID {
		return true
	}
	par, ok := s.visiblePage(r, parentID)
	if !ok || par.spaceID != p.spaceID {
		writeErr(w, http.StatusBadRequest, "Parent page not found in space: "+parentID)
		return false
	}
	if msg := s.moveProblem(p, parentID, p.spaceID); msg != "" {
		writeErr(w, http.StatusBadRequest, msg)
		return false
	}
	s.place(p, parentID, p.spaceID, nil, "append")
	return true
}

// movePage is Cloud v1's PUT .../content/{id}/move/{position}/{targetId}:
// append makes the page the target's last child; before and after make it
// the target's sibling (top level when the target is). Answer 200
// {"pageId"}; 400 for a bad position, a loop or a title clash in the
// target's space; 404 for a page or target the caller cannot see; 403
// when the page is restricted against the caller.
func (h *v1) movePage(w http.ResponseWriter, r *http.Request) {
	position, targetID := r.PathValue("position"), r.PathValue("targetId")
	if position != "before" && position != "after" && position != "append" {
		writeV1Error(w, http.StatusBadRequest, "Invalid position: "+position+" (before, after or append)")
		return
	}
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.editablePage(w, r, writeV1Error)
	if p == nil {
		return
	}
	t, ok := s.visiblePage(r, targetID)
	if !ok {
		writeV1Error(w, http.StatusNotFound, pageNotFound(targetID))
		return
	}
	parentID, anchor := t.id, (*page)(nil)
	if position != "append" {
		if t == p {
			writeV1Error(w, http.StatusBadRequest, "Cannot move page "+p.id+" "+position+" itself")
			return
		}
		parentID, anchor = t.parentID, t
	}
	if msg := s.moveProblem(p, parentID, t.spaceID); msg != "" {
		writeV1Error(w, http.StatusBadRequest, msg)
		return
	}
	s.place(p, parentID, t.spaceID, anchor, position)
	writeJSON(w, http.StatusOK, map[string]any{"pageId": p.id})
}
