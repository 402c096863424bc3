package confluence

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

var bodyFormats = map[string]bool{"": true, "storage": true, "export_view": true, "view": true, "atlas_doc_format": true}

// badInput reports a caller mistake without a round trip, as a
// KindBadRequest error so it is never retried.
func badInput(method, path, msg string) error {
	return &rest.Error{Service: service, Method: method, Path: path, Kind: rest.KindBadRequest, Message: msg}
}

// GetPage reads a page, optionally an older version and a body
// representation. A missing page (or one the caller may not see) is a
// KindNotFound error.
func (c *Client) GetPage(ctx context.Context, id string, opt GetPageOptions) (*Page, error) {
	if id == "" {
		return nil, badInput(http.MethodGet, "", "page id is empty")
	}
	if !bodyFormats[opt.BodyFormat] {
		return nil, badInput(http.MethodGet, "", "unsupported body format "+strconv.Quote(opt.BodyFormat))
	}
	if c.flavor == DataCenter {
		return c.getPageV1(ctx, id, opt)
	}
	q := url.Values{}
	if opt.BodyFormat != "" {
		q.Set("body-format", opt.BodyFormat)
	}
	if opt.Version > 0 {
		q.Set("version", strconv.Itoa(opt.Version))
	}
	if opt.IncludeLabels {
		q.Set("include-labels", "true")
	}
	if opt.IncludeProperties {
		q.Set("include-properties", "true")
	}
	u := c.v2 + "/pages/" + escape(id)
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var pj v2PageJSON
	if err := c.getJSON(ctx, u, &pj); err != nil {
		return nil, err
	}
	return c.pageFromV2(ctx, pj, opt.BodyFormat)
}

// pageFromV2 converts a v2 page, resolving the space key.
func (c *Client) pageFromV2(ctx context.Context, pj v2PageJSON, bodyFormat string) (*Page, error) {
	p := &Page{ID: string(pj.ID), Status: pj.Status, Title: pj.Title, SpaceID: string(pj.SpaceID),
		ParentID: string(pj.ParentID), AuthorID: string(pj.AuthorID), OwnerID: string(pj.OwnerID),
		CreatedAt: pj.CreatedAt.Time(), Version: pj.Version.toVersion(), parentKnown: true}
	if b, ok := pj.Body[bodyFormat]; ok && bodyFormat != "" {
		p.BodyFormat, p.Body = bodyFormat, b.Value
	}
	p.WebURL = c.webURL(pj.Links.Base, pj.Links.WebUI)
	if pj.Labels != nil && !pj.Labels.Meta.HasMore {
		p.LabelsIncluded = true
		for _, l := range pj.Labels.Results {
			p.Labels = append(p.Labels, Label{ID: string(l.ID), Name: l.Name, Prefix: l.Prefix})
		}
	}
	if pj.Properties != nil && !pj.Properties.Meta.HasMore {
		p.PropertiesIncluded = true
		for _, pr := range pj.Properties.Results {
			p.Properties = append(p.Properties, *pr.toProperty())
		}
	}
	// v2 pages carry only the space id; the key is what mappings use, so
	// resolve it (cached: space keys do not change under a running bridge).
	if p.SpaceID != "" {
		sp, err := c.GetSpace(ctx, p.SpaceID)
		if err != nil {
			return nil, err
		}
		p.SpaceKey = sp.Key
	}
	return p, nil
}

// webURL makes a _links.webui absolute against _links.base, falling back
// to the configured context URL when the server sends no base.
func (c *Client) webURL(base, webui string) string {
	if webui == "" {
		return ""
	}
	if strings.HasPrefix(webui, "http://") || strings.HasPrefix(webui, "https://") {
		return webui
	}
	if base == "" {
		base = c.ctxURL
	}
	return strings.TrimRight(base, "/") + webui
}

// getPageV1 reads a page through the v1 content API (Data Center).
func (c *Client) getPageV1(ctx context.Context, id string, opt GetPageOptions) (*Page, error) {
	expand := "version,space,history,ancestors"
	if opt.BodyFormat != "" {
		expand = "body." + opt.BodyFormat + "," + expand
	}
	q := url.Values{"expand": {expand}}
	if opt.Version > 0 {
		q.Set("status", "historical")
		q.Set("version", strconv.Itoa(opt.Version))
	}
	var cj v1ContentJSON
	if err := c.getJSON(ctx, c.v1+"/content/"+escape(id)+"?"+q.Encode(), &cj); err != nil {
		return nil, err
	}
	return c.pageFromV1(cj, opt.BodyFormat), nil
}

// pageFromV1 converts a v1 content object.
func (c *Client) pageFromV1(cj v1ContentJSON, bodyFormat string) *Page {
	p := &Page{ID: string(cj.ID), Status: cj.Status, Title: cj.Title, WebURL: c.webURL(cj.Links.Base, cj.Links.WebUI)}
	if cj.Space != nil {
		p.SpaceID, p.SpaceKey = string(cj.Space.ID), cj.Space.Key
	}
	if cj.History != nil {
		p.CreatedAt, p.AuthorID = cj.History.CreatedDate.Time(), cj.History.CreatedBy.id()
		p.OwnerID = p.AuthorID // DC has no separate owner
	}
	if v := cj.Version; v != nil {
		p.Version = Version{Number: v.Number, CreatedAt: v.When.Time(), Message: v.Message, MinorEdit: v.MinorEdit, AuthorID: v.By.id()}
	}
	if n := len(cj.Ancestors); n > 0 {
		p.ParentID = string(cj.Ancestors[n-1].ID) // ancestors run top-down; the parent is last
	}
	if b, ok := cj.Body[bodyFormat]; ok && bodyFormat != "" {
		p.BodyFormat, p.Body = bodyFormat, b.Value
	}
	return p
}

