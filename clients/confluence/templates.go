package confluence

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Template is a content (page) template: a storage body pages are made
// from. It lives in a space, or is global when SpaceKey is "".
type Template struct {
	ID, Name, Description, SpaceKey string
	Labels                          []string // label names
	Body                            string   // storage format
}

// TemplateRequest is what CreateTemplate and UpdateTemplate write.
type TemplateRequest struct {
	Name        string
	Description string // at most MaxTemplateDescriptionCreate / MaxTemplateDescriptionUpdate characters
	SpaceKey    string // "" = global template; on update, the template's own space
	// Labels are global label names. Nil sends none: no labels on
	// create, the labels unchanged on update; an empty, non-nil slice
	// removes them on update.
	Labels      []string
	StorageBody string
}

// Confluence's description limits, in characters. Updates are stricter
// than creates; the client refuses longer descriptions rather than cut
// them, so callers shorten them deliberately.
const (
	MaxTemplateDescriptionCreate = 255
	MaxTemplateDescriptionUpdate = 100
)

// templatesPageSize is the limit asked for per list page; servers may
// answer fewer.
const templatesPageSize = 50

type templateWriteJSON struct {
	TemplateID   string               `json:"templateId,omitempty"`
	Name         string               `json:"name"`
	TemplateType string               `json:"templateType"`
	Body         templateBodyJSON     `json:"body"`
	Description  string               `json:"description"`
	Labels       []templateLabelWrite `json:"labels,omitzero"` // nil omitted, empty sent
	Space        *templateSpaceJSON   `json:"space,omitempty"`
}

type templateBodyJSON struct {
	Storage *bodyJSON `json:"storage"`
}

type templateLabelWrite struct {
	Prefix string `json:"prefix"`
	Name   string `json:"name"`
}

type templateSpaceJSON struct {
	Key string `json:"key"`
}

type templateJSON struct {
	TemplateID  flexID             `json:"templateId"`
	Name        string             `json:"name"`
	Description string             `json:"description"`
	Space       *templateSpaceJSON `json:"space"`
	Labels      []labelJSON        `json:"labels"`
	Body        *templateBodyJSON  `json:"body"`
}

func (tj templateJSON) toTemplate() *Template {
	t := &Template{ID: string(tj.TemplateID), Name: tj.Name, Description: tj.Description, Labels: []string{}}
	if tj.Space != nil {
		t.SpaceKey = tj.Space.Key
	}
	for _, l := range tj.Labels {
		t.Labels = append(t.Labels, l.Name)
	}
	if tj.Body != nil && tj.Body.Storage != nil {
		t.Body = tj.Body.Storage.Value
	}
	return t
}

// body builds the write model; id is "" on create. The request was
// validated by the caller.
func (req TemplateRequest) body(id string) templateWriteJSON {
	w := templateWriteJSON{TemplateID: id, Name: req.Name, TemplateType: "page", Description: req.Description,
		Body: templateBodyJSON{Storage: &bodyJSON{Representation: "storage", Value: req.StorageBody}}}
	if req.Labels != nil {
		w.Labels = make([]templateLabelWrite, len(req.Labels))
		for i, l := range req.Labels {
			w.Labels[i] = templateLabelWrite{Prefix: "global", Name: strings.TrimSpace(l)}
		}
	}
	if req.SpaceKey != "" {
		w.Space = &templateSpaceJSON{Key: req.SpaceKey}
	}
	return w
}

// check refuses a request Confluence would refuse with a 400, before
// anything is sent.
func (req TemplateRequest) check(method string, maxDescription int) error {
	if strings.TrimSpace(req.Name) == "" {
		return badInput(method, "", "template name is empty")
	}
	if n := utf8.RuneCountInString(req.Description); n > maxDescription {
		return badInput(method, "", fmt.Sprintf("template description is %d characters, the limit is %d", n, maxDescription))
	}
	return nil
}

