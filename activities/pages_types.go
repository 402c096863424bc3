package activities

import (
	"slices"
	"time"
)

// ReviewPlan is a space's review rule as the workflow needs it; it is read
// with each submitted version so a changed mapping applies to the next round.
type ReviewPlan struct {
	Mode          string // mapping.ReviewTemporal or mapping.ReviewOTCS
	DecideIn      string `json:",omitempty"` // mode temporal: mapping.DecideInTemporal (Updates) or mapping.DecideInConfluence (page comments)
	Reviewers     []string
	Deputies      []string
	WorkflowMap   int64
	Deadline      time.Duration
	Reminder      time.Duration
	PollInterval  time.Duration
	Meaning       string
	SubmitLabel   string
	ChangesLabel  string
	ApprovedLabel string
	ReadOnly      bool
	OwnersGroup   string
	BridgeAccount string
}

// SnapshotInput names the page version submitted for review.
type SnapshotInput struct {
	PageID      string
	Version     int // the submitted version; 0 = current
	SubmittedBy string
}

// ReviewSnapshot is the submitted version plus the review rule of its space.
type ReviewSnapshot struct {
	Page PageSnapshot
	Plan ReviewPlan
}

// CheckPageInput names the page whose existence a decision depends on.
type CheckPageInput struct {
	PageID  string
	Version int // the reviewed version
}

// PageNoteInput is a comment and label change on a page. Marker makes it
// idempotent: a comment containing it is not posted twice.
type PageNoteInput struct {
	PageID       string
	Marker       string // unique per note, e.g. lifecycle:100001:r2:rejected
	Text         string // plain text; escaped into the storage body
	Link         string // optional link shown after the text
	LinkText     string
	AddLabels    []string
	RemoveLabels []string
}

// LifecycleRecord is the content property the lifecycle leaves on the page
// (same key as a publish, RecordPropertyKey): the record link plus the
// approval evidence.
type LifecycleRecord struct {
	RecordLink
	RecordID        int64     `json:"recordId"` // the declared record's node id
	Finalized       bool      `json:"finalized"`
	ApprovedBy      string    `json:"approvedBy"`
	ApprovedAt      time.Time `json:"approvedAt"`
	ApprovalMeaning string    `json:"approvalMeaning"`
}

// ReturnInput is what the lifecycle writes back once the record is declared.
type ReturnInput struct {
	PageID       string
	Record       LifecycleRecord
	Note         PageNoteInput // the visible comment with the link, and the label swap
	RestrictTo   []string      // users that keep edit rights (nil: leave restrictions alone)
	RestrictToGr []string      // groups that keep edit rights
}

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

// Allowed reports whether who may give a verdict at that time: a reviewer,
// or a deputy once DeputiesFrom has passed.
func (in ReviewCommentsInput) Allowed(who string, at time.Time) bool {
	if slices.Contains(in.Reviewers, who) {
		return true
	}
	return !in.DeputiesFrom.IsZero() && !at.Before(in.DeputiesFrom) && slices.Contains(in.Deputies, who)
}
