package confluence

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// Comment is a footer comment on a page.
type Comment struct {
	ID, PageID, AuthorID string
	Body                 string // storage format
	CreatedAt            time.Time
	// EditedBy is the author of the comment's current version. Cloud (v2)
	// reports only that version, so it equals AuthorID there; on Data
	// Center AuthorID is the creator and EditedBy the last editor.
	EditedBy string
}

type v2CommentJSON struct {
	ID      flexID              `json:"id"`
	PageID  flexID              `json:"pageId"`
	Version v2VersionJSON       `json:"version"`
	Body    map[string]bodyJSON `json:"body"`
}

func (cj v2CommentJSON) toComment(pageID string) Comment {
	out := Comment{ID: string(cj.ID), PageID: string(cj.PageID), AuthorID: string(cj.Version.AuthorID),
		CreatedAt: cj.Version.CreatedAt.Time(), Body: cj.Body["storage"].Value, EditedBy: string(cj.Version.AuthorID)}
	if out.PageID == "" {
		out.PageID = pageID
	}
	return out
}

type v1CommentJSON struct {
	v1ContentJSON
	Container *struct {
		ID flexID `json:"id"`
	} `json:"container"`
}

func (cj v1CommentJSON) toComment(pageID string) Comment {
	out := Comment{ID: string(cj.ID), PageID: pageID, Body: cj.Body["storage"].Value}
	if cj.Container != nil && cj.Container.ID != "" {
		out.PageID = string(cj.Container.ID)
	}
	if h := cj.History; h != nil {
		out.AuthorID, out.CreatedAt = h.CreatedBy.id(), h.CreatedDate.Time()
	}
	if v := cj.Version; v != nil {
		out.EditedBy = v.By.id()
		if out.AuthorID == "" {
			out.AuthorID = v.By.id()
		}
		if out.CreatedAt.IsZero() {
			out.CreatedAt = v.When.Time()
		}
	}
	return out
}

// AddComment adds a footer comment (storage format) to a page. A comment
// does not change the page's version. On Cloud it uses POST
// /wiki/api/v2/footer-comments, on Data Center POST /rest/api/content
// with type comment.
func (c *Client) AddComment(ctx context.Context, pageID, storageBody string) (*Comment, error) {
	if pageID == "" || strings.TrimSpace(storageBody) == "" {
		return nil, badInput(http.MethodPost, "", "page id and comment body are required")
	}
	if c.flavor == DataCenter {
		body := map[string]any{
			"type":      "comment",
			"container": map[string]any{"id": pageID, "type": "page"},
			"body":      map[string]any{"storage": bodyJSON{Representation: "storage", Value: storageBody}},
		}
		var cj v1CommentJSON
		if err := c.callJSON(ctx, http.MethodPost, c.v1+"/content?expand=body.storage,version,history,container", body, &cj); err != nil {
			return nil, err
		}
		return withBody(cj.toComment(pageID), storageBody), nil
	}
	body := map[string]any{"pageId": pageID, "body": bodyJSON{Representation: "storage", Value: storageBody}}
	var cj v2CommentJSON
	if err := c.callJSON(ctx, http.MethodPost, c.v2+"/footer-comments", body, &cj); err != nil {
		return nil, err
	}
	return withBody(cj.toComment(pageID), storageBody), nil
}

// withBody fills in the body the caller sent when the server's answer
// leaves it out.
func withBody(c Comment, sent string) *Comment {
	if c.Body == "" {
		c.Body = sent
	}
	return &c
}

// Comments returns all footer comments of a page, oldest first, with
// their storage bodies, following every result page.
func (c *Client) Comments(ctx context.Context, pageID string) ([]Comment, error) {
	if pageID == "" {
		return nil, badInput(http.MethodGet, "", "page id is empty")
	}
	if c.flavor == DataCenter {
		raw, err := allV1[v1CommentJSON](ctx, c, c.v1+"/content/"+escape(pageID)+"/child/comment?expand=body.storage,version,history")
		if err != nil {
			return nil, err
		}
		out := make([]Comment, len(raw))
		for i, cj := range raw {
			out[i] = cj.toComment(pageID)
		}
		return out, nil
	}
	raw, err := allV2[v2CommentJSON](ctx, c, c.v2+"/pages/"+escape(pageID)+"/footer-comments?body-format=storage")
	if err != nil {
		return nil, err
	}
	out := make([]Comment, len(raw))
	for i, cj := range raw {
		out[i] = cj.toComment(pageID)
	}
	return out, nil
}
