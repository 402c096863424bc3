package activities

import (
	"context"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
)

// Review decisions taken in Confluence (review.decide_in: confluence): a
// reviewer decides with a footer comment on the page made by their own
// Confluence account. The bridge reads the comments back and takes the
// decider from the comment's author account id as Confluence reports it,
// so nobody can decide in a reviewer's name without that reviewer's
// Confluence login (unlike an Update, whose reviewer is asserted by the
// caller).
//
// Grammar: the first non-empty line of the comment starts with a verdict
// word, case-insensitive, optionally after a "/", followed by the end of
// the line, a space or one of : . , ! -
//
//	approve | approved                      → approval; the rest is an optional comment
//	reject | rejected | request changes     → rejection; the rest (required) is the reason
//
// The rest of the first line and all further lines are the comment text.
// Any other comment is conversation and is ignored.

// Verdict is the outcome of a review decision. The values are in workflow
// state, Update receipts and the status query as JSON strings, so they
// never change.
type Verdict string

// Verdicts of a decision.
const (
	VerdictApproved Verdict = "approved"
	VerdictRejected Verdict = "rejected"
)

// ReviewCommentsInput is one look at a page's comments for decisions on
// the version under review.
type ReviewCommentsInput struct {
	PageID        string
	Round         int
	PageVersion   int       // the version under review; the decisions apply to it
	Since         time.Time // the review round opened; older comments never decide
	Reviewers     []string  // Confluence account ids that may decide
	Deputies      []string  // account ids that may decide with comments made at or after DeputiesFrom
	DeputiesFrom  time.Time // the deadline once it has passed; zero: deputies may not decide (yet)
	BridgeAccount string    // the bridge's own account id: its comments are never decisions
}

// CommentDecision is a decision read from a page comment.
type CommentDecision struct {
	Decision    Verdict   // VerdictApproved or VerdictRejected
	By          string    // the comment's author account id, as Confluence reports it
	At          time.Time // the comment's creation time, as Confluence reports it
	Comment     string    // the comment text after the verdict word
	CommentID   string
	PageVersion int // the version under review when the comment was made
}

// ReviewCommentsResult lists the valid decisions, oldest first (the
// workflow takes the first), and how many verdict comments were ignored.
type ReviewCommentsResult struct {
	Decisions []CommentDecision
	Ignored   int
}

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
func (a *ConfluenceActivities) ReadReviewComments(ctx context.Context, in ReviewCommentsInput) (_ *ReviewCommentsResult, err error) {
	defer func() { observe(ctx, "ReadReviewComments", err) }()
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
	res := &ReviewCommentsResult{}
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
		case !in.allowed(c.AuthorID, c.CreatedAt):
			why = fmt.Sprintf("this comment does not decide the review of version %d: its author (%s) is not one of the space's reviewers", in.PageVersion, c.AuthorID)
			if len(in.Deputies) > 0 && slices.Contains(in.Deputies, c.AuthorID) {
				why += " (deputies decide only after the review deadline)"
			}
			why += "."
		case verdict == VerdictRejected && strings.TrimSpace(text) == "":
			why = "a rejection needs a reason: write it after the verdict, e.g. \"reject: add the retention table\"."
		case verdict == VerdictApproved:
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
			res.Decisions = append(res.Decisions, CommentDecision{Decision: verdict, By: c.AuthorID, At: c.CreatedAt.UTC(),
				Comment: text, CommentID: c.ID, PageVersion: in.PageVersion})
			continue
		}
		res.Ignored++
		marker := fmt.Sprintf("xecm-bridge:lifecycle:%s:r%d:v%d:comment-%s:ignored", in.PageID, in.Round, in.PageVersion, c.ID)
		if answered[marker] {
			continue
		}
		body := noteBody(PageNoteInput{Marker: marker, Text: "Not taken as a review decision: " + why})
		if _, err := a.Confluence.AddComment(ctx, in.PageID, body); err != nil {
			return nil, pageError(in.PageID, "answer a comment", err)
		}
		answered[marker] = true
	}
	return res, nil
}

func (in ReviewCommentsInput) allowed(who string, at time.Time) bool {
	if slices.Contains(in.Reviewers, who) {
		return true
	}
	return !in.DeputiesFrom.IsZero() && !at.Before(in.DeputiesFrom) && slices.Contains(in.Deputies, who)
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
	verdict Verdict
}{
	{"request changes", VerdictRejected},
	{"approved", VerdictApproved},
	{"approve", VerdictApproved},
	{"rejected", VerdictRejected},
	{"reject", VerdictRejected},
}

// ParseVerdict reads a comment's plain text by the grammar above: ok is
// false for a comment that is not a decision.
func ParseVerdict(text string) (verdict Verdict, comment string, ok bool) {
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
