package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// Stages of a document lifecycle, as shown in BridgeStage and the status
// query (StageClassifying and StageFailed are shared with PublishPage).
const (
	StageDraft     = "Draft"     // the submitted version is being snapshotted into OTCS
	StageReview    = "Review"    // a review is open
	StageRejected  = "Rejected"  // changes requested; waiting for a newer page version
	StageApproved  = "Approved"  // approved; about to be declared
	StageBlocked   = "Blocked"   // the record is on hold; waiting for an operator's retry
	StageReturned  = "Returned"  // declared and linked back on the page (final)
	StageWithdrawn = "Withdrawn" // the author withdrew the review (final)
)

// Handler names of DocumentLifecycle (the starter CLI uses them).
const (
	LifecycleSubmitSignal   = "submit"   // SubmitRequest: a (new) page version is submitted
	LifecycleWithdrawSignal = "withdraw" // WithdrawRequest: the author cancels the review
	LifecycleRetrySignal    = "retry"    // RetryRequest: an operator released a hold; declare again
	LifecycleApproveUpdate  = "approve"  // ReviewDecision → DecisionReceipt
	LifecycleRejectUpdate   = "reject"   // ReviewDecision → DecisionReceipt
)

// decideInConfluenceChange guards reading decisions from page comments
// (review.decide_in: confluence), added after histories were recorded.
const decideInConfluenceChange = "decide-in-confluence"

// DefaultRoundsPerRun is how many review rounds one run holds before it
// continues as new (earlier if the server suggests it).
const DefaultRoundsPerRun = 10

// maxDecisions bounds the decision log carried across continue-as-new.
const maxDecisions = 20

// LifecycleWorkflowID is the one lifecycle of a page.
func LifecycleWorkflowID(pageID string) string { return "lifecycle:" + pageID }

// LifecycleInput starts a lifecycle (or continues one: State is set).
type LifecycleInput struct {
	PageID       string
	Version      int // the submitted version (the starter resolves the current one)
	RequestedBy  string
	RoundsPerRun int             // 0 = DefaultRoundsPerRun
	State        *LifecycleState `json:",omitempty"` // carried over by continue-as-new
}

// SubmitRequest submits a page version (sent with SignalWithStart).
type SubmitRequest struct {
	Version int
	By      string
}

// WithdrawRequest cancels the review.
type WithdrawRequest struct {
	By, Reason string
}

// RetryRequest asks a Blocked lifecycle to try declaring again.
type RetryRequest struct {
	By string
}

// ReviewDecision is a reviewer's approve or reject Update.
type ReviewDecision struct {
	Reviewer    string
	PageVersion int // the version the reviewer looked at; must be the one under review
	Comment     string
}

// DecisionReceipt answers an accepted decision.
type DecisionReceipt struct {
	Round       int
	PageVersion int
	Decision    string
}

// Decision is one review outcome, kept as evidence.
type Decision struct {
	Round       int
	PageVersion int
	Decision    string // "approved" or "rejected"
	By          string
	Comment     string
	At          time.Time
	Via         string // "temporal" (Update), "otcs" (workflow process) or "confluence" (the reviewer's page comment)
}

// LifecycleState is the whole state of a lifecycle: the status query
// returns it and continue-as-new carries it. Ids and versions only.
type LifecycleState struct {
	PageID, SpaceKey, Title string
	Stage                   string
	Mode                    string // review mode of the space
	DecideIn                string `json:",omitempty"` // mapping.DecideInConfluence: reviewers decide by page comment (Updates refused)
	Round                   int
	PageVersion             int // the version under review (or last reviewed)
	SubmittedBy             string
	Reviewers               []string // allowed to decide now (deputies added on escalation)
	Escalated               bool
	Reminded                bool
	Decisions               []Decision
	NodeID                  int64
	OTCSVersion             int
	SHA256                  string
	Size                    int64
	URL                     string
	ProcessID               int64 // OTCS mode: the running review process
	ReviewOpened            time.Time
	ReminderAt, DeadlineAt  time.Time
	PendingVersion          int    // a newer version submitted, reviewed next
	Blocked                 string // why the record cannot be declared (the hold)
	Classification          string
	Finalized               bool
	Note                    string // the latest thing an operator should know
	Error                   string
	Plan                    activities.ReviewPlan
	Page                    *activities.PageSnapshot `json:",omitempty"` // the version under review
	Withdraw                *WithdrawRequest         `json:",omitempty"` // requested, not yet carried out
	RetryRequested          bool
}

