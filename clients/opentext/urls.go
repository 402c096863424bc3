package opentext

import "context"

// CreateURL creates a URL item (POST /api/v2/nodes, type 140) pointing at
// target. The server requires the target; a duplicate name fails with
// KindConflict.
func (c *Client) CreateURL(ctx context.Context, parentID int64, name, target, description string) (*Node, error) {
	body := map[string]any{"type": TypeURL, "parent_id": parentID, "name": name, "url": target}
	if description != "" {
		body["description"] = description
	}
	return c.createNode(ctx, body)
}

// UpdateURL points a URL item at a new target (PUT /api/v2/nodes/{id}
// with `url`, as pyxecm does; the spec's PUT field list omits it).
func (c *Client) UpdateURL(ctx context.Context, nodeID int64, target string) (*Node, error) {
	return c.putNode(ctx, nodeID, map[string]any{"url": target})
}
