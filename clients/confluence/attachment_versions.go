package confluence

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"time"
)

// AttachmentVersion is one version of an attachment.
type AttachmentVersion struct {
	Number    int
	CreatedAt time.Time
	AuthorID  string // Cloud: account id; Data Center: user key (else username)
	Message   string // the version's comment
	MinorEdit bool
}

// v1VersionJSON is one entry of v1's VersionArray.
type v1VersionJSON struct {
	Number    int        `json:"number"`
	When      flexTime   `json:"when"`
	Message   string     `json:"message"`
	MinorEdit bool       `json:"minorEdit"`
	By        v1UserJSON `json:"by"`
}

// AttachmentVersions returns every version of the attachment, newest
// first, following every result page: on Cloud from REST v2
// (/attachments/{id}/versions), on Data Center from REST v1
// (/content/{id}/version). Only att.ID is used; an unknown attachment (or
// one on a page the caller may not see) is a KindNotFound error.
func (c *Client) AttachmentVersions(ctx context.Context, att Attachment) ([]AttachmentVersion, error) {
	if att.ID == "" {
		return nil, badInput(http.MethodGet, "", "attachment id is empty")
	}
	var out []AttachmentVersion
	if c.flavor == DataCenter {
		raw, err := allV1[v1VersionJSON](ctx, c, c.v1+"/content/"+escape(att.ID)+"/version")
		if err != nil {
			return nil, err
		}
		out = make([]AttachmentVersion, len(raw))
		for i, v := range raw {
			out[i] = AttachmentVersion{Number: v.Number, CreatedAt: v.When.Time(), AuthorID: v.By.id(), Message: v.Message, MinorEdit: v.MinorEdit}
		}
	} else {
		raw, err := allV2[v2VersionJSON](ctx, c, c.v2+"/attachments/"+escape(att.ID)+"/versions?sort=-modified-date")
		if err != nil {
			return nil, err
		}
		out = make([]AttachmentVersion, len(raw))
		for i, v := range raw {
			out[i] = AttachmentVersion{Number: v.Number, CreatedAt: v.CreatedAt.Time(), AuthorID: string(v.AuthorID), Message: v.Message, MinorEdit: v.MinorEdit}
		}
	}
	// Both APIs answer newest first; sorting keeps that promise whatever
	// order a server uses.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Number > out[j].Number })
	return out, nil
}

// attachmentVersionQuery is the ?version= query of a download of version
// n, or "" for the current version (n <= 0).
func attachmentVersionQuery(n int) string {
	if n <= 0 {
		return ""
	}
	return "?version=" + strconv.Itoa(n)
}
