package activities

import (
	"context"
	"fmt"
	"html"
	"strings"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
)

// NoteOnce posts bodyHTML with marker under it, once per marker: a retry
// after the comment was posted (and before the step that followed it was
// recorded) finds it and posts nothing.
func NoteOnce(ctx context.Context, c *confluence.Client, pageID, marker, bodyHTML string) error {
	return CommentOnce(ctx, c, pageID, marker, bodyHTML+"<p><sub>"+html.EscapeString(marker)+"</sub></p>")
}

// Note posts a note with its marker without looking for one first: for a
// caller that knows no earlier attempt can have posted it.
func Note(ctx context.Context, c *confluence.Client, pageID, marker, bodyHTML string) error {
	return CommentOnce(ctx, c, pageID, "", bodyHTML+"<p><sub>"+html.EscapeString(marker)+"</sub></p>")
}

// CommentOnce posts body on the page unless a comment carrying marker is
// there already (posted by an earlier attempt), so a retried activity
// comments once.
func CommentOnce(ctx context.Context, c *confluence.Client, pageID, marker, body string) error {
	if marker != "" {
		comments, err := c.Comments(ctx, pageID)
		if err != nil {
			return err
		}
		for _, cm := range comments {
			if strings.Contains(cm.Body, marker) {
				return nil
			}
		}
	}
	_, err := c.AddComment(ctx, pageID, body)
	return err
}

// NoteBody is the storage body of a page note: the text, the link when
// there is one, and the marker under it.
func NoteBody(in PageNoteInput) string {
	var b strings.Builder
	b.WriteString("<p>")
	b.WriteString(html.EscapeString(in.Text))
	if in.Link != "" {
		fmt.Fprintf(&b, ` <a href="%s">%s</a>`, html.EscapeString(in.Link), html.EscapeString(FirstNonBlank(in.LinkText, in.Link)))
	}
	b.WriteString("</p>")
	if in.Marker != "" {
		fmt.Fprintf(&b, "<p><sub>%s</sub></p>", html.EscapeString(in.Marker))
	}
	return b.String()
}
