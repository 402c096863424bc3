package opentext

import (
	"fmt"
	"net/http"
)

// positiveInt reads an optional integer parameter that must be at least 1,
// defaulting to def. It writes OTCS's "Could not set feature" error itself;
// feature is the name OTCS gives the setting in that message.
func (c *call) positiveInt(key, feature string, def int64) (int64, bool) {
	v, present, err := c.p.int(key)
	if err != nil {
		c.fail(http.StatusBadRequest, err.Error())
		return 0, false
	}
	if !present {
		return def, true
	}
	if v < 1 {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Could not set feature %s, the value %d is less than the minimum value (1)", feature, v))
		return 0, false
	}
	return v, true
}

// pageParams reads `page` (default 1) and `limit` (default defaultLimit),
// both at least 1; it writes the error itself.
func (c *call) pageParams(defaultLimit int64) (page, limit int64, ok bool) {
	if page, ok = c.positiveInt("page", "Page Number", 1); !ok {
		return 0, 0, false
	}
	if limit, ok = c.positiveInt("limit", "Page Size", defaultLimit); !ok {
		return 0, 0, false
	}
	return page, limit, true
}

// listPage is one page of a listing of total items: the items [lo, hi).
type listPage struct {
	page, limit, total int
	lo, hi             int
}

// pageOf cuts page number page of size limit out of total items; a page
// past the end is empty.
func pageOf(total, page, limit int) listPage {
	return listPage{page: page, limit: limit, total: total,
		lo: min((page-1)*limit, total), hi: min(page*limit, total)}
}

// pageTotal is the number of pages, at least 1 even for an empty listing.
func (p listPage) pageTotal() int { return max((p.total+p.limit-1)/p.limit, 1) }

// itemRange is the 1-based range_min and range_max, 0 and 0 for an empty page.
func (p listPage) itemRange() (int, int) {
	if p.hi > p.lo {
		return p.lo + 1, p.hi
	}
	return 0, 0
}

// paging describes this page as v2 lists do, under `collection` for
// nodes and at the top level for business workspaces.
func (p listPage) paging() map[string]any {
	rangeMin, rangeMax := p.itemRange()
	return map[string]any{
		"limit": p.limit, "page": p.page, "page_total": p.pageTotal(), "range_min": rangeMin,
		"range_max": rangeMax, "total_count": p.total, "links": map[string]any{},
	}
}

// collection is the v2 envelope's `collection` member for this page,
// sorted by sortKey.
func (p listPage) collection(sortKey string) map[string]any {
	return map[string]any{
		"paging":  p.paging(),
		"sorting": map[string]any{"sort": []any{map[string]any{"key": "sort", "value": sortKey}}},
	}
}
