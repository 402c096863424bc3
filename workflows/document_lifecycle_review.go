package workflows

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// readComments takes a decision from the page comments, if a reviewer's
// account commented one (decide_in: confluence). The decider is the
// comment's author as Confluence reports it.
func (l *lifecycle) readComments(ctx workflow.Context) error {
	var conf *pages.ConfluenceActivities
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
