package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
	"github.com/xecm-bridge/xecm-bridge/activities/records"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// This file is the script: DocumentLifecycle and one method per stage, in
// order. Its state types are in document_lifecycle_state.go, the signal,
// Update and query handlers in document_lifecycle_handlers.go, the review's
// reminders, escalation and comment reading in document_lifecycle_review.go,
// and stage, details, timer and note helpers in document_lifecycle_plumbing.go.

// DefaultRoundsPerRun is how many review rounds one run holds before it
// continues as new (earlier if the server suggests it).
const DefaultRoundsPerRun = 10

// LifecycleWorkflowID is the one lifecycle of a page.
func LifecycleWorkflowID(pageID string) string { return "lifecycle:" + pageID }

// DocumentLifecycle routes a Confluence draft through formal review in OTCS
// and returns the approved record to the page. One run per page (id
// lifecycle:<pageId>); `starter submit` starts it or, when it runs,
// signals a resubmission.
//
//  1. Draft: snapshot the submitted version, stream it into the space's
//     review folder (new draft, or a new version of the same node), verify it.
//  2. Review: initiate the OTCS workflow map, or wait for an approve/reject
//     Update from an allowed reviewer; remind before the deadline, escalate
//     to the deputies at it.
//  3. Rejected: comment and label on the page; wait for a newer version,
//     then review that (continuing as new every few rounds).
//  4. Approved → Classifying: move into the publish folder, category values
//     with the approval evidence, RM classification, declare (finalize). A
//     hold blocks (stage Blocked) until an operator's retry.
//  5. Returned: property, comment with the link, approved label, read-only.
//
// Withdraw (any time before approval) stops the OTCS process and leaves the
// draft as a draft with a note.
func DocumentLifecycle(ctx workflow.Context, in LifecycleInput) (*LifecycleResult, error) {
	l, err := startLifecycle(ctx, in)
	if err != nil {
		return nil, err
	}
	for {
		if l.st.Withdraw != nil && l.withdrawable() {
			err = l.withdraw(ctx)
		} else {
			switch l.st.Stage {
			case StageDraft:
				err = l.openReview(ctx)
			case StageReview:
				err = l.awaitDecision(ctx)
			case StageRejected:
				err = l.awaitResubmission(ctx)
			case StageApproved, StageBlocked:
				err = l.declare(ctx)
			case StageReturned, StageWithdrawn:
				return l.finish(ctx)
			default:
				err = activities.NonRetryable(activities.TypeInvalidState, "unknown stage %s", l.st.Stage)
			}
		}
		if err != nil {
			if workflow.IsContinueAsNewError(err) {
				return nil, err
			}
			return nil, l.fail(ctx, err)
		}
	}
}

// ---- 1. Draft: snapshot, upload, verify, open the review ----

