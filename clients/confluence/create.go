package confluence

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// CreatePageRequest describes a new page. Cloud addresses spaces by id and
// Data Center by key; give either, and the client looks up the other when
// the flavor needs it.
type CreatePageRequest struct {
	SpaceID, SpaceKey string
	ParentID          string // "" = top level (Data Center) or the space's home page (Cloud)
	Title             string
	StorageBody       string
}

// CreatePage creates a page at version 1 with a storage body: on Cloud
// POST /wiki/api/v2/pages, on Data Center POST /rest/api/content with the
// parent as the last ancestor. The answer is the page as stored, with its
// storage body.
//
// Titles are unique per space: a taken title is a 400, for which
// IsTitleTaken reports true. The request is retried on 429/5xx like any
// other, so a retried create whose first attempt did land also comes back
// that way; callers should then look the page up with FindPageByTitle.
func (c *Client) CreatePage(ctx context.Context, req CreatePageRequest) (*Page, error) {
	if strings.TrimSpace(req.Title) == "" || (req.SpaceID == "" && req.SpaceKey == "") {
		return nil, badInput(http.MethodPost, "", "a space (id or key) and a title are required")
	}
	if c.flavor == DataCenter {
		key, err := c.spaceKeyOf(ctx, req.SpaceID, req.SpaceKey)
		if err != nil {
			return nil, err
		}
		body := map[string]any{
			"type": "page", "title": req.Title, "space": map[string]string{"key": key},
			"body": map[string]any{"storage": bodyJSON{Representation: "storage", Value: req.StorageBody}},
		}
		if req.ParentID != "" {
			body["ancestors"] = []map[string]string{{"id": req.ParentID}}
		}
		var cj v1ContentJSON
		if err := c.callJSON(ctx, http.MethodPost, c.v1+"/content?expand="+pageExpand, body, &cj); err != nil {
			return nil, err
		}
		p := c.pageFromV1(cj, "storage")
		if p.ParentID == "" {
			p.ParentID = req.ParentID // a server that ignores expand=ancestors
		}
		return p, nil
	}
	spaceID, err := c.spaceIDOf(ctx, req.SpaceID, req.SpaceKey)
	if err != nil {
		return nil, err
	}
	body := map[string]any{"spaceId": spaceID, "status": "current", "title": req.Title,
		"body": bodyJSON{Representation: "storage", Value: req.StorageBody}}
	if req.ParentID != "" {
		body["parentId"] = req.ParentID
	}
	var pj v2PageJSON
	if err := c.callJSON(ctx, http.MethodPost, c.v2+"/pages", body, &pj); err != nil {
		return nil, err
	}
	if _, ok := pj.Body["storage"]; !ok {
		pj.Body = map[string]bodyJSON{"storage": {Representation: "storage", Value: req.StorageBody}}
	}
	return c.pageFromV2(ctx, pj, "storage")
}

// pageExpand is what the v1 page calls expand: enough for pageFromV1.
const pageExpand = "body.storage,version,space,history,ancestors"

// IsTitleTaken reports whether err is Confluence refusing a page because
// its space already has a page of that title: a 400 whose message says
// so (v1 and DC: "A page with this title already exists: …", v2 the same
// or "… A page already exists with the same TITLE …"). Self-hosted sites
// have answered such creates with a bare 500 as well; that one is not
// recognised, as it says nothing about titles.
func IsTitleTaken(err error) bool {
	var re *rest.Error
	if !errors.As(err, &re) || re.Kind != rest.KindBadRequest {
		return false
	}
	m := strings.ToLower(re.Message)
	return strings.Contains(m, "page with this title already exists") || strings.Contains(m, "page already exists with the")
}

// FindPageByTitle returns the page of the space with exactly that title,
// with its storage body, or (nil, nil) when there is none the caller can
// see. Give the space id or key (see CreatePageRequest).
func (c *Client) FindPageByTitle(ctx context.Context, spaceID, spaceKey, title string) (*Page, error) {
	if title == "" || (spaceID == "" && spaceKey == "") {
		return nil, badInput(http.MethodGet, "", "a space (id or key) and a title are required")
	}
	if c.flavor == DataCenter {
		key, err := c.spaceKeyOf(ctx, spaceID, spaceKey)
		if err != nil {
			return nil, err
		}
		q := url.Values{"spaceKey": {key}, "title": {title}, "type": {"page"}, "expand": {pageExpand}}
		list, err := allV1[v1ContentJSON](ctx, c, c.v1+"/content?"+q.Encode())
		if err != nil {
			return nil, err
		}
		for _, cj := range list {
			if cj.Title == title {
				return c.pageFromV1(cj, "storage"), nil
			}
		}
		return nil, nil
	}
	id, err := c.spaceIDOf(ctx, spaceID, spaceKey)
	if err != nil {
		return nil, err
	}
	q := url.Values{"space-id": {id}, "title": {title}, "body-format": {"storage"}}
	list, err := allV2[v2PageJSON](ctx, c, c.v2+"/pages?"+q.Encode())
	if err != nil {
		return nil, err
	}
	for _, pj := range list {
		if pj.Title == title {
			return c.pageFromV2(ctx, pj, "storage")
		}
	}
	return nil, nil
}

// spaceIDOf is the space's id, looked up by key when only that is known.
func (c *Client) spaceIDOf(ctx context.Context, id, key string) (string, error) {
	if id != "" {
		return id, nil
	}
	sp, err := c.GetSpaceByKey(ctx, key)
	if err != nil {
		return "", err
	}
	return sp.ID, nil
}

// spaceKeyOf is the space's key, looked up by id when only that is known.
func (c *Client) spaceKeyOf(ctx context.Context, id, key string) (string, error) {
	if key != "" {
		return key, nil
	}
	sp, err := c.GetSpace(ctx, id)
	if err != nil {
		return "", err
	}
	return sp.Key, nil
}