// CreateTemplate creates a page template (POST .../template; 200 with the
// template). A description over MaxTemplateDescriptionCreate characters
// or an empty name is a KindBadRequest error before anything is sent.
// Like every call, a create is retried on 429/5xx, so a retried create
// whose first attempt did land makes a second template of that name:
// Confluence does not keep names unique.
func (c *Client) CreateTemplate(ctx context.Context, req TemplateRequest) (*Template, error) {
	if err := req.check(http.MethodPost, MaxTemplateDescriptionCreate); err != nil {
		return nil, err
	}
	var out templateJSON
	if err := c.callTemplate(ctx, http.MethodPost, "", noCheck, req.body(""), &out); err != nil {
		return nil, err
	}
	return out.toTemplate(), nil
}

// UpdateTemplate replaces the template's name, description and body, and
// its labels unless req.Labels is nil (PUT .../template with the id in
// the body). req.SpaceKey must be the template's space ("" for a global
// template): templates cannot move. A description over
// MaxTemplateDescriptionUpdate characters is a KindBadRequest error
// before anything is sent; an unknown id is Confluence's 403 (see
// IsUnknownTemplate).
func (c *Client) UpdateTemplate(ctx context.Context, id string, req TemplateRequest) (*Template, error) {
	if id == "" {
		return nil, badInput(http.MethodPut, "", "template id is empty")
	}
	if err := req.check(http.MethodPut, MaxTemplateDescriptionUpdate); err != nil {
		return nil, err
	}
	var out templateJSON
	if err := c.callTemplate(ctx, http.MethodPut, "", noCheck, req.body(id), &out); err != nil {
		return nil, err
	}
	return out.toTemplate(), nil
}

// GetTemplate reads a template with its storage body. An unknown id is a
// KindForbidden error for which IsUnknownTemplate reports true.
func (c *Client) GetTemplate(ctx context.Context, id string) (*Template, error) {
	if id == "" {
		return nil, badInput(http.MethodGet, "", "template id is empty")
	}
	var out templateJSON
	if err := c.callTemplate(ctx, http.MethodGet, "/"+escape(id)+"?expand=body.storage", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.toTemplate(), nil
}

// DeleteTemplate deletes a template (204). An unknown id, including one
// already deleted, is a 403 for which IsUnknownTemplate reports true.
func (c *Client) DeleteTemplate(ctx context.Context, id string) error {
	if id == "" {
		return badInput(http.MethodDelete, "", "template id is empty")
	}
	return c.callTemplate(ctx, http.MethodDelete, "/"+escape(id), nil, nil, nil)
}

// TemplatesInSpace lists the page templates of a space, or the global
// ones when spaceKey is "", with their bodies, in the server's order. It
// follows _links.next, and start/limit when a full page comes without
// one.
func (c *Client) TemplatesInSpace(ctx context.Context, spaceKey string) ([]Template, error) {
	out := []Template{}
	start, next := 0, ""
	for n := 0; n < maxPages; n++ {
		var page v1List[templateJSON]
		var err error
		if next != "" {
			err = c.getJSON(ctx, next, &page)
		} else {
			q := url.Values{"expand": {"body"}, "start": {strconv.Itoa(start)}, "limit": {strconv.Itoa(templatesPageSize)}}
			if spaceKey != "" {
				q.Set("spaceKey", spaceKey)
			}
			err = c.callTemplate(ctx, http.MethodGet, "/page?"+q.Encode(), nil, nil, &page)
		}
		if err != nil {
			return nil, err
		}
		for _, tj := range page.Results {
			out = append(out, *tj.toTemplate())
		}
		if len(page.Results) == 0 {
			break
		}
		asked := start
		start = page.Start + len(page.Results)
		switch {
		case page.Links.Next != "":
			if next, err = c.resolveV1Link(page.Links.Next); err != nil {
				return nil, err
			}
		case next == "" && page.Start == asked && page.Limit > 0 && len(page.Results) >= page.Limit:
			// A full page and no link: ask for the next one by start. A
			// server that ignores start is caught by the Start check.
		default:
			return out, nil
		}
	}
	return out, nil
}
