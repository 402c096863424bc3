package opentext

import (
	"context"
	"fmt"
	"net/http"
)

// DeleteNode moves a node to the Recycle Bin (DELETE /api/v2/nodes/{id}),
// where an administrator can still restore it. A node under hold or a
// finalized record fails with KindBadRequest naming the reason.
func (c *Client) DeleteNode(ctx context.Context, nodeID int64) error {
	return c.call(ctx, request{method: http.MethodDelete, path: fmt.Sprintf("/api/v2/nodes/%d", nodeID)}, nil)
}
