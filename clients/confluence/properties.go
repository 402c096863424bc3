package confluence

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// GetProperty reads a page's content property by key. An absent property
// (or page) is a KindNotFound error.
func (c *Client) GetProperty(ctx context.Context, pageID, key string) (*Property, error) {
	if pageID == "" || key == "" {
		return nil, badInput(http.MethodGet, "", "page id and property key are required")
	}
	if c.flavor == DataCenter {
		var pj v2PropertyJSON // the v1 shape has the same id/key/value/version.number
		if err := c.getJSON(ctx, c.v1+"/content/"+escape(pageID)+"/property/"+escape(key), &pj); err != nil {
			return nil, err
		}
		return pj.toProperty(), nil
	}
	// v2 addresses properties by id; the key filter finds it.
	u := c.v2 + "/pages/" + escape(pageID) + "/properties?" + url.Values{"key": {key}}.Encode()
	var list v2List[v2PropertyJSON]
	if err := c.getJSON(ctx, u, &list); err != nil {
		return nil, err
	}
	for _, pj := range list.Results {
		if pj.Key == key {
			return pj.toProperty(), nil
		}
	}
	return nil, &rest.Error{Service: service, Method: http.MethodGet, Path: pathOf(u), StatusCode: http.StatusNotFound,
		Kind: rest.KindNotFound, Message: "no content property " + key + " on page " + pageID}
}

// SetProperty creates the property or stores value as its next version.
// Someone else may write in between the read and the write: the server
// then answers 409 (or 400 for a create that lost the race), and the call
// re-reads and tries once more before giving up.
func (c *Client) SetProperty(ctx context.Context, pageID, key string, value any) (*Property, error) {
	return c.writeProperty(ctx, pageID, key, value, nil, false)
}

// SetPropertyFrom is SetProperty for a caller that has just read the
// property (cur; nil when it was absent): the first write is made from
// that state without reading it again. If it changed since, the server
// refuses the write and the call re-reads as SetProperty does.
func (c *Client) SetPropertyFrom(ctx context.Context, pageID, key string, cur *Property, value any) (*Property, error) {
	return c.writeProperty(ctx, pageID, key, value, cur, true)
}

func (c *Client) writeProperty(ctx context.Context, pageID, key string, value any, known *Property, useKnown bool) (*Property, error) {
	if pageID == "" || key == "" {
		return nil, badInput(http.MethodPut, "", "page id and property key are required")
	}
	raw, err := json.Marshal(value)
	if err != nil {
		return nil, badInput(http.MethodPut, "", "property value is not JSON-encodable: "+err.Error())
	}
	for attempt := 0; ; attempt++ {
		p, creating, err := c.setPropertyOnce(ctx, pageID, key, raw, known, useKnown && attempt == 0)
		if err == nil {
			return p, nil
		}
		// Only a 400 on create means "exists already"; a 400 on update is
		// a real error.
		// A write from a known state that is gone (404) is stale as well.
		lostRace := rest.IsKind(err, rest.KindConflict) || (creating && rest.IsKind(err, rest.KindBadRequest)) ||
			(useKnown && attempt == 0 && rest.IsKind(err, rest.KindNotFound))
		if attempt > 0 || !lostRace {
			return nil, err
		}
	}
}

// setPropertyOnce reads the property and then creates or updates it.
// creating reports which of the two the write was.
func (c *Client) setPropertyOnce(ctx context.Context, pageID, key string, raw json.RawMessage, known *Property, useKnown bool) (p *Property, creating bool, err error) {
	cur := known
	if !useKnown {
		cur, err = c.GetProperty(ctx, pageID, key)
		if err != nil && !rest.IsKind(err, rest.KindNotFound) {
			return nil, false, err
		}
	}
	type version struct {
		Number int `json:"number"`
	}
	type write struct {
		Key     string          `json:"key"`
		Value   json.RawMessage `json:"value"`
		Version *version        `json:"version,omitempty"`
	}
	var method, u string
	body := write{Key: key, Value: raw}
	if cur == nil {
		method = http.MethodPost
		if c.flavor == DataCenter {
			u = c.v1 + "/content/" + escape(pageID) + "/property"
		} else {
			u = c.v2 + "/pages/" + escape(pageID) + "/properties"
		}
	} else {
		method = http.MethodPut
		body.Version = &version{Number: cur.Version + 1}
		if c.flavor == DataCenter {
			u = c.v1 + "/content/" + escape(pageID) + "/property/" + escape(key)
		} else {
			u = c.v2 + "/pages/" + escape(pageID) + "/properties/" + escape(cur.ID)
		}
	}
	var out v2PropertyJSON
	if err := c.callJSON(ctx, method, u, body, &out); err != nil {
		return nil, cur == nil, err
	}
	return out.toProperty(), cur == nil, nil
}