func (l *lifecycle) openReview(ctx workflow.Context) error {
	var conf *pages.ConfluenceActivities
	var otcs *records.OpenTextActivities
	l.st.Round++
	l.decision = nil

	var snap activities.ReviewSnapshot
	err := workflow.ExecuteActivity(confluenceCtx(ctx, "Snapshot the submitted version"), conf.SnapshotForReview,
		activities.SnapshotInput{PageID: l.st.PageID, Version: l.st.PageVersion, SubmittedBy: l.st.SubmittedBy}).Get(ctx, &snap)
	if err != nil {
		return err
	}
	page := snap.Page
	l.st.Page, l.st.Plan, l.st.Mode = &page, snap.Plan, snap.Plan.Mode
	l.st.SpaceKey, l.st.Title, l.st.PageVersion = page.SpaceKey, page.Title, page.Version
	l.st.DecideIn = ""
	if l.st.Mode == mapping.ReviewTemporal && snap.Plan.DecideIn == mapping.DecideInConfluence {
		l.st.DecideIn = mapping.DecideInConfluence
	}
	l.details(ctx)

	var up activities.UploadResult
	err = workflow.ExecuteActivity(transferCtx(ctx, "Stream the draft into the review folder and verify it"), otcs.UploadRendition,
		activities.UploadInput{Page: page, Verify: true}).Get(ctx, &up)
	if err != nil {
		return err
	}
	l.st.NodeID, l.st.OTCSVersion, l.st.SHA256, l.st.Size, l.st.URL = up.NodeID, up.Version, up.SHA256, up.Size, up.URL

	now := workflow.Now(ctx).UTC()
	l.st.ReviewOpened = now
	l.st.DeadlineAt = now.Add(l.st.Plan.Deadline)
	l.st.ReminderAt = l.st.DeadlineAt.Add(-l.st.Plan.Reminder)
	l.st.Reminded, l.st.Escalated, l.st.ProcessID = false, false, 0
	l.st.Reviewers = slices.Clone(l.st.Plan.Reviewers)
	if l.st.Mode == mapping.ReviewOTCS {
		err = workflow.ExecuteActivity(opentextCtx(ctx, "Initiate the OTCS review workflow"), otcs.StartReviewProcess,
			activities.StartReviewInput{MapID: l.st.Plan.WorkflowMap, NodeID: up.NodeID, Due: l.st.DeadlineAt,
				Title:   fmt.Sprintf("Review: %s (v%d)", page.Title, page.Version),
				Comment: fmt.Sprintf("Submitted from Confluence page %s version %d by %s", page.PageID, page.Version, l.st.SubmittedBy)}).Get(ctx, &l.st.ProcessID)
		if err != nil {
			return err
		}
	}
	l.stage(ctx, StageReview)
	return nil
}

// ---- 2. Review: wait for the decision, remind, escalate ----

func (l *lifecycle) awaitDecision(ctx workflow.Context) error {
	var otcs *records.OpenTextActivities
	tctx, cancelTimers := workflow.WithCancel(ctx)
	defer cancelTimers()
	var due workflow.Future
	var poll workflow.Future
	for l.decision == nil && l.st.Withdraw == nil {
		if l.st.Mode == mapping.ReviewOTCS && poll == nil {
			// The OTCS process may take days: wait on a durable timer and
			// ask with a short activity, instead of an activity that
			// holds a worker slot the whole time.
			poll = workflow.NewTimerWithOptions(tctx, l.pollInterval(), workflow.TimerOptions{Summary: "Poll the OTCS review process"})
		}
		if l.st.DecideIn == mapping.DecideInConfluence && poll == nil {
			// Decisions are page comments: read them the same way.
			poll = workflow.NewTimerWithOptions(tctx, l.pollInterval(), workflow.TimerOptions{Summary: "Poll the page comments for review decisions"})
		}
		remindNow, escalateNow, pollNow := false, false, false
		sel := workflow.NewSelector(ctx)
		l.listen(ctx, sel)
		if due == nil {
			due = l.nextReviewTimer(tctx)
		}
		if due != nil {
			sel.AddFuture(due, func(workflow.Future) {
				now := workflow.Now(ctx)
				remindNow = !l.st.Reminded && !now.Before(l.st.ReminderAt)
				escalateNow = !l.st.Escalated && !now.Before(l.st.DeadlineAt)
				due = nil
			})
		}
		if poll != nil {
			sel.AddFuture(poll, func(workflow.Future) { pollNow, poll = true, nil })
		}
		sel.Select(ctx)

		if remindNow {
			if err := l.remind(ctx); err != nil {
				return err
			}
		}
		if escalateNow {
			if err := l.escalate(ctx); err != nil {
				return err
			}
		}
		if pollNow && l.st.DecideIn == mapping.DecideInConfluence {
			if err := l.readComments(ctx); err != nil {
				return err
			}
			if l.decision == nil && workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
				return l.continueAsNew(ctx)
			}
		} else if pollNow {
			var ps activities.ReviewProcessState
			err := workflow.ExecuteActivity(opentextCtx(ctx, "Read the OTCS review process"), otcs.PollReviewProcess, l.st.ProcessID).Get(ctx, &ps)
			if err != nil {
				return err
			}
			if ps.Done {
				verdict := activities.VerdictRejected
				if ps.Approved {
					verdict = activities.VerdictApproved
				}
				l.record(ctx, Decision{Decision: verdict, By: ps.By, Comment: ps.Comment, At: ps.At, Via: mapping.ReviewOTCS})
			} else if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
				return l.continueAsNew(ctx)
			}
		}
	}
	if l.decision == nil {
		return nil // withdrawn: the main loop carries it out
	}
	if l.decision.Decision == activities.VerdictApproved {
		l.stage(ctx, StageApproved)
		return nil
	}
	return l.rejected(ctx)
}

