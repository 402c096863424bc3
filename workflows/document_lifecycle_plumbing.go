package workflows

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

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

// nextReviewTimer is the run's one review timer: to the reminder
// while it is due, then to the deadline (nil when both are done).
func (l *lifecycle) nextReviewTimer(ctx workflow.Context) workflow.Future {
	if !l.st.Reminded && !l.st.ReminderAt.IsZero() && l.st.ReminderAt.Before(l.st.DeadlineAt) {
		return l.timer(ctx, l.st.ReminderAt, true, "Review reminder")
	}
	return l.timer(ctx, l.st.DeadlineAt, !l.st.Escalated, "Review deadline: escalate to deputies")
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
	var conf *pages.ConfluenceActivities
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
func (l *lifecycle) stage(ctx workflow.Context, stage Stage) {
	l.st.Stage = stage
	l.details(ctx)
	if l.upserted == stage || passingStage(stage) {
		return
	}
	updates := []temporal.SearchAttributeUpdate{StageAttr.ValueSet(string(stage))}
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

// passingStage is a stage a run passes through in seconds without waiting
// (shown in the current details only, not in BridgeStage: fewer billable
// actions).
func passingStage(stage Stage) bool {
	return stage == StageDraft || stage == StageApproved || stage == StageClassifying
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
	l.st.Error = DescribeFailure(err)
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