// UpdatePage stores a new version of a page with the given title and
// storage body. version is the new version number, the current one plus
// one; Confluence refuses anything else with 409, a KindConflict error
// (someone else edited the page: re-read and decide). message is the
// optional version comment. On Cloud it uses PUT /wiki/api/v2/pages/{id},
// on Data Center PUT /rest/api/content/{id}. The answer is the page as
// stored, with its storage body.
//
// The request is retried on 429/5xx like any other: a retried PUT whose
// first attempt did land comes back as a 409, which callers should treat
// as "check the current version", never blindly as a failure.
func (c *Client) UpdatePage(ctx context.Context, id, title, storageBody string, version int, message string) (*Page, error) {
	if id == "" || strings.TrimSpace(title) == "" {
		return nil, badInput(http.MethodPut, "", "page id and title are required")
	}
	if version < 2 {
		return nil, badInput(http.MethodPut, "", "version must be the current version plus one (at least 2)")
	}
	type ver struct {
		Number  int    `json:"number"`
		Message string `json:"message,omitempty"`
	}
	if c.flavor == DataCenter {
		body := map[string]any{
			"id": id, "type": "page", "status": "current", "title": title,
			"body":    map[string]any{"storage": bodyJSON{Representation: "storage", Value: storageBody}},
			"version": ver{Number: version, Message: message},
		}
		var cj v1ContentJSON
		if err := c.callJSON(ctx, http.MethodPut, c.v1+"/content/"+escape(id)+"?expand=body.storage,version,space,history,ancestors", body, &cj); err != nil {
			return nil, err
		}
		return c.pageFromV1(cj, "storage"), nil
	}
	body := map[string]any{
		"id": id, "status": "current", "title": title,
		"body":    bodyJSON{Representation: "storage", Value: storageBody},
		"version": ver{Number: version, Message: message},
	}
	var pj v2PageJSON
	if err := c.callJSON(ctx, http.MethodPut, c.v2+"/pages/"+escape(id), body, &pj); err != nil {
		return nil, err
	}
	if _, ok := pj.Body["storage"]; !ok {
		pj.Body = map[string]bodyJSON{"storage": {Representation: "storage", Value: storageBody}}
	}
	return c.pageFromV2(ctx, pj, "storage")
}

// GetSpace reads a space by its numeric id.
func (c *Client) GetSpace(ctx context.Context, id string) (*Space, error) {
	if id == "" {
		return nil, badInput(http.MethodGet, "", "space id is empty")
	}
	if c.flavor == DataCenter {
		return c.findSpaceV1(ctx, id)
	}
	if sp, ok := c.spaces.Load(id); ok {
		cached := sp.(Space)
		return &cached, nil
	}
	var sj v2SpaceJSON
	if err := c.getJSON(ctx, c.v2+"/spaces/"+escape(id), &sj); err != nil {
		return nil, err
	}
	sp := &Space{ID: string(sj.ID), Key: sj.Key, Name: sj.Name}
	c.spaces.Store(sp.ID, *sp)
	return sp, nil
}

// findSpaceV1 looks a space up by id on Data Center, whose REST API
// addresses spaces by key only: it walks the space list, which is short
// on any real instance compared to the pages in it.
func (c *Client) findSpaceV1(ctx context.Context, id string) (*Space, error) {
	next := c.v1 + "/space?limit=100"
	for next != "" {
		var page v1List[v2SpaceJSON]
		if err := c.getJSON(ctx, next, &page); err != nil {
			return nil, err
		}
		for _, sj := range page.Results {
			if string(sj.ID) == id {
				return &Space{ID: string(sj.ID), Key: sj.Key, Name: sj.Name}, nil
			}
		}
		next = ""
		if page.Links.Next != "" && len(page.Results) > 0 {
			var err error
			if next, err = c.resolveV1Link(page.Links.Next); err != nil {
				return nil, err
			}
		}
	}
	return nil, &rest.Error{Service: service, Method: http.MethodGet, Path: pathOf(c.v1 + "/space"), StatusCode: http.StatusNotFound,
		Kind: rest.KindNotFound, Message: "no space with id " + id}
}

// GetSpaceByKey reads a space by key. No such space is a KindNotFound
// error.
func (c *Client) GetSpaceByKey(ctx context.Context, key string) (*Space, error) {
	if key == "" {
		return nil, badInput(http.MethodGet, "", "space key is empty")
	}
	if c.flavor == DataCenter {
		var sj v2SpaceJSON
		if err := c.getJSON(ctx, c.v1+"/space/"+escape(key), &sj); err != nil {
			return nil, err
		}
		return &Space{ID: string(sj.ID), Key: sj.Key, Name: sj.Name}, nil
	}
	u := c.v2 + "/spaces?" + url.Values{"keys": {key}}.Encode()
	var list v2List[v2SpaceJSON]
	if err := c.getJSON(ctx, u, &list); err != nil {
		return nil, err
	}
	for _, sj := range list.Results {
		if sj.Key == key {
			sp := &Space{ID: string(sj.ID), Key: sj.Key, Name: sj.Name}
			c.spaces.Store(sp.ID, *sp)
			return sp, nil
		}
	}
	return nil, &rest.Error{Service: service, Method: http.MethodGet, Path: pathOf(u), StatusCode: http.StatusNotFound,
		Kind: rest.KindNotFound, Message: "no space with key " + key}
}