// ---- 3. Rejected: tell the author, wait for a newer version ----

func (l *lifecycle) rejected(ctx workflow.Context) error {
	d := l.decision
	err := l.note(ctx, "rejected", activities.PageNoteInput{
		Text: fmt.Sprintf("Changes requested by %s on version %d: %s — edit the page and submit it again.",
			d.By, d.PageVersion, firstNonEmpty(d.Comment, "(no comment)")),
		AddLabels:    []string{l.st.Plan.ChangesLabel},
		RemoveLabels: []string{l.st.Plan.SubmitLabel},
	})
	if err != nil {
		return err
	}
	l.stage(ctx, StageRejected)
	return nil
}

func (l *lifecycle) awaitResubmission(ctx workflow.Context) error {
	for l.st.PendingVersion <= l.st.PageVersion && l.st.Withdraw == nil {
		sel := workflow.NewSelector(ctx)
		l.listen(ctx, sel)
		sel.Select(ctx)
	}
	if l.st.Withdraw != nil {
		return nil
	}
	l.st.PageVersion, l.st.PendingVersion = l.st.PendingVersion, 0
	l.stage(ctx, StageDraft)
	// Each round adds some 40 events: continue as new every few rounds (or
	// when the server says so) so no number of rounds grows one history
	// without bound.
	if l.st.Round%l.roundsPerRun == 0 || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
		return l.continueAsNew(ctx)
	}
	return nil
}

// ---- 4. Approved → Classifying: declare the record ----

