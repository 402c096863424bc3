package confluence

import "net/http"

// v1/DC page lists: GET .../content (DC clients find a page by space and
// title this way, as DC has no v2) and GET .../content/{id}/child/page.

// listContent is GET .../content?spaceKey=&title=&type=&status=&expand=
// with start/limit paging, pages in id order. title is an exact match;
// type defaults to page (the simulator has no other listed type) and
// status to current. Pages the caller cannot see are left out.
func (h *v1) listContent(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	spaceKey, title := q.Get("spaceKey"), q.Get("title")
	statuses := multiValues(r, "status")
	if len(statuses) == 0 {
		statuses = []string{"current"}
	}
	expand := multiValues(r, "expand")
	who := actor(r)
	items := []any{}
	h.s.mu.RLock()
	if typ := q.Get("type"); typ == "" || typ == "page" {
		for _, p := range h.s.sortedPages() {
			sp := h.s.spaceByID(p.spaceID)
			if (spaceKey != "" && sp.key != spaceKey) || (title != "" && p.current().title != title) ||
				!contains(statuses, p.status) || !h.s.canView(p, who) {
				continue
			}
			items = append(items, h.content(p, p.current(), expand, who))
		}
	}
	h.s.mu.RUnlock()
	h.s.writeV1List(w, r, h.ctx, items, 25)
}

// childPages is GET .../content/{id}/child/page: the visible children in
// sibling order, with expand, start/limit paged.
func (h *v1) childPages(w http.ResponseWriter, r *http.Request) {
	expand := multiValues(r, "expand")
	who := actor(r)
	h.writePageList(w, r, 25, func(par *page) []any {
		items := []any{}
		for _, p := range h.s.childPages(par.id, par.spaceID) {
			if p.status == "current" && h.s.canView(p, who) {
				items = append(items, h.content(p, p.current(), expand, who))
			}
		}
		return items
	})
}
