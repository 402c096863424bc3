package workflows_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// pageComment is a comment on the mocked page, as Confluence reports it.
type pageComment struct {
	author, text string
	at           time.Time
}

// commentsEnv reviews with decide_in: confluence; ReadReviewComments is
// a fake that applies the activity's rules to the comments posted so far
// (the activity itself is tested against the Confluence simulator).
func commentsEnv(t *testing.T) (*lifecycleEnv, *[]pageComment, *[]activities.ReviewCommentsInput) {
	env := newLifecycleEnv(t, mapping.ReviewTemporal)
	env.planFn = func(p *activities.ReviewPlan) {
		p.DecideIn = mapping.DecideInConfluence
		p.Reviewers, p.Deputies = []string{"557058:rev1"}, []string{"557058:dep1"}
		p.PollInterval = 10 * time.Minute
	}
	var comments []pageComment
	var reads []activities.ReviewCommentsInput
	env.OnActivity(conf.ReadReviewComments, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.ReviewCommentsInput) (*activities.ReviewCommentsResult, error) {
			reads = append(reads, in)
			res := &activities.ReviewCommentsResult{}
			for _, c := range comments {
				verdict, text, ok := pages.ParseVerdict(c.text)
				if !ok || c.at.Before(in.Since) {
					continue
				}
				deputy := !in.DeputiesFrom.IsZero() && !c.at.Before(in.DeputiesFrom) && slices.Contains(in.Deputies, c.author)
				if !slices.Contains(in.Reviewers, c.author) && !deputy {
					res.Ignored++
					continue
				}
				res.Decisions = append(res.Decisions, activities.CommentDecision{Decision: verdict, By: c.author, At: c.at, Comment: text, PageVersion: in.PageVersion})
			}
			return res, nil
		}).Maybe()
	return env, &comments, &reads
}

// comment posts a comment on the page after delay (mocked time).
func (env *lifecycleEnv) comment(comments *[]pageComment, delay time.Duration, author, text string) {
	env.RegisterDelayedCallback(func() {
		*comments = append(*comments, pageComment{author: author, text: text, at: env.Now().UTC()})
	}, delay)
}

func TestLifecycleDecideInConfluence(t *testing.T) {
	env, comments, reads := commentsEnv(t)
	env.comment(comments, time.Hour, "557058:mallory", "/approve")
	env.RegisterDelayedCallback(func() {
		st := env.status(t)
		require.Equal(t, workflows.StageReview, st.Stage)
		require.Equal(t, mapping.DecideInConfluence, st.DecideIn)
		require.Empty(t, st.Decisions, "a non-reviewer's comment decides nothing")
	}, 2*time.Hour)
	// An Update cannot assert a reviewer in this mode, not even a real one.
	env.decide(t, 2*time.Hour, workflows.LifecycleApproveUpdate, workflows.ReviewDecision{Reviewer: "557058:rev1", PageVersion: 3},
		"decisions in space POL are taken by a comment in Confluence by the reviewer's own account")
	env.comment(comments, 3*time.Hour, "557058:rev1", "/approve Looks good")
	env.ExecuteWorkflow(workflows.DocumentLifecycle, workflows.LifecycleInput{PageID: "100001", Version: 3, RequestedBy: "557058:alice"})

	res := resultOf[workflows.LifecycleResult](t, env)
	require.Equal(t, workflows.StageReturned, res.Stage)
	require.Len(t, res.Decisions, 1)
	approvedAt := (*comments)[1].at
	d := res.Decisions[0]
	require.Equal(t, activities.VerdictApproved, d.Decision)
	require.Equal(t, "557058:rev1", d.By)
	require.Equal(t, "Looks good", d.Comment)
	require.Equal(t, "confluence", d.Via)
	require.Equal(t, 3, d.PageVersion)
	require.True(t, d.At.Equal(approvedAt), "decided at the comment's time %s, got %s", approvedAt, d.At)

	// The same approval path as an Update: evidence, record, page.
	require.Equal(t, "557058:rev1", env.declared.Page.ApprovedBy)
	require.True(t, env.declared.Page.ApprovedAt.Equal(approvedAt))
	require.Equal(t, "557058:rev1", env.returned.Record.ApprovedBy)
	require.Equal(t, []string{"otcs-approved"}, env.returned.Note.AddLabels)
	// Approved and Classifying pass in seconds: only the stages a run
	// waits in are upserted into BridgeStage.
	require.Equal(t, []string{string(workflows.StageReview), string(workflows.StageReturned)}, env.stages)

	require.NotEmpty(t, *reads)
	in := (*reads)[0]
	require.Equal(t, "100001", in.PageID)
	require.Equal(t, 3, in.PageVersion)
	require.Equal(t, []string{"557058:rev1"}, in.Reviewers)
	require.Equal(t, "557058:bridge", in.BridgeAccount)
	require.False(t, in.Since.IsZero())
	require.True(t, in.DeputiesFrom.IsZero(), "no deputies before the deadline")
	// polled every 10 minutes for some 3 hours, and no longer
	require.InDelta(t, 18, len(*reads), 1)
}

func TestLifecycleDecideInConfluenceDeputyRejects(t *testing.T) {
	env, comments, reads := commentsEnv(t)
	env.OnActivity(otcs.WithdrawDraft, mock.Anything, mock.Anything).Return(nil).Once()
	// A deputy's comment before the deadline decides nothing; after the
	// deadline (72h) a new one does.
	env.comment(comments, 10*time.Hour, "557058:dep1", "reject: too early")
	env.comment(comments, 73*time.Hour, "557058:dep1", "Request changes: name the owner")
	env.RegisterDelayedCallback(func() {
		st := env.status(t)
		require.Equal(t, workflows.StageRejected, st.Stage)
		env.SignalWorkflow(workflows.LifecycleWithdrawSignal, workflows.WithdrawRequest{By: "557058:alice", Reason: "done"})
	}, 80*time.Hour)
	env.ExecuteWorkflow(workflows.DocumentLifecycle, workflows.LifecycleInput{PageID: "100001", Version: 3, RequestedBy: "557058:alice"})

	res := resultOf[workflows.LifecycleResult](t, env)
	require.Equal(t, workflows.StageWithdrawn, res.Stage)
	require.Len(t, res.Decisions, 1)
	require.Equal(t, activities.VerdictRejected, res.Decisions[0].Decision)
	require.Equal(t, "557058:dep1", res.Decisions[0].By)
	require.Equal(t, "name the owner", res.Decisions[0].Comment)
	last := (*reads)[len(*reads)-1]
	require.False(t, last.DeputiesFrom.IsZero())
	var texts []string
	for _, n := range env.notes {
		texts = append(texts, n.Text)
	}
	require.Contains(t, texts, "Changes requested by 557058:dep1 on version 3: name the owner — edit the page and submit it again.")
	require.Contains(t, texts[0], `decide with a comment on this page starting "approve"`, "the reminder says how to decide")
}
