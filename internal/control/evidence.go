package control

import (
	"context"

	"github.com/xecm-bridge/xecm-bridge/evidence"
)

// Evidence builds the evidence pack of one record (docs/evidence.md): the
// page version (0: the current one), its approval, its OTCS record,
// fixity, access and the durable trail, read from this client's Temporal
// connection when src names none. It reads only; a missing page, version
// or record is a typed *evidence.Error.
func (c *Client) Evidence(ctx context.Context, src evidence.Sources, pageID string, version int) (*evidence.Pack, error) {
	return evidence.Build(ctx, c.withTrail(src), pageID, version)
}

// VerifyEvidence checks a pack against both systems (and the trail) as they
// are now; the report lists every difference.
func (c *Client) VerifyEvidence(ctx context.Context, src evidence.Sources, pack *evidence.Pack) (*evidence.Report, error) {
	return evidence.Verify(ctx, c.withTrail(src), pack)
}

func (c *Client) withTrail(src evidence.Sources) evidence.Sources {
	if src.Temporal == nil && src.TemporalError == "" {
		src.Temporal = c.Temporal
	}
	return src
}
