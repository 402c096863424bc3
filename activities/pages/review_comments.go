package pages

import (
	"context"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
)

// bridgeMarker is in every comment the bridge writes (see noteBody).
const bridgeMarker = "xecm-bridge:"

// ReadReviewComments reads the page's footer comments and returns the
// review decisions among them: verdict comments made after the round
// opened by a reviewer's account (or a deputy's, after the deadline). A
// verdict comment that cannot decide (another account, a rejection
// without a reason, an approval while the page has moved on to a newer
// version) is answered once with a comment saying why; the bridge's own
// comments are skipped. It is short on purpose: the workflow calls it on a
// durable timer.
func (a *ConfluenceActivities) ReadReviewComments(ctx context.Context, in activities.ReviewCommentsInput) (_ *activities.ReviewCommentsResult, err error) {
	defer func() { activities.Observe(ctx, "ReadReviewComments", err) }()
	comments, err := a.Confluence.Comments(ctx, in.PageID)
	if err != nil {
		return nil, pageError(in.PageID, "list comments", err)
	}
	slices.SortStableFunc(comments, func(x, y confluence.Comment) int { return x.CreatedAt.Compare(y.CreatedAt) })
	answered := map[string]bool{}
	for _, c := range comments {
		if i := strings.Index(c.Body, bridgeMarker); i >= 0 {
			answered[markerIn(c.Body[i:])] = true
		}
	}
	res := &activities.ReviewCommentsResult{}
	current := 0 // the page's current version, read when needed
	for _, c := range comments {
		if c.CreatedAt.Before(in.Since) || strings.Contains(c.Body, bridgeMarker) ||
			(in.BridgeAccount != "" && c.AuthorID == in.BridgeAccount) {
			continue
		}
		verdict, text, ok := ParseVerdict(StorageText(c.Body))
		if !ok {
			continue
		}
		why := ""
		switch {
		case c.AuthorID == "":
			why = "Confluence did not report the comment's author, so it cannot decide the review."
		case c.EditedBy != "" && c.EditedBy != c.AuthorID:
			why = fmt.Sprintf("the comment by %s was last edited by another account (%s), so it cannot decide the review; the reviewer may comment again.", c.AuthorID, c.EditedBy)
		case !in.Allowed(c.AuthorID, c.CreatedAt):
			why = fmt.Sprintf("this comment does not decide the review of version %d: its author (%s) is not one of the space's reviewers", in.PageVersion, c.AuthorID)
			if len(in.Deputies) > 0 && slices.Contains(in.Deputies, c.AuthorID) {
				why += " (deputies decide only after the review deadline)"
			}
			why += "."
		case verdict == activities.VerdictRejected && strings.TrimSpace(text) == "":
			why = "a rejection needs a reason: write it after the verdict, e.g. \"reject: add the retention table\"."
		case verdict == activities.VerdictApproved:
			if current == 0 {
				page, err := a.Confluence.GetPage(ctx, in.PageID, confluence.GetPageOptions{})
				if err != nil {
					return nil, pageError(in.PageID, "read page", err)
				}
				current = page.Version.Number
			}
			if current > in.PageVersion {
				why = fmt.Sprintf("the page is now at version %d, newer than version %d under review, so the approval is not taken; submit the new version for review (or revert the page).", current, in.PageVersion)
			}
		}
		if why == "" {
			res.Decisions = append(res.Decisions, activities.CommentDecision{Decision: verdict, By: c.AuthorID, At: c.CreatedAt.UTC(),
				Comment: text, CommentID: c.ID, PageVersion: in.PageVersion})
			continue
		}
		res.Ignored++
		marker := fmt.Sprintf("xecm-bridge:lifecycle:%s:r%d:v%d:comment-%s:ignored", in.PageID, in.Round, in.PageVersion, c.ID)
		if answered[marker] {
			continue
		}
		body := activities.NoteBody(activities.PageNoteInput{Marker: marker, Text: "Not taken as a review decision: " + why})
		if _, err := a.Confluence.AddComment(ctx, in.PageID, body); err != nil {
			return nil, pageError(in.PageID, "answer a comment", err)
		}
		answered[marker] = true
	}
	return res, nil
}

// markerIn cuts a marker (as noteBody writes it, escaped in <sub>) at its end.
func markerIn(s string) string {
	if i := strings.IndexAny(s, "<\" \n"); i >= 0 {
		s = s[:i]
	}
	return html.UnescapeString(s)
}

var verdictWords = []struct {
	word    string
	verdict activities.Verdict
}{
	{"request changes", activities.VerdictRejected},
	{"approved", activities.VerdictApproved},
	{"approve", activities.VerdictApproved},
	{"rejected", activities.VerdictRejected},
	{"reject", activities.VerdictRejected},
}

// ParseVerdict reads a comment's plain text by the grammar above: ok is
// false for a comment that is not a decision.
func ParseVerdict(text string) (verdict activities.Verdict, comment string, ok bool) {
	text = strings.TrimSpace(text)
	first, rest, _ := strings.Cut(text, "\n")
	first = strings.TrimSpace(first)
	first = strings.TrimPrefix(first, "/")
	for _, w := range verdictWords {
		if len(first) < len(w.word) || !strings.EqualFold(first[:len(w.word)], w.word) {
			continue
		}
		after := first[len(w.word):]
		if r, _ := utf8.DecodeRuneInString(after); after != "" && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
			continue // "approvers", "rejection": not a verdict word
		}
		after = strings.TrimLeft(after, " \t:.,!-–—")
		comment = strings.TrimSpace(strings.TrimSpace(after) + "\n" + strings.TrimSpace(rest))
		return w.verdict, comment, true
	}
	return "", "", false
}

var (
	blockEndRE = regexp.MustCompile(`(?i)<br\s*/?>|</(p|div|li|h[1-6]|tr|blockquote|pre)>`)
	anyTagRE   = regexp.MustCompile(`<[^>]*>`)
	blankRunRE = regexp.MustCompile(`[ \t\x{a0}]+`)
)

// StorageText is the plain text of a storage-format body: one line per
// paragraph (or line break), tags dropped, entities decoded.
func StorageText(storage string) string {
	s := blockEndRE.ReplaceAllString(storage, "\n")
	s = anyTagRE.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(blankRunRE.ReplaceAllString(l, " ")); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
