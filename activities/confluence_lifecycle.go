package activities

import (
	"context"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// Confluence side of the document lifecycle (flow F7, workflow
// DocumentLifecycle: draft → review → approve → classify → return): the
// snapshot of a submitted version, notes and labels on the page, and the
// record link returned once the record is declared. They run on the
// Confluence queue; the OTCS side is in opentext_lifecycle.go.

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

func planOf(r *mapping.Review) ReviewPlan {
	return ReviewPlan{
		Mode: r.Mode, DecideIn: r.DecideIn, Reviewers: r.Reviewers, Deputies: r.Deputies, WorkflowMap: r.WorkflowMap,
		Deadline: r.Deadline, Reminder: r.Reminder, PollInterval: r.PollInterval, Meaning: r.Meaning,
		SubmitLabel: r.SubmitLabel, ChangesLabel: r.ChangesLabel, ApprovedLabel: r.ApprovedLabel,
		ReadOnly: r.ReadOnly, OwnersGroup: r.OwnersGroup, BridgeAccount: r.BridgeAccount,
	}
}

// reviewTarget is chooseTarget for PurposeReview: the space's review folder.
func reviewTarget(space *mapping.Space, snap *PageSnapshot) (*mapping.Target, error) {
	if space.Review == nil {
		return nil, NonRetryable(TypeNoReviewRule, "space %s has no review: section in the mapping file, so page %s cannot be submitted for review", space.Key, snap.PageID)
	}
	return &space.Review.Target, nil
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

// SnapshotForReview reads the submitted page version (as ReadPage does for a
// publish, under the space's review rule), marks the page as in review
// (submit label on, changes-requested label off) and returns the review
// plan. Labels create no page version, so this never looks like a
// resubmission.
func (a *ConfluenceActivities) SnapshotForReview(ctx context.Context, in SnapshotInput) (_ *ReviewSnapshot, err error) {
	defer func() { observe(ctx, "SnapshotForReview", err) }()
	snap, err := a.ReadPage(ctx, ReadPageInput{PageID: in.PageID, Version: in.Version, Purpose: PurposeReview})
	if err != nil {
		return nil, err
	}
	space, err := a.Rules.ForSpace(snap.SpaceKey)
	if err != nil {
		return nil, backendError("mapping", err)
	}
	rv := space.Review
	// A draft carries no approval: the evidence is filled in when a
	// reviewer approves it.
	snap.ApprovedBy, snap.ApprovedAt, snap.ApprovalStatus = "", time.Time{}, "In Review"
	snap.ApprovalSignal = fmt.Sprintf("submitted for review by %s", firstNonBlank(in.SubmittedBy, snap.AuthorID))
	if err := a.Confluence.AddLabels(ctx, snap.PageID, rv.SubmitLabel); err != nil {
		return nil, pageError(snap.PageID, "add label", err)
	}
	if err := a.removeLabels(ctx, snap.PageID, rv.ChangesLabel); err != nil {
		return nil, err
	}
	return &ReviewSnapshot{Page: *snap, Plan: planOf(rv)}, nil
}

// CheckPageInput names the page whose existence a decision depends on.
type CheckPageInput struct {
	PageID  string
	Version int // the reviewed version
}

// CheckPage confirms the page still exists before its approved version is
// declared: a page deleted during review ends the lifecycle with
// PageNotFound and the OTCS draft is kept as it is. It returns the page's
// current version.
func (a *ConfluenceActivities) CheckPage(ctx context.Context, in CheckPageInput) (_ int, err error) {
	defer func() { observe(ctx, "CheckPage", err) }()
	page, err := a.Confluence.GetPage(ctx, in.PageID, confluence.GetPageOptions{})
	if err != nil {
		return 0, pageError(in.PageID, "read page", err)
	}
	return page.Version.Number, nil
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

// PostPageNote adds a footer comment to the page (reminders, escalation,
// rejection with the reviewer's comment, withdrawal) and changes labels.
// Neither creates a page version, so it never re-triggers the lifecycle.
func (a *ConfluenceActivities) PostPageNote(ctx context.Context, in PageNoteInput) (err error) {
	defer func() { observe(ctx, "PostPageNote", err) }()
	if in.Text != "" {
		if err := commentOnce(ctx, a.Confluence, in.PageID, in.Marker, noteBody(in)); err != nil {
			return pageError(in.PageID, "comment on the page", err)
		}
	}
	if len(in.AddLabels) > 0 {
		if err := a.Confluence.AddLabels(ctx, in.PageID, in.AddLabels...); err != nil {
			return pageError(in.PageID, "add labels", err)
		}
	}
	return a.removeLabels(ctx, in.PageID, in.RemoveLabels...)
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

// ReturnToPage links the declared record back on the page: the content
// property, a comment with the link, the draft labels replaced by the
// approved label, and (if the mapping says so) an update restriction to the
// bridge and the owners. None of it creates a page version.
func (a *ConfluenceActivities) ReturnToPage(ctx context.Context, in ReturnInput) (err error) {
	defer func() { observe(ctx, "ReturnToPage", err) }()
	if _, err := a.Confluence.SetProperty(ctx, in.PageID, RecordPropertyKey, in.Record); err != nil {
		return pageError(in.PageID, "write record property", err)
	}
	if err := a.PostPageNote(ctx, in.Note); err != nil {
		return err
	}
	if len(in.RestrictTo) == 0 && len(in.RestrictToGr) == 0 {
		return nil
	}
	if err := a.Confluence.SetUpdateRestriction(ctx, in.PageID, in.RestrictTo, in.RestrictToGr); err != nil {
		return pageError(in.PageID, "restrict page edits", err)
	}
	return nil
}

// commentOnce posts body on the page unless a comment carrying marker is
// there already (posted by an earlier attempt), so a retried activity
// comments once.
// noteOnce posts bodyHTML with marker under it, once per marker: a retry
// after the comment was posted (and before the step that followed it was
// recorded) finds it and posts nothing.
func noteOnce(ctx context.Context, c *confluence.Client, pageID, marker, bodyHTML string) error {
	return commentOnce(ctx, c, pageID, marker, bodyHTML+"<p><sub>"+html.EscapeString(marker)+"</sub></p>")
}

func commentOnce(ctx context.Context, c *confluence.Client, pageID, marker, body string) error {
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

func (a *ConfluenceActivities) removeLabels(ctx context.Context, pageID string, names ...string) error {
	for _, l := range names {
		if l == "" {
			continue
		}
		err := a.Confluence.RemoveLabel(ctx, pageID, l)
		if err != nil && !rest.IsKind(err, rest.KindNotFound) {
			return pageError(pageID, "remove label "+l, err)
		}
	}
	return nil
}

func noteBody(in PageNoteInput) string {
	var b strings.Builder
	b.WriteString("<p>")
	b.WriteString(html.EscapeString(in.Text))
	if in.Link != "" {
		fmt.Fprintf(&b, ` <a href="%s">%s</a>`, html.EscapeString(in.Link), html.EscapeString(firstNonBlank(in.LinkText, in.Link)))
	}
	b.WriteString("</p>")
	if in.Marker != "" {
		fmt.Fprintf(&b, "<p><sub>%s</sub></p>", html.EscapeString(in.Marker))
	}
	return b.String()
}

// pageError is backendError where a 404 means the page is gone.
func pageError(pageID, what string, err error) error {
	if rest.IsKind(err, rest.KindNotFound) {
		return NonRetryable(TypePageNotFound, "Confluence page %s was deleted (or hidden from the bridge) during its review; the OTCS draft is kept as it is", pageID)
	}
	return backendError(what, err)
}
