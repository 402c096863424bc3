package opentext

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Version is one version of a document.
type Version struct {
	NodeID      int64
	Number      int
	FileName    string
	MimeType    string
	Description string
	FileSize    int64
	CreateDate  time.Time
	// Major and Minor are the version's major.minor number: under
	// advanced versioning e.g. 1 and 1 for "1.1", under standard
	// versioning 0 and Number. Name is how OTCS shows it ("1.1", "2").
	Major, Minor int
	Name         string
}

// Versions lists a document's versions, oldest first
// (GET /api/v2/nodes/{id}/versions).
func (c *Client) Versions(ctx context.Context, nodeID int64) ([]Version, error) {
	var out struct {
		Results []struct {
			Data struct {
				Versions wireVersion `json:"versions"`
			} `json:"data"`
		} `json:"results"`
	}
	if err := c.call(ctx, request{method: http.MethodGet, path: fmt.Sprintf("/api/v2/nodes/%d/versions", nodeID)}, &out); err != nil {
		return nil, err
	}
	vs := make([]Version, 0, len(out.Results))
	for _, r := range out.Results {
		vs = append(vs, r.Data.Versions.version(nodeID))
	}
	return vs, nil
}

// DownloadVersion streams a version's content; number 0 means the latest.
// The caller must close the reader.
func (c *Client) DownloadVersion(ctx context.Context, nodeID int64, number int) (io.ReadCloser, error) {
	path := fmt.Sprintf("/api/v2/nodes/%d/content", nodeID)
	if number > 0 {
		path = fmt.Sprintf("/api/v2/nodes/%d/versions/%d/content", nodeID, number)
	}
	resp, err := c.do(ctx, request{method: http.MethodGet, path: path})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}
