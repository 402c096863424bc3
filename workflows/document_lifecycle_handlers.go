package workflows

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// Handler names of DocumentLifecycle (the starter CLI uses them).
const (
	LifecycleSubmitSignal   = "submit"   // SubmitRequest: a (new) page version is submitted
	LifecycleWithdrawSignal = "withdraw" // WithdrawRequest: the author cancels the review
	LifecycleRetrySignal    = "retry"    // RetryRequest: an operator released a hold; declare again
	LifecycleApproveUpdate  = "approve"  // ReviewDecision → DecisionReceipt
	LifecycleRejectUpdate   = "reject"   // ReviewDecision → DecisionReceipt
)

// startLifecycle sets a run up from its input (or the carried-over state)
// and registers the status query and the approve/reject Updates before the
// first stage runs, so no early Update or query is refused.
func startLifecycle(ctx workflow.Context, in LifecycleInput) (*lifecycle, error) {
	if in.PageID == "" {
		return nil, activities.NonRetryable(activities.TypeInvalidInput, "page id is required")
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
	for _, u := range []struct {
		name    string
		verdict activities.Verdict
	}{{LifecycleApproveUpdate, activities.VerdictApproved}, {LifecycleRejectUpdate, activities.VerdictRejected}} {
		name, verdict := u.name, u.verdict
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

// validate is the Update validator: it reads state only, so a refused
// decision leaves no trace in the history.
func (l *lifecycle) validate(verdict activities.Verdict, d ReviewDecision) error {
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
	case verdict == activities.VerdictRejected && strings.TrimSpace(d.Comment) == "":
		return fmt.Errorf("a rejection needs a comment saying what to change")
	}
	return nil
}

func (l *lifecycle) decide(ctx workflow.Context, verdict activities.Verdict, d ReviewDecision) DecisionReceipt {
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

func (l *lifecycle) withdrawable() bool {
	switch l.st.Stage {
	case StageDraft, StageReview, StageRejected, StageBlocked:
		return true
	}
	return false
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