// LifecycleResult is how a lifecycle ended.
type LifecycleResult struct {
	PageID         string
	Stage          string // StageReturned or StageWithdrawn
	PageVersion    int
	Rounds         int
	NodeID         int64
	OTCSVersion    int
	URL            string
	SHA256         string
	Classification string
	Finalized      bool
	Decisions      []Decision
}

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
				err = temporal.NewNonRetryableApplicationError("unknown stage "+l.st.Stage, "InvalidState", nil)
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

type lifecycle struct {
	st           LifecycleState
	roundsPerRun int
	decision     *Decision // taken, not yet acted on
	wake         workflow.Channel
	submitCh     workflow.ReceiveChannel
	withdrawCh   workflow.ReceiveChannel
	retryCh      workflow.ReceiveChannel
	upserted     string
	logger       log.Logger
}

func startLifecycle(ctx workflow.Context, in LifecycleInput) (*lifecycle, error) {
	if in.PageID == "" {
		return nil, temporal.NewNonRetryableApplicationError("page id is required", activities.ErrInvalidInput, nil)
	}
	l := &lifecycle{roundsPerRun: in.RoundsPerRun}
	if l.roundsPerRun <= 0 {
		l.roundsPerRun = DefaultRoundsPerRun
	}
	if in.State != nil {
		l.st = *in.State
		l.upserted = l.st.Stage
	} else {
		l.st = LifecycleState{PageID: in.PageID, Stage: StageDraft, PageVersion: in.Version, SubmittedBy: in.RequestedBy}
		l.upserted = StageDraft // set at start by the starter, free of charge
	}
	l.logger = log.With(workflow.GetLogger(ctx), "pageId", in.PageID)
	l.wake = workflow.NewBufferedChannel(ctx, 1)
	l.submitCh = workflow.GetSignalChannel(ctx, LifecycleSubmitSignal)
	l.withdrawCh = workflow.GetSignalChannel(ctx, LifecycleWithdrawSignal)
	l.retryCh = workflow.GetSignalChannel(ctx, LifecycleRetrySignal)
	if err := workflow.SetQueryHandler(ctx, StatusQuery, func() (LifecycleState, error) { return l.st, nil }); err != nil {
		return nil, err
	}
	for _, u := range [][2]string{{LifecycleApproveUpdate, "approved"}, {LifecycleRejectUpdate, "rejected"}} {
		name, verdict := u[0], u[1]
		err := workflow.SetUpdateHandlerWithOptions(ctx, name,
			func(ctx workflow.Context, d ReviewDecision) (DecisionReceipt, error) {
				return l.decide(ctx, verdict, d), nil
			},
			workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, d ReviewDecision) error { return l.validate(verdict, d) }})
		if err != nil {
			return nil, err
		}
	}
	l.details(ctx)
	return l, nil
}

// ---- 1. Draft: snapshot, upload, verify, open the review ----

