package pages

import (
	"context"
	"fmt"
	"time"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// Confluence side of the document lifecycle (flow F7, workflow
// DocumentLifecycle: draft → review → approve → classify → return): the
// snapshot of a submitted version, notes and labels on the page, and the
// record link returned once the record is declared. They run on the
// Confluence queue; the OTCS side is in opentext_lifecycle.go.

func planOf(r *mapping.Review) activities.ReviewPlan {
	return activities.ReviewPlan{
		Mode: r.Mode, DecideIn: r.DecideIn, Reviewers: r.Reviewers, Deputies: r.Deputies, WorkflowMap: r.WorkflowMap,
		Deadline: r.Deadline, Reminder: r.Reminder, PollInterval: r.PollInterval, Meaning: r.Meaning,
		SubmitLabel: r.SubmitLabel, ChangesLabel: r.ChangesLabel, ApprovedLabel: r.ApprovedLabel,
		ReadOnly: r.ReadOnly, OwnersGroup: r.OwnersGroup, BridgeAccount: r.BridgeAccount,
	}
}

// reviewTarget is chooseTarget for PurposeReview: the space's review folder.
func reviewTarget(space *mapping.Space, snap *activities.PageSnapshot) (*mapping.Target, error) {
	if space.Review == nil {
		return nil, activities.NonRetryable(activities.TypeNoReviewRule, "space %s has no review: section in the mapping file, so page %s cannot be submitted for review", space.Key, snap.PageID)
	}
	return &space.Review.Target, nil
}

// SnapshotForReview reads the submitted page version (as ReadPage does for a
// publish, under the space's review rule), marks the page as in review
// (submit label on, changes-requested label off) and returns the review
// plan. Labels create no page version, so this never looks like a
// resubmission.
func (a *ConfluenceActivities) SnapshotForReview(ctx context.Context, in activities.SnapshotInput) (_ *activities.ReviewSnapshot, err error) {
	defer func() { activities.Observe(ctx, "SnapshotForReview", err) }()
	snap, err := a.ReadPage(ctx, activities.ReadPageInput{PageID: in.PageID, Version: in.Version, Purpose: activities.PurposeReview})
	if err != nil {
		return nil, err
	}
	space, err := a.Rules.ForSpace(snap.SpaceKey)
	if err != nil {
		return nil, activities.BackendError("mapping", err)
	}
	rv := space.Review
	// A draft carries no approval: the evidence is filled in when a
	// reviewer approves it.
	snap.ApprovedBy, snap.ApprovedAt, snap.ApprovalStatus = "", time.Time{}, "In Review"
	snap.ApprovalSignal = fmt.Sprintf("submitted for review by %s", activities.FirstNonBlank(in.SubmittedBy, snap.AuthorID))
	if err := a.Confluence.AddLabels(ctx, snap.PageID, rv.SubmitLabel); err != nil {
		return nil, pageError(snap.PageID, "add label", err)
	}
	if err := a.removeLabels(ctx, snap.PageID, rv.ChangesLabel); err != nil {
		return nil, err
	}
	return &activities.ReviewSnapshot{Page: *snap, Plan: planOf(rv)}, nil
}

// CheckPage confirms the page still exists before its approved version is
// declared: a page deleted during review ends the lifecycle with
// PageNotFound and the OTCS draft is kept as it is. It returns the page's
// current version.
func (a *ConfluenceActivities) CheckPage(ctx context.Context, in activities.CheckPageInput) (_ int, err error) {
	defer func() { activities.Observe(ctx, "CheckPage", err) }()
	page, err := a.Confluence.GetPage(ctx, in.PageID, confluence.GetPageOptions{})
	if err != nil {
		return 0, pageError(in.PageID, "read page", err)
	}
	return page.Version.Number, nil
}

// PostPageNote adds a footer comment to the page (reminders, escalation,
// rejection with the reviewer's comment, withdrawal) and changes labels.
// Neither creates a page version, so it never re-triggers the lifecycle.
func (a *ConfluenceActivities) PostPageNote(ctx context.Context, in activities.PageNoteInput) (err error) {
	defer func() { activities.Observe(ctx, "PostPageNote", err) }()
	if in.Text != "" {
		if err := activities.CommentOnce(ctx, a.Confluence, in.PageID, in.Marker, activities.NoteBody(in)); err != nil {
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

// ReturnToPage links the declared record back on the page: the content
// property, a comment with the link, the draft labels replaced by the
// approved label, and (if the mapping says so) an update restriction to the
// bridge and the owners. None of it creates a page version.
func (a *ConfluenceActivities) ReturnToPage(ctx context.Context, in activities.ReturnInput) (err error) {
	defer func() { activities.Observe(ctx, "ReturnToPage", err) }()
	if _, err := a.Confluence.SetProperty(ctx, in.PageID, activities.RecordPropertyKey, in.Record); err != nil {
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

// pageError is backendError where a 404 means the page is gone.
func pageError(pageID, what string, err error) error {
	if rest.IsKind(err, rest.KindNotFound) {
		return activities.NonRetryable(activities.TypePageNotFound, "Confluence page %s was deleted (or hidden from the bridge) during its review; the OTCS draft is kept as it is", pageID)
	}
	return activities.BackendError(what, err)
}
