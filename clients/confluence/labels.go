package confluence

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// maxPages stops a list walk that never ends (a server that keeps sending
// the same next link) from looping forever.
const maxPages = 10000

// allV2 follows a v2 cursor list from first to the last page.
func allV2[T any](ctx context.Context, c *Client, first string) ([]T, error) {
	var out []T
	for next, n := first, 0; next != "" && n < maxPages; n++ {
		var page v2List[T]
		if err := c.getJSON(ctx, next, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Results...)
		next = ""
		if page.Links.Next != "" && len(page.Results) > 0 {
			var err error
			if next, err = c.resolveV2Next(page.Links.Next); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// allV1 follows a v1 offset list through its _links.next.
func allV1[T any](ctx context.Context, c *Client, first string) ([]T, error) {
	return someV1[T](ctx, c, first, 0)
}

// someV1 is allV1 that stops once it has at least atLeast results (0: all).
func someV1[T any](ctx context.Context, c *Client, first string, atLeast int) ([]T, error) {
	var out []T
	for next, n := first, 0; next != "" && n < maxPages && (atLeast <= 0 || len(out) < atLeast); n++ {
		var page v1List[T]
		if err := c.getJSON(ctx, next, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Results...)
		next = ""
		if page.Links.Next != "" && len(page.Results) > 0 {
			var err error
			if next, err = c.resolveV1Link(page.Links.Next); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Labels returns all labels of a page, following every result page.
func (c *Client) Labels(ctx context.Context, pageID string) ([]Label, error) {
	if pageID == "" {
		return nil, badInput(http.MethodGet, "", "page id is empty")
	}
	var raw []labelJSON
	var err error
	if c.flavor == DataCenter {
		raw, err = allV1[labelJSON](ctx, c, c.v1+"/content/"+escape(pageID)+"/label")
	} else {
		raw, err = allV2[labelJSON](ctx, c, c.v2+"/pages/"+escape(pageID)+"/labels")
	}
	if err != nil {
		return nil, err
	}
	out := make([]Label, len(raw))
	for i, l := range raw {
		out[i] = Label{ID: string(l.ID), Name: l.Name, Prefix: l.Prefix}
	}
	return out, nil
}

// AddLabels adds global labels to a page (v1 on both flavors: v2 cannot
// write labels). Labels already present are kept; adding one twice is
// harmless.
func (c *Client) AddLabels(ctx context.Context, pageID string, names ...string) error {
	if pageID == "" {
		return badInput(http.MethodPost, "", "page id is empty")
	}
	if len(names) == 0 {
		return nil
	}
	type labelIn struct {
		Prefix string `json:"prefix"`
		Name   string `json:"name"`
	}
	body := make([]labelIn, len(names))
	for i, n := range names {
		body[i] = labelIn{Prefix: "global", Name: strings.TrimSpace(n)}
	}
	return c.callJSON(ctx, http.MethodPost, c.v1+"/content/"+escape(pageID)+"/label", body, nil)
}

// RemoveLabel removes a label from a page. It uses the ?name= form, which
// also works for names containing a slash. A label that is not on the page
// is a KindNotFound error, which callers wanting idempotence can ignore.
func (c *Client) RemoveLabel(ctx context.Context, pageID, name string) error {
	if pageID == "" || name == "" {
		return badInput(http.MethodDelete, "", "page id and label name are required")
	}
	u := c.v1 + "/content/" + escape(pageID) + "/label?" + url.Values{"name": {name}}.Encode()
	return c.callJSON(ctx, http.MethodDelete, u, nil, nil)
}
