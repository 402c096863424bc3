package opentext

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// SetNickname gives a node a unique nickname (PUT /api/v2/nodes/{id}/nicknames).
// A nickname held by another node is a 400.
func (c *Client) SetNickname(ctx context.Context, nodeID int64, nickname string) error {
	return c.call(ctx, request{method: http.MethodPut, path: fmt.Sprintf("/api/v2/nodes/%d/nicknames", nodeID),
		form: url.Values{"nickname": {nickname}}}, nil)
}

// NodeByNickname resolves a nickname (GET /api/v2/nicknames/{nick}/nodes);
// an unknown nickname is a KindNotFound error.
func (c *Client) NodeByNickname(ctx context.Context, nickname string) (*Node, error) {
	var out v2Node
	err := c.call(ctx, request{method: http.MethodGet, path: "/api/v2/nicknames/" + url.PathEscape(nickname) + "/nodes"}, &out)
	if err != nil {
		return nil, err
	}
	n := out.Results.Data.Properties.node()
	return &n, nil
}
