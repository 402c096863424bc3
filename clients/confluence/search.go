package confluence

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// PageRef is a page as found by a search: enough to decide whether to
// read it.
type PageRef struct {
	ID, Title, SpaceKey string
	Version             int
	ModifiedAt          time.Time
	Labels              []string
}

// ChangedPagesOptions selects pages for ChangedPages.
type ChangedPagesOptions struct {
	SpaceKey string    // "" = all spaces
	Ancestor string    // only pages below this page, at any depth ("" = any page)
	ID       string    // only this page ("" = any page)
	Since    time.Time // zero = no date filter
	Labels   []string  // pages with any of these labels; empty = any page
	Limit    int       // page size of each search request (default 50)
	// Max stops reading result pages once this many pages are listed (0:
	// every result page). A caller that walks a space a batch at a time
	// reads only the start of the rest, not all of it each time.
	Max int
	// Start is the index of the first result to list (0: from the first).
	Start int
}

// cqlDateSafety is how far before Since the CQL date filter starts.
const cqlDateSafety = time.Minute

// cqlDateLayout is CQL's date literal: minute precision, no zone.
const cqlDateLayout = "2006-01-02 15:04"

// quoteCQL makes s a double-quoted CQL string.
func quoteCQL(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// ChangedPagesCQL is the CQL query ChangedPages sends for opt. See
// ChangedPages for how Since is turned into a date literal.
func ChangedPagesCQL(opt ChangedPagesOptions) string {
	var parts []string
	if opt.SpaceKey != "" {
		parts = append(parts, "space = "+quoteCQL(opt.SpaceKey))
	}
	parts = append(parts, "type = page")
	if opt.Ancestor != "" {
		parts = append(parts, "ancestor = "+quoteCQL(opt.Ancestor))
	}
	if opt.ID != "" {
		parts = append(parts, "id = "+quoteCQL(opt.ID))
	}
	if !opt.Since.IsZero() {
		from := opt.Since.UTC().Add(-cqlDateSafety)
		parts = append(parts, "lastmodified >= "+quoteCQL(from.Format(cqlDateLayout)))
	}
	if len(opt.Labels) > 0 {
		qs := make([]string, len(opt.Labels))
		for i, l := range opt.Labels {
			qs[i] = quoteCQL(l)
		}
		parts = append(parts, "label in ("+strings.Join(qs, ",")+")")
	}
	return strings.Join(parts, " and ") + " order by lastmodified asc"
}

type v1SearchContentJSON struct {
	v1ContentJSON
	Metadata struct {
		Labels struct {
			Results []labelJSON `json:"results"`
		} `json:"labels"`
	} `json:"metadata"`
}

// ChangedPages lists the pages (type page, current, visible to the
// caller) matching opt, oldest modification first, through a CQL search
// (GET …/rest/api/content/search; v1 on both flavors, as v2 has no
// search), following _links.next to the end.
//
// CQL compares lastmodified at minute precision ("yyyy-MM-dd HH:mm") in
// the site's time zone. The client formats Since in UTC, truncated to the
// minute, one minute earlier, so a page changed in the same minute as
// Since (or seen with a little clock skew) is never missed. The price is
// that results can include pages modified up to two minutes before Since:
// callers must treat the list as "possibly changed" and compare versions.
// Sites whose time zone is not UTC need Since shifted by the caller, or a
// wider window.
//
// Offset paging over a list ordered by modification time shifts when a
// page already read is edited during the walk: it moves to the end and
// the page after the current offset would be skipped. The edited page
// then shows up twice, so a duplicate triggers a fresh walk (up to three
// in all) whose results are merged in, keeping the newest version of
// each page. A page trashed during the walk can still hide one other
// page from this call; the next poll, whose window covers it, finds it.
func (c *Client) ChangedPages(ctx context.Context, opt ChangedPagesOptions) ([]PageRef, error) {
	limit := opt.Limit
	if limit <= 0 {
		limit = 50
	}
	q := url.Values{}
	q.Set("cql", ChangedPagesCQL(opt))
	q.Set("expand", "version,space,metadata.labels")
	q.Set("limit", strconv.Itoa(limit))
	q.Set("start", strconv.Itoa(max(opt.Start, 0)))
	first := c.v1 + "/content/search?" + q.Encode()

	var out []PageRef
	index := map[string]int{} // id -> position in out
	merged := false
	for walk := 0; walk < 3; walk++ {
		raw, err := someV1[v1SearchContentJSON](ctx, c, first, opt.Max)
		if err != nil {
			return nil, err
		}
		dup := false
		seen := map[string]bool{}
		for _, r := range raw {
			if r.Type != "" && r.Type != "page" {
				continue
			}
			ref := r.toPageRef()
			if seen[ref.ID] {
				dup = true
			}
			seen[ref.ID] = true
			if i, ok := index[ref.ID]; ok {
				if ref.Version > out[i].Version {
					out[i] = ref
				}
				continue
			}
			index[ref.ID] = len(out)
			out = append(out, ref)
		}
		if !dup {
			break
		}
		merged = true
	}
	if merged {
		sort.SliceStable(out, func(i, j int) bool { return out[i].ModifiedAt.Before(out[j].ModifiedAt) })
	}
	if out == nil {
		out = []PageRef{}
	}
	return out, nil
}

func (r v1SearchContentJSON) toPageRef() PageRef {
	ref := PageRef{ID: string(r.ID), Title: r.Title}
	if r.Space != nil {
		ref.SpaceKey = r.Space.Key
	}
	if r.Version != nil {
		ref.Version, ref.ModifiedAt = r.Version.Number, r.Version.When.Time()
	}
	for _, l := range r.Metadata.Labels.Results {
		ref.Labels = append(ref.Labels, l.Name)
	}
	return ref
}

// SearchPages lists up to max pages a CQL query finds for the caller
// (v1 …/content/search, both flavors), in the server's order.
func (c *Client) SearchPages(ctx context.Context, cql string, max int) ([]PageRef, error) {
	if strings.TrimSpace(cql) == "" {
		return nil, badInput(http.MethodGet, "", "the CQL query is empty")
	}
	q := url.Values{"cql": {cql}, "expand": {"version,space"}, "limit": {"50"}}
	raw, err := someV1[v1SearchContentJSON](ctx, c, c.v1+"/content/search?"+q.Encode(), max)
	if err != nil {
		return nil, err
	}
	out := make([]PageRef, 0, len(raw))
	for _, r := range raw {
		if r.Type == "" || r.Type == "page" {
			out = append(out, r.toPageRef())
		}
	}
	return out, nil
}