func (l *lifecycle) declare(ctx workflow.Context) error {
	var conf *pages.ConfluenceActivities
	var otcs *records.OpenTextActivities
	if l.st.Stage == StageBlocked {
		for !l.st.RetryRequested && l.st.Withdraw == nil {
			sel := workflow.NewSelector(ctx)
			l.listen(ctx, sel)
			sel.Select(ctx)
		}
		if l.st.Withdraw != nil {
			return nil
		}
		l.st.RetryRequested, l.st.Blocked = false, ""
		l.stage(ctx, StageApproved)
	}
	d := l.lastDecision()
	// A page deleted during the review ends the lifecycle here, before
	// anything is declared (PageNotFound); the draft stays in OTCS.
	err := workflow.ExecuteActivity(confluenceCtx(ctx, "Check the page still exists"), conf.CheckPage,
		activities.CheckPageInput{PageID: l.st.PageID, Version: l.st.PageVersion}).Get(ctx, nil)
	if err != nil {
		return err
	}

	l.stage(ctx, StageClassifying)
	page := *l.st.Page
	page.Rule, page.ApprovalStatus = mapping.RulePublish, "Approved"
	page.ApprovedBy, page.ApprovedAt = d.By, d.At
	page.ApprovalSignal = fmt.Sprintf("approved by %s in review round %d (%s)", d.By, d.Round, l.st.Plan.Meaning)
	var dec activities.DeclareResult
	err = workflow.ExecuteActivity(opentextCtx(ctx, "Move, classify and declare the record"), otcs.DeclareRecord,
		activities.DeclareInput{Page: page, NodeID: l.st.NodeID, Version: l.st.OTCSVersion, SHA256: l.st.SHA256, Meaning: l.st.Plan.Meaning}).Get(ctx, &dec)
	var appErr *temporal.ApplicationError
	if (activities.IsType(err, activities.TypeRecordOnHold) || activities.IsType(err, activities.TypeVersionChanged)) && errors.As(err, &appErr) {
		// Never overwrite a held record nor declare a version nobody
		// reviewed: stop with the reason and wait for an operator to fix
		// it in OTCS and send retry (or withdraw).
		l.st.Blocked = appErr.Message()
		l.st.Note = "Blocked: " + appErr.Message() + " — fix it in OTCS, then `starter retry --page " + l.st.PageID + "`"
		l.stage(ctx, StageBlocked)
		return nil
	}
	if err != nil {
		return err
	}
	l.st.Classification, l.st.Finalized = dec.Classification, dec.Finalized

	// ---- 5. Return: link the record on the page ----
	plan := l.st.Plan
	in := activities.ReturnInput{
		PageID: l.st.PageID,
		Record: activities.LifecycleRecord{
			RecordLink: activities.RecordLink{NodeID: l.st.NodeID, Version: l.st.OTCSVersion, PageVersion: l.st.PageVersion,
				URL: l.st.URL, SHA256: l.st.SHA256, Classification: dec.Classification, PublishedAt: workflow.Now(ctx).UTC(),
				WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID},
			RecordID: l.st.NodeID, Finalized: dec.Finalized, ApprovedBy: d.By, ApprovedAt: d.At, ApprovalMeaning: plan.Meaning,
		},
		Note: activities.PageNoteInput{
			PageID: l.st.PageID, Marker: l.marker("returned"),
			Text: fmt.Sprintf("Version %d was approved by %s and is now the controlled record in OTCS (node %d, version %d%s, SHA-256 %s).",
				l.st.PageVersion, d.By, l.st.NodeID, l.st.OTCSVersion, prefixed(", ", dec.Classification), l.st.SHA256),
			Link: l.st.URL, LinkText: "Open the record in OTCS",
			AddLabels: []string{plan.ApprovedLabel}, RemoveLabels: []string{plan.SubmitLabel, plan.ChangesLabel},
		},
	}
	if plan.ReadOnly {
		in.RestrictTo = []string{plan.BridgeAccount}
		if plan.OwnersGroup != "" {
			in.RestrictToGr = []string{plan.OwnersGroup}
		}
	}
	if err := workflow.ExecuteActivity(confluenceCtx(ctx, "Link the record on the page"), conf.ReturnToPage, in).Get(ctx, nil); err != nil {
		return err
	}
	l.stage(ctx, StageReturned)
	return nil
}

// ---- Withdraw ----

func (l *lifecycle) withdraw(ctx workflow.Context) error {
	var otcs *records.OpenTextActivities
	w := l.st.Withdraw
	when := workflow.Now(ctx).UTC().Format(time.RFC3339)
	if l.st.NodeID != 0 {
		err := workflow.ExecuteActivity(opentextCtx(ctx, "Stop the review and note the withdrawal"), otcs.WithdrawDraft,
			activities.WithdrawInput{NodeID: l.st.NodeID, ProcessID: l.st.ProcessID,
				Note: fmt.Sprintf("Draft of Confluence page %s v%d; review withdrawn by %s at %s (%s). Not declared.",
					l.st.PageID, l.st.PageVersion, w.By, when, firstNonEmpty(w.Reason, "no reason given"))}).Get(ctx, nil)
		if err != nil {
			return err
		}
	}
	err := l.note(ctx, "withdrawn", activities.PageNoteInput{
		Text:         fmt.Sprintf("The review of version %d was withdrawn by %s: %s", l.st.PageVersion, w.By, firstNonEmpty(w.Reason, "no reason given")),
		RemoveLabels: []string{l.st.Plan.SubmitLabel, l.st.Plan.ChangesLabel},
	})
	if err != nil {
		return err
	}
	l.stage(ctx, StageWithdrawn)
	return nil
}
