package opentext

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// AttributeDef describes one category attribute.
type AttributeDef struct {
	Key        string // e.g. "9001_2"
	Name       string
	Type       string // String, Integer, Date, Boolean, User
	MultiValue bool
	Required   bool
	MaxLength  int
}

// CategoryDef is a category and its top-level attributes, in attribute-id
// order. Set attributes are not listed.
type CategoryDef struct {
	ID         int64
	Name       string
	Attributes []AttributeDef
}

// CategoryDefinition reads a category's attributes from the Alpaca create
// form (GET /api/v1/forms/nodes/categories/create?id=&category_id=).
// nodeID is any node the category could be applied to.
//
// Definitions change rarely: the client reuses one for a few minutes
// (categoryDefinitionTTL) instead of asking per document.
func (c *Client) CategoryDefinition(ctx context.Context, nodeID, categoryID int64) (*CategoryDef, error) {
	key := "category:" + strconv.FormatInt(categoryID, 10)
	return fill(ctx, &c.cache, key, categoryDefinitionTTL, func(ctx context.Context) (*CategoryDef, error) {
		return c.categoryDefinition(ctx, nodeID, categoryID)
	})
}

func (c *Client) categoryDefinition(ctx context.Context, nodeID, categoryID int64) (*CategoryDef, error) {
	var out struct {
		Forms []struct {
			Options struct {
				Fields map[string]struct {
					Type     string `json:"type"`
					TypeName string `json:"type_name"`
					Label    string `json:"label"`
				} `json:"fields"`
				Label string `json:"label"`
			} `json:"options"`
			Schema struct {
				Title      string                    `json:"title"`
				Properties map[string]alpacaProperty `json:"properties"`
			} `json:"schema"`
			Title string `json:"title"`
		} `json:"forms"`
	}
	q := url.Values{"id": {strconv.FormatInt(nodeID, 10)}, "category_id": {strconv.FormatInt(categoryID, 10)}}
	r := request{method: http.MethodGet, path: "/api/v1/forms/nodes/categories/create", query: q}
	if err := c.call(ctx, r, &out); err != nil {
		return nil, err
	}
	if len(out.Forms) == 0 {
		return nil, &rest.Error{Service: service, Method: r.method, Path: r.path, StatusCode: http.StatusOK, Kind: rest.KindProtocol, Message: "category form has no forms"}
	}
	f := out.Forms[0]
	def := &CategoryDef{ID: categoryID, Name: firstNonEmpty(f.Schema.Title, f.Title, f.Options.Label)}
	prefix := strconv.FormatInt(categoryID, 10) + "_"
	for key, p := range f.Schema.Properties {
		suffix, ok := strings.CutPrefix(key, prefix)
		if !ok || strings.Contains(suffix, "_") || suffix == "1" {
			continue // not a top-level attribute (the category itself, or a set)
		}
		if p.Type == "object" {
			continue // a set
		}
		opt := f.Options.Fields[key]
		elem := p
		multi := p.Type == "array"
		if multi && p.Items != nil {
			elem = *p.Items
		}
		def.Attributes = append(def.Attributes, AttributeDef{
			Key: key, Name: firstNonEmpty(p.Title, opt.Label), Type: attributeType(opt.TypeName, opt.Type, elem),
			MultiValue: multi, Required: bool(p.Required), MaxLength: int(elem.MaxLength),
		})
	}
	sort.Slice(def.Attributes, func(i, j int) bool { return attrOrder(def.Attributes[i].Key) < attrOrder(def.Attributes[j].Key) })
	return def, nil
}

type alpacaProperty struct {
	Title     string          `json:"title"`
	Type      string          `json:"type"`
	Format    string          `json:"format"`
	Required  flexBool        `json:"required"`
	MaxLength flexInt         `json:"maxLength"`
	Items     *alpacaProperty `json:"items"`
}

// attributeType prefers an explicit type_name, then the Alpaca field type,
// then the schema type (whose "string" also covers dates).
func attributeType(typeName, optType string, p alpacaProperty) string {
	if typeName != "" {
		return typeName
	}
	switch strings.ToLower(optType) {
	case "date", "datetime":
		return "Date"
	case "otcs_user_picker", "otcs_user":
		return "User"
	case "checkbox":
		return "Boolean"
	case "integer", "number":
		return "Integer"
	}
	switch p.Type {
	case "integer", "number":
		return "Integer"
	case "boolean":
		return "Boolean"
	case "date":
		return "Date"
	}
	if p.Format == "date" || p.Format == "date-time" {
		return "Date"
	}
	return "String"
}

func attrOrder(key string) int {
	_, id, _ := strings.Cut(key, "_")
	n, _ := strconv.Atoi(id)
	return n
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// CategoryValues returns the attribute values of a category applied to a
// node (GET /api/v2/nodes/{id}/categories/{cat}), keyed by attribute key.
// Integers come back as int64, other numbers as float64. A category that
// is not applied is a KindNotFound error.
func (c *Client) CategoryValues(ctx context.Context, nodeID, categoryID int64) (map[string]any, error) {
	var out struct {
		Results struct {
			Data struct {
				Categories map[string]any `json:"categories"`
			} `json:"data"`
		} `json:"results"`
	}
	err := c.call(ctx, request{method: http.MethodGet, path: fmt.Sprintf("/api/v2/nodes/%d/categories/%d", nodeID, categoryID)}, &out)
	if err != nil {
		// OTCS answers a missing category with a 400 (the text varies by
		// version); for this lookup that means "not there".
		if e, ok := err.(*rest.Error); ok && e.StatusCode == http.StatusBadRequest {
			e.Kind = rest.KindNotFound
		}
		return nil, err
	}
	vals := make(map[string]any, len(out.Results.Data.Categories))
	self := fmt.Sprintf("%d_1", categoryID)
	for k, v := range out.Results.Data.Categories {
		if k != self {
			vals[k] = plainNumbers(v)
		}
	}
	return vals, nil
}

// plainNumbers turns json.Number into int64 or float64, recursively.
func plainNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n
		}
		f, _ := t.Float64()
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int64(f)
		}
		return f
	case []any:
		for i := range t {
			t[i] = plainNumbers(t[i])
		}
		return t
	case map[string]any:
		for k := range t {
			t[k] = plainNumbers(t[k])
		}
		return t
	}
	return v
}

// ApplyCategory applies a category with values to a node
// (POST /api/v2/nodes/{id}/categories). Values are keyed by attribute key.
func (c *Client) ApplyCategory(ctx context.Context, nodeID, categoryID int64, values map[string]any) error {
	body := make(map[string]any, len(values)+1)
	for k, v := range values {
		body[k] = v
	}
	body["category_id"] = categoryID
	form, err := bodyForm(body)
	if err != nil {
		return fmt.Errorf("opentext: ApplyCategory: %w", err)
	}
	return c.call(ctx, request{method: http.MethodPost, path: fmt.Sprintf("/api/v2/nodes/%d/categories", nodeID), form: form}, nil)
}

// UpdateCategory changes values of an applied category
// (PUT /api/v2/nodes/{id}/categories/{cat}); keys not given keep their values.
func (c *Client) UpdateCategory(ctx context.Context, nodeID, categoryID int64, values map[string]any) error {
	form, err := bodyForm(values)
	if err != nil {
		return fmt.Errorf("opentext: UpdateCategory: %w", err)
	}
	return c.call(ctx, request{method: http.MethodPut, path: fmt.Sprintf("/api/v2/nodes/%d/categories/%d", nodeID, categoryID), form: form}, nil)
}
