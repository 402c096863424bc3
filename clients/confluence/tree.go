package confluence

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// MovePage makes a page the last child of parentID, taking its
// descendants along. On Cloud it uses the v1 move endpoint
// (PUT …/content/{id}/move/append/{parentID}), which makes no new
// version and may cross spaces. Data Center has no such endpoint: the
// client reads the page and stores it again, unchanged, as the next
// version with parentID as its ancestor (a minor edit, so watchers get no
// notification), within the page's space; a page already under parentID
// is left alone there. A concurrent edit between the read and the write
// (409) is retried once with a fresh read.
//
// Errors: KindBadRequest for a move that would create a loop or (Cloud)
// clash with a title in the target space, KindNotFound for a page or
// parent the caller cannot see, KindForbidden for a page it may not edit.
func (c *Client) MovePage(ctx context.Context, pageID, parentID string) error {
	if pageID == "" || parentID == "" {
		return badInput(http.MethodPut, "", "page id and parent id are required")
	}
	if c.flavor == Cloud {
		return c.callJSON(ctx, http.MethodPut, c.v1+"/content/"+escape(pageID)+"/move/append/"+escape(parentID), nil, nil)
	}
	for attempt := 0; ; attempt++ {
		err := c.reparentV1(ctx, pageID, parentID)
		if err == nil || attempt > 0 || !rest.IsKind(err, rest.KindConflict) {
			return err
		}
	}
}

// reparentV1 is one read-and-write of MovePage on Data Center.
func (c *Client) reparentV1(ctx context.Context, pageID, parentID string) error {
	p, err := c.getPageV1(ctx, pageID, GetPageOptions{BodyFormat: "storage"})
	if err != nil {
		return err
	}
	if p.ParentID == parentID {
		return nil
	}
	body := map[string]any{
		"id": pageID, "type": "page", "status": "current", "title": p.Title,
		"body":      map[string]any{"storage": bodyJSON{Representation: "storage", Value: p.Body}},
		"version":   map[string]any{"number": p.Version.Number + 1, "minorEdit": true, "message": "Moved"},
		"ancestors": []map[string]string{{"id": parentID}},
	}
	return c.callJSON(ctx, http.MethodPut, c.v1+"/content/"+escape(pageID), body, nil)
}

// Children lists a page's child pages that the caller can see, in their
// order in the page tree, following every result page (Cloud: v2
// …/pages/{id}/children; Data Center: …/content/{id}/child/page). Cloud
// does not report versions there, so Version and ModifiedAt are zero on
// that flavor.
func (c *Client) Children(ctx context.Context, pageID string) ([]PageRef, error) {
	if pageID == "" {
		return nil, badInput(http.MethodGet, "", "page id is empty")
	}
	out := []PageRef{}
	if c.flavor == DataCenter {
		raw, err := allV1[v1SearchContentJSON](ctx, c, c.v1+"/content/"+escape(pageID)+"/child/page?expand=version,space&limit=100")
		if err != nil {
			return nil, err
		}
		for _, r := range raw {
			out = append(out, r.toPageRef())
		}
		return out, nil
	}
	type child struct {
		ID      flexID `json:"id"`
		Title   string `json:"title"`
		SpaceID flexID `json:"spaceId"`
	}
	raw, err := allV2[child](ctx, c, c.v2+"/pages/"+escape(pageID)+"/children?limit=100")
	if err != nil {
		return nil, err
	}
	for _, ch := range raw {
		ref := PageRef{ID: string(ch.ID), Title: ch.Title}
		if ch.SpaceID != "" {
			sp, err := c.GetSpace(ctx, string(ch.SpaceID)) // cached: one request per space at most
			if err != nil {
				return nil, err
			}
			ref.SpaceKey = sp.Key
		}
		out = append(out, ref)
	}
	return out, nil
}

// PagesWithLabelCQL is the CQL query PagesWithLabel sends. Results are
// ordered by creation, which never changes, so offset paging cannot skip
// or repeat a page that is edited during the walk.
func PagesWithLabelCQL(spaceKey, label string) string {
	q := "label = " + quoteCQL(label)
	if spaceKey != "" {
		q += " and space = " + quoteCQL(spaceKey)
	}
	return q + " and type = page order by created asc"
}

// PagesWithLabel lists the current pages with the label that the caller
// can see, in one space ("" = all), oldest first, through a CQL search
// (v1 on both flavors), following _links.next to the end.
func (c *Client) PagesWithLabel(ctx context.Context, spaceKey, label string) ([]PageRef, error) {
	if label == "" {
		return nil, badInput(http.MethodGet, "", "label is empty")
	}
	q := url.Values{}
	q.Set("cql", PagesWithLabelCQL(spaceKey, label))
	q.Set("expand", "version,space,metadata.labels")
	q.Set("limit", strconv.Itoa(50))
	q.Set("start", "0")
	raw, err := allV1[v1SearchContentJSON](ctx, c, c.v1+"/content/search?"+q.Encode())
	if err != nil {
		return nil, err
	}
	out := []PageRef{}
	for _, r := range raw {
		if r.Type == "" || r.Type == "page" {
			out = append(out, r.toPageRef())
		}
	}
	return out, nil
}

// TrashPage moves a page to its space's trash (DELETE
// /wiki/api/v2/pages/{id} on Cloud, DELETE /rest/api/content/{id} on Data
// Center); a space admin can restore it from there. It never purges. A
// page already gone or already in the trash is not an error.
func (c *Client) TrashPage(ctx context.Context, pageID string) error {
	if pageID == "" {
		return badInput(http.MethodDelete, "", "page id is empty")
	}
	u := c.v1 + "/content/" + escape(pageID)
	if c.flavor == Cloud {
		u = c.v2 + "/pages/" + escape(pageID)
	}
	err := c.callJSON(ctx, http.MethodDelete, u, nil, nil)
	if rest.IsKind(err, rest.KindNotFound) {
		return nil
	}
	if rest.IsKind(err, rest.KindBadRequest) {
		// Confluence refuses to trash a page twice (without purge, which
		// would delete it): an earlier attempt landed when the page is no
		// longer found among the current ones.
		if _, gerr := c.GetPage(ctx, pageID, GetPageOptions{}); rest.IsKind(gerr, rest.KindNotFound) {
			return nil
		}
	}
	return err
}