func (l *lifecycle) openReview(ctx workflow.Context) error {
	var conf *activities.ConfluenceActivities
	var otcs *activities.OpenTextActivities
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
	if l.st.Mode == mapping.ReviewTemporal && snap.Plan.DecideIn == mapping.DecideInConfluence &&
		workflow.GetVersion(ctx, decideInConfluenceChange, workflow.DefaultVersion, 1) >= 1 {
		l.st.DecideIn = mapping.DecideInConfluence
	}
	l.details(ctx)

	var up activities.UploadResult
	err = workflow.ExecuteActivity(transferCtx(ctx, "Stream the draft into the review folder"), otcs.UploadRendition,
		activities.UploadInput{Page: page}).Get(ctx, &up)
	if err != nil {
		return err
	}
	l.st.NodeID, l.st.OTCSVersion, l.st.SHA256, l.st.Size, l.st.URL = up.NodeID, up.Version, up.SHA256, up.Size, up.URL
	err = workflow.ExecuteActivity(transferCtx(ctx, "Verify the draft's checksum"), otcs.VerifyRecord,
		activities.VerifyInput{NodeID: up.NodeID, Version: up.Version, SHA256: up.SHA256, Size: up.Size}).Get(ctx, nil)
	if err != nil {
		return err
	}

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
	var otcs *activities.OpenTextActivities
	tctx, cancelTimers := workflow.WithCancel(ctx)
	defer cancelTimers()
	reminder := l.timer(tctx, l.st.ReminderAt, !l.st.Reminded, "Review reminder")
	deadline := l.timer(tctx, l.st.DeadlineAt, !l.st.Escalated, "Review deadline: escalate to deputies")
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
		if reminder != nil {
			sel.AddFuture(reminder, func(workflow.Future) { remindNow, reminder = true, nil })
		}
		if deadline != nil {
			sel.AddFuture(deadline, func(workflow.Future) { escalateNow, deadline = true, nil })
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
				verdict := "rejected"
				if ps.Approved {
					verdict = "approved"
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
	if l.decision.Decision == "approved" {
		l.stage(ctx, StageApproved)
		return nil
	}
	return l.rejected(ctx)
}

// readComments takes a decision from the page comments, if a reviewer's
// account commented one (decide_in: confluence). The decider is the
// comment's author as Confluence reports it.
func (l *lifecycle) readComments(ctx workflow.Context) error {
	var conf *activities.ConfluenceActivities
	in := activities.ReviewCommentsInput{PageID: l.st.PageID, Round: l.st.Round, PageVersion: l.st.PageVersion,
		Since: l.st.ReviewOpened, Reviewers: l.st.Plan.Reviewers, Deputies: l.st.Plan.Deputies, BridgeAccount: l.st.Plan.BridgeAccount}
	if l.st.Escalated {
		in.DeputiesFrom = l.st.DeadlineAt
	}
	var res activities.ReviewCommentsResult
	err := workflow.ExecuteActivity(confluenceCtx(ctx, "Read review decisions from the page comments"), conf.ReadReviewComments, in).Get(ctx, &res)
	if err != nil {
		return err
	}
	if len(res.Decisions) == 0 {
		return nil
	}
	d := res.Decisions[0]
	l.record(ctx, Decision{Decision: d.Decision, By: d.By, Comment: d.Comment, At: d.At, Via: mapping.DecideInConfluence})
	return nil
}

func (l *lifecycle) remind(ctx workflow.Context) error {
	l.st.Reminded = true
	who := strings.Join(l.st.Reviewers, ", ")
	if l.st.Mode == mapping.ReviewOTCS {
		who = fmt.Sprintf("the assignees of OTCS workflow process %d", l.st.ProcessID)
	}
	if l.st.DecideIn == mapping.DecideInConfluence {
		who += ` (decide with a comment on this page starting "approve" or "reject" and the reason)`
	}
	return l.note(ctx, "reminder", activities.PageNoteInput{
		Text: fmt.Sprintf("Reminder: version %d of this page is waiting for review by %s; the review is due %s.",
			l.st.PageVersion, who, l.st.DeadlineAt.Format("2006-01-02 15:04 MST")),
	})
}

func (l *lifecycle) escalate(ctx workflow.Context) error {
	l.st.Escalated = true
	text := fmt.Sprintf("The review deadline for version %d has passed. ", l.st.PageVersion)
	if l.st.Mode == mapping.ReviewOTCS {
		text += fmt.Sprintf("OTCS workflow process %d is still open; escalated to %s.", l.st.ProcessID, strings.Join(l.st.Plan.Deputies, ", "))
	} else {
		for _, d := range l.st.Plan.Deputies {
			if !slices.Contains(l.st.Reviewers, d) {
				l.st.Reviewers = append(l.st.Reviewers, d)
			}
		}
		text += fmt.Sprintf("Escalated: %s may now approve or reject it as deputies.", strings.Join(l.st.Plan.Deputies, ", "))
		if l.st.DecideIn == mapping.DecideInConfluence {
			text += ` Decide with a comment on this page starting "approve" or "reject" and the reason.`
		}
	}
	l.details(ctx)
	return l.note(ctx, "escalated", activities.PageNoteInput{Text: text})
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
	var conf *activities.ConfluenceActivities
	var otcs *activities.OpenTextActivities
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
	if errors.As(err, &appErr) && (appErr.Type() == activities.ErrRecordOnHold || appErr.Type() == activities.ErrVersionChanged) {
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

func (l *lifecycle) withdrawable() bool {
	switch l.st.Stage {
	case StageDraft, StageReview, StageRejected, StageBlocked:
		return true
	}
	return false
}

func (l *lifecycle) withdraw(ctx workflow.Context) error {
	var otcs *activities.OpenTextActivities
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

// ---- Handlers ----

// validate is the Update validator: it reads state only, so a refused
// decision leaves no trace in the history.
func (l *lifecycle) validate(verdict string, d ReviewDecision) error {
	switch {
	case l.st.Stage != StageReview:
		return fmt.Errorf("no review is open for page %s (stage %s)", l.st.PageID, l.st.Stage)
	case l.st.Mode == mapping.ReviewOTCS:
		return fmt.Errorf("page %s is reviewed in OTCS workflow process %d; decide on the task in OTCS", l.st.PageID, l.st.ProcessID)
	case l.st.DecideIn == mapping.DecideInConfluence:
		return fmt.Errorf("decisions in space %s are taken by a comment in Confluence by the reviewer's own account: comment on page %s starting \"approve\" or \"reject <reason>\" (an approve/reject Update names a reviewer it cannot prove, so it is refused here)", l.st.SpaceKey, l.st.PageID)
	case l.decision != nil:
		return fmt.Errorf("version %d of page %s was already %s by %s", l.decision.PageVersion, l.st.PageID, l.decision.Decision, l.decision.By)
	case !slices.Contains(l.st.Reviewers, d.Reviewer):
		return fmt.Errorf("%q may not review page %s; allowed reviewers: %s", d.Reviewer, l.st.PageID, strings.Join(l.st.Reviewers, ", "))
	case d.PageVersion != l.st.PageVersion:
		return fmt.Errorf("version %d of page %s is not the version under review (%d); review version %d", d.PageVersion, l.st.PageID, l.st.PageVersion, l.st.PageVersion)
	case verdict == "rejected" && strings.TrimSpace(d.Comment) == "":
		return fmt.Errorf("a rejection needs a comment saying what to change")
	}
	return nil
}

func (l *lifecycle) decide(ctx workflow.Context, verdict string, d ReviewDecision) DecisionReceipt {
	l.record(ctx, Decision{Decision: verdict, By: d.Reviewer, Comment: d.Comment, At: workflow.Now(ctx).UTC(), Via: mapping.ReviewTemporal})
	l.wake.SendAsync(true)
	return DecisionReceipt{Round: l.st.Round, PageVersion: l.st.PageVersion, Decision: verdict}
}

func (l *lifecycle) record(ctx workflow.Context, d Decision) {
	d.Round, d.PageVersion = l.st.Round, l.st.PageVersion
	l.decision = &d
	l.st.Decisions = append(l.st.Decisions, d)
	if n := len(l.st.Decisions); n > maxDecisions {
		l.st.Decisions = slices.Clone(l.st.Decisions[n-maxDecisions:])
	}
	l.details(ctx)
}

func (l *lifecycle) lastDecision() Decision {
	if l.decision != nil {
		return *l.decision
	}
	return l.st.Decisions[len(l.st.Decisions)-1]
}

// listen adds the signals (and the Update wake-up) to a selector.
func (l *lifecycle) listen(ctx workflow.Context, sel workflow.Selector) {
	sel.AddReceive(l.submitCh, func(c workflow.ReceiveChannel, _ bool) {
		var r SubmitRequest
		c.Receive(ctx, &r)
		l.onSubmit(r)
	})
	sel.AddReceive(l.withdrawCh, func(c workflow.ReceiveChannel, _ bool) {
		var r WithdrawRequest
		c.Receive(ctx, &r)
		l.onWithdraw(r)
	})
	sel.AddReceive(l.retryCh, func(c workflow.ReceiveChannel, _ bool) {
		var r RetryRequest
		c.Receive(ctx, &r)
		l.onRetry(r)
	})
	sel.AddReceive(l.wake, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil) })
}

// drain handles signals that arrived but were not yet received, so none
// is lost when the run continues as new or ends.
func (l *lifecycle) drain() {
	for {
		var s SubmitRequest
		var w WithdrawRequest
		var r RetryRequest
		switch {
		case l.submitCh.ReceiveAsync(&s):
			l.onSubmit(s)
		case l.withdrawCh.ReceiveAsync(&w):
			l.onWithdraw(w)
		case l.retryCh.ReceiveAsync(&r):
			l.onRetry(r)
		default:
			return
		}
	}
}

func (l *lifecycle) onSubmit(r SubmitRequest) {
	switch {
	case r.Version == l.st.PageVersion && l.st.Round <= 1 && len(l.st.Decisions) == 0:
		// The signal of the SignalWithStart that started this lifecycle
		// (or a repeat of it): the submission under way.
		l.st.Note = fmt.Sprintf("version %d submitted by %s", r.Version, firstNonEmpty(r.By, l.st.SubmittedBy))
	case r.Version <= l.st.PageVersion || r.Version <= l.st.PendingVersion:
		l.st.Note = fmt.Sprintf("submit of version %d ignored: version %d is already submitted (a resubmission needs a newer page version)", r.Version, max(l.st.PageVersion, l.st.PendingVersion))
	case l.st.Stage == StageApproved || l.st.Stage == StageClassifying || l.st.Stage == StageBlocked || l.st.Stage == StageReturned:
		l.st.Note = fmt.Sprintf("submit of version %d ignored: version %d is already approved", r.Version, l.st.PageVersion)
	default:
		l.st.PendingVersion, l.st.SubmittedBy = r.Version, firstNonEmpty(r.By, l.st.SubmittedBy)
		l.st.Note = fmt.Sprintf("version %d submitted by %s", r.Version, r.By)
	}
}

func (l *lifecycle) onWithdraw(r WithdrawRequest) {
	if !l.withdrawable() {
		l.st.Note = fmt.Sprintf("withdraw by %s ignored: the lifecycle is %s", r.By, l.st.Stage)
		return
	}
	l.st.Withdraw = &r
}

func (l *lifecycle) onRetry(r RetryRequest) {
	if l.st.Stage != StageBlocked {
		l.st.Note = fmt.Sprintf("retry by %s ignored: the lifecycle is %s, not Blocked", r.By, l.st.Stage)
		return
	}
	l.st.RetryRequested = true
}

// ---- Plumbing ----

func (l *lifecycle) timer(ctx workflow.Context, at time.Time, want bool, summary string) workflow.Future {
	if !want || at.IsZero() {
		return nil
	}
	d := at.Sub(workflow.Now(ctx))
	if d < time.Millisecond {
		d = time.Millisecond
	}
	return workflow.NewTimerWithOptions(ctx, d, workflow.TimerOptions{Summary: summary})
}

func (l *lifecycle) pollInterval() time.Duration {
	if l.st.Plan.PollInterval > 0 {
		return l.st.Plan.PollInterval
	}
	return mapping.DefaultPollInterval
}

func (l *lifecycle) marker(what string) string {
	return fmt.Sprintf("xecm-bridge:lifecycle:%s:r%d:v%d:%s", l.st.PageID, l.st.Round, l.st.PageVersion, what)
}

func (l *lifecycle) note(ctx workflow.Context, what string, n activities.PageNoteInput) error {
	var conf *activities.ConfluenceActivities
	n.PageID, n.Marker = l.st.PageID, l.marker(what)
	return workflow.ExecuteActivity(confluenceCtx(ctx, "Comment on the page: "+what), conf.PostPageNote, n).Get(ctx, nil)
}

func (l *lifecycle) continueAsNew(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	l.drain()
	st := l.st
	l.logger.Info("Continuing as new", "round", st.Round, "stage", st.Stage)
	return workflow.NewContinueAsNewError(ctx, DocumentLifecycle, LifecycleInput{PageID: st.PageID, RoundsPerRun: l.roundsPerRun, State: &st})
}

// stage moves to a stage and shows it in BridgeStage (one upsert, one
// billable action, per stage change).
func (l *lifecycle) stage(ctx workflow.Context, stage string) {
	l.st.Stage = stage
	l.details(ctx)
	if l.upserted == stage {
		return
	}
	updates := []temporal.SearchAttributeUpdate{StageAttr.ValueSet(stage)}
	if l.upserted == StageDraft || l.upserted == "" {
		updates = append(updates, SpaceAttr.ValueSet(l.st.SpaceKey))
		if l.st.NodeID != 0 {
			updates = append(updates, NodeIDAttr.ValueSet(strconv.FormatInt(l.st.NodeID, 10)))
		}
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		l.logger.Warn("Could not update the stage in visibility", "error", err)
		return
	}
	l.upserted = stage
}

func (l *lifecycle) details(ctx workflow.Context) {
	s := &l.st
	md := fmt.Sprintf("**Stage:** %s  \n**Page:** %s v%d (round %d)", s.Stage, s.PageID, s.PageVersion, s.Round)
	if s.NodeID != 0 {
		md += fmt.Sprintf("  \n**OTCS node:** %d v%d", s.NodeID, s.OTCSVersion)
	}
	if s.Stage == StageReview {
		if s.ProcessID != 0 {
			md += fmt.Sprintf("  \n**OTCS process:** %d", s.ProcessID)
		} else if s.DecideIn == mapping.DecideInConfluence {
			md += "  \n**Reviewers (by page comment):** " + strings.Join(s.Reviewers, ", ")
		} else {
			md += "  \n**Reviewers:** " + strings.Join(s.Reviewers, ", ")
		}
		md += "  \n**Due:** " + s.DeadlineAt.Format(time.RFC3339)
	}
	if n := len(s.Decisions); n > 0 {
		d := s.Decisions[n-1]
		md += fmt.Sprintf("  \n**Last decision:** %s by %s (v%d)", d.Decision, d.By, d.PageVersion)
	}
	if s.Blocked != "" {
		md += "  \n**Blocked:** " + s.Blocked
	}
	if s.Error != "" {
		md += "  \n**Error:** " + s.Error
	}
	workflow.SetCurrentDetails(ctx, md)
}

func (l *lifecycle) finish(ctx workflow.Context) (*LifecycleResult, error) {
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return nil, err
	}
	l.drain()
	s := l.st
	l.logger.Info("Lifecycle ended", "stage", s.Stage, "rounds", s.Round, "nodeId", s.NodeID)
	return &LifecycleResult{PageID: s.PageID, Stage: s.Stage, PageVersion: s.PageVersion, Rounds: s.Round, NodeID: s.NodeID,
		OTCSVersion: s.OTCSVersion, URL: s.URL, SHA256: s.SHA256, Classification: s.Classification, Finalized: s.Finalized,
		Decisions: s.Decisions}, nil
}

func (l *lifecycle) fail(ctx workflow.Context, err error) error {
	l.st.Error = err.Error()
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		l.st.Error = appErr.Type() + ": " + appErr.Message()
	}
	l.stage(ctx, StageFailed)
	l.logger.Error("Lifecycle failed", "error", l.st.Error)
	return err
}

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}
