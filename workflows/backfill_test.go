package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/triggers"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

var backfillActs *triggers.BackfillActivities

// fakeSpace serves batches of decisions to the mocked BackfillBatch; its
// cursor is the number of batches served.
type fakeSpace struct {
	batches [][]activities.BackfillDecision
	inputs  []activities.BackfillBatchInput
}

func (s *fakeSpace) list(_ context.Context, in activities.BackfillBatchInput) (*activities.BackfillBatch, error) {
	s.inputs = append(s.inputs, in)
	i := 0
	if in.After.PageID != "" {
		i, _ = strconv.Atoi(in.After.PageID)
	}
	if i >= len(s.batches) {
		return &activities.BackfillBatch{Next: in.After}, nil
	}
	return &activities.BackfillBatch{Pages: s.batches[i], Next: activities.BackfillCursor{PageID: strconv.Itoa(i + 1)}, More: i+1 < len(s.batches)}, nil
}

// decisions are decisions for the given flow, one per page id, at version 1.
func decisions(flow activities.Flow, ids ...string) []activities.BackfillDecision {
	out := make([]activities.BackfillDecision, len(ids))
	for i, id := range ids {
		out[i] = activities.BackfillDecision{PageID: id, Title: "Page " + id, Version: 1, Flow: flow, Reason: "label \"approved\""}
	}
	return out
}

// children runs mocked PublishPage and FileRecord runs that take a while
// and keeps count of how many run at once.
type children struct {
	running, most int
	started       []time.Duration // start times, from the test's start
	t0            time.Time
	fail          map[string]bool // page ids whose flow fails
}

func (c *children) run(ctx workflow.Context, in workflows.PublishPageInput) (*workflows.PublishPageResult, error) {
	if c.t0.IsZero() {
		c.t0 = workflow.Now(ctx)
	}
	c.started = append(c.started, workflow.Now(ctx).Sub(c.t0))
	c.running++
	c.most = max(c.most, c.running)
	defer func() { c.running-- }()
	if err := workflow.Sleep(ctx, time.Minute+time.Duration(len(in.PageID))*time.Second); err != nil {
		return nil, err
	}
	if c.fail[in.PageID] {
		return nil, activities.NonRetryable(activities.TypeNotApproved, "%s", "not approved")
	}
	return &workflows.PublishPageResult{PageID: in.PageID, PageVersion: in.Version}, nil
}

// newBackfillEnv runs Backfill against the fake space; the children are
// registered under the flows' names rather than mocked, because the test
// environment reports a mocked child started only once it has finished.
func newBackfillEnv(t *testing.T, space *fakeSpace, kids *children) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(backfillActs)
	env.RegisterWorkflow(workflows.Backfill)
	env.RegisterWorkflowWithOptions(kids.run, workflow.RegisterOptions{Name: "PublishPage"})
	env.RegisterWorkflowWithOptions(kids.run, workflow.RegisterOptions{Name: "FileRecord"})
	env.OnActivity(backfillActs.BackfillBatch, mock.Anything, mock.Anything).Return(space.list)
	return env
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i+1)
	}
	return out
}

func TestBackfillNeverRunsMoreThanConcurrencyFlows(t *testing.T) {
	space := &fakeSpace{batches: [][]activities.BackfillDecision{
		decisions(activities.FlowPublish, ids("1", 8)...),
		append(decisions(activities.FlowFile, ids("2", 5)...), decisions(activities.FlowPublish, ids("3", 4)...)...),
	}}
	kids := &children{}
	env := newBackfillEnv(t, space, kids)

	env.ExecuteWorkflow(workflows.Backfill, workflows.BackfillInput{SpaceKey: "POL", Concurrency: 3})
	res := resultOf[workflows.BackfillProgress](t, env)
	require.Equal(t, 3, kids.most, "never more than --concurrency flows at once, and the bound is used")
	require.Len(t, kids.started, 17)
	require.Equal(t, 17, res.Total)
	require.Equal(t, 12, res.Published)
	require.Equal(t, 5, res.Filed)
	require.Equal(t, 2, res.Batches)
	require.Equal(t, workflows.BackfillDone, res.State)
	require.Zero(t, res.InFlight)
	// The second batch starts after the first one was fully scheduled.
	require.Equal(t, "1", space.inputs[1].After.PageID)
}

func TestBackfillPauseStopsNewStartsUntilResume(t *testing.T) {
	space := &fakeSpace{batches: [][]activities.BackfillDecision{decisions(activities.FlowPublish, ids("1", 6)...), decisions(activities.FlowPublish, ids("2", 3)...)}}
	kids := &children{}
	env := newBackfillEnv(t, space, kids)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.BackfillPauseSignal, nil) }, time.Second)
	var paused workflows.BackfillProgress
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(workflows.BackfillProgressQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&paused))
	}, 10*time.Minute)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.BackfillResumeSignal, nil) }, 30*time.Minute)

	env.ExecuteWorkflow(workflows.Backfill, workflows.BackfillInput{SpaceKey: "POL", Concurrency: 2})
	res := resultOf[workflows.BackfillProgress](t, env)
	require.Equal(t, workflows.BackfillPaused, paused.State)
	require.Zero(t, paused.InFlight, "the flows in flight at the pause finished")
	require.Equal(t, 2, paused.Published)
	for _, at := range kids.started {
		if at > time.Second && at < 30*time.Minute {
			t.Fatalf("a flow started at %s, while the backfill was paused", at)
		}
	}
	require.Equal(t, 9, res.Published)
	require.Equal(t, workflows.BackfillDone, res.State)
}

func TestBackfillContinuesAsNewWithCursorAndCounters(t *testing.T) {
	space := &fakeSpace{batches: [][]activities.BackfillDecision{
		append(decisions(activities.FlowPublish, "11", "12"), activities.BackfillDecision{PageID: "13", Version: 4, Flow: activities.FlowNone, Reason: "already recorded at v4", SkipKind: activities.SkipRecorded, Recorded: true}),
		decisions(activities.FlowPublish, "21"),
	}}
	kids := &children{}
	env := newBackfillEnv(t, space, kids)
	env.SetContinueAsNewSuggested(true)
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	env.ExecuteWorkflow(workflows.Backfill, workflows.BackfillInput{SpaceKey: "POL", Since: since, Concurrency: 2})

	require.True(t, env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(env.GetWorkflowError(), &can), "got %v", env.GetWorkflowError())
	var next workflows.BackfillInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Equal(t, "POL", next.SpaceKey)
	require.True(t, next.Since.Equal(since))
	require.False(t, next.Until.IsZero(), "the first run fixes the end of the backfill")
	require.Equal(t, 2, next.Concurrency)
	require.NotNil(t, next.Progress)
	require.Equal(t, "1", next.Progress.Cursor.PageID)
	require.Equal(t, 3, next.Progress.Total)
	require.Equal(t, 2, next.Progress.Published, "flows in flight finished before continuing as new")
	require.Equal(t, 1, next.Progress.AlreadyRecorded)
	require.Equal(t, 1, next.Progress.Runs)
	require.Zero(t, next.Progress.InFlight)

	// The next run starts after the cursor and adds to the counters.
	env2 := newBackfillEnv(t, space, kids)
	env2.ExecuteWorkflow(workflows.Backfill, next)
	res := resultOf[workflows.BackfillProgress](t, env2)
	require.Equal(t, "1", space.inputs[len(space.inputs)-1].After.PageID)
	require.True(t, space.inputs[len(space.inputs)-1].Until.Equal(next.Until))
	require.Equal(t, 4, res.Total)
	require.Equal(t, 3, res.Published)
	require.Equal(t, 2, res.Batches)
	require.Equal(t, 1, res.Runs)
}

func TestBackfillContinuesAsNewOnALongHistory(t *testing.T) {
	space := &fakeSpace{batches: [][]activities.BackfillDecision{decisions(activities.FlowPublish, "1"), decisions(activities.FlowPublish, "2")}}
	env := newBackfillEnv(t, space, &children{})
	env.SetCurrentHistoryLength(4001)
	env.ExecuteWorkflow(workflows.Backfill, workflows.BackfillInput{SpaceKey: "POL"})
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(env.GetWorkflowError(), &can), "got %v", env.GetWorkflowError())
}

func TestBackfillCarriesAPauseOverContinueAsNew(t *testing.T) {
	space := &fakeSpace{batches: [][]activities.BackfillDecision{decisions(activities.FlowPublish, "1"), decisions(activities.FlowPublish, "2")}}
	env := newBackfillEnv(t, space, &children{})
	env.SetContinueAsNewSuggested(true)
	// Sent while the first flow runs: taken before continuing as new.
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.BackfillPauseSignal, nil) }, time.Second)
	env.ExecuteWorkflow(workflows.Backfill, workflows.BackfillInput{SpaceKey: "POL"})
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(env.GetWorkflowError(), &can), "got %v", env.GetWorkflowError())
	var next workflows.BackfillInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Equal(t, workflows.BackfillPaused, next.Progress.State)
}

func TestBackfillDryRunStartsNothing(t *testing.T) {
	space := &fakeSpace{batches: [][]activities.BackfillDecision{{
		{PageID: "1", Version: 2, Flow: activities.FlowPublish, Reason: `label "approved"`},
		{PageID: "2", Version: 1, Flow: activities.FlowFile, Reason: "record rule Meeting Notes"},
		{PageID: "3", Version: 1, Flow: activities.FlowReview, Reason: `label "in-review" (submitted for review)`},
		{PageID: "4", Version: 3, Flow: activities.FlowNone, Reason: "EditedAfterApproval: page 4 ...", SkipKind: "EditedAfterApproval (approval signal would be removed)"},
		{PageID: "5", Version: 1, Flow: activities.FlowNone, Reason: `no "approved" label and no record rule matches`, SkipKind: `no "approved" label and no record rule matches`},
		{PageID: "6", Version: 1, Flow: activities.FlowNone, Reason: `no "approved" label and no record rule matches`, SkipKind: `no "approved" label and no record rule matches`},
	}}}
	kids := &children{}
	env := newBackfillEnv(t, space, kids)
	submits := 0
	env.OnActivity(backfillActs.BackfillSubmit, mock.Anything, mock.Anything).Return(func(context.Context, activities.BackfillSubmitInput) (*activities.BackfillSubmitResult, error) {
		submits++
		return &activities.BackfillSubmitResult{}, nil
	}).Maybe()

	env.ExecuteWorkflow(workflows.Backfill, workflows.BackfillInput{SpaceKey: "POL", DryRun: true})
	res := resultOf[workflows.BackfillProgress](t, env)
	require.Empty(t, kids.started, "a dry run starts no flow")
	require.Zero(t, submits, "a dry run submits nothing")
	require.True(t, space.inputs[0].DryRun, "the decisions are made without side effects")
	require.True(t, res.DryRun)
	require.Equal(t, 6, res.Total)
	require.Equal(t, 1, res.Published)
	require.Equal(t, 1, res.Filed)
	require.Equal(t, 1, res.Submitted)
	require.Equal(t, 3, res.Skipped)
	require.Equal(t, []workflows.BackfillReason{
		{Reason: "EditedAfterApproval (approval signal would be removed)", Pages: 1},
		{Reason: `no "approved" label and no record rule matches`, Pages: 2},
	}, res.SkippedBy)
	require.Len(t, res.SkippedPages, 3)
}

func TestBackfillCountsAFailedFlowAndGoesOn(t *testing.T) {
	space := &fakeSpace{batches: [][]activities.BackfillDecision{decisions(activities.FlowPublish, "1", "2", "3"), decisions(activities.FlowPublish, "4")}}
	kids := &children{fail: map[string]bool{"2": true}}
	env := newBackfillEnv(t, space, kids)
	env.ExecuteWorkflow(workflows.Backfill, workflows.BackfillInput{SpaceKey: "POL"})
	res := resultOf[workflows.BackfillProgress](t, env)
	require.Equal(t, 4, res.Total)
	require.Equal(t, 3, res.Published)
	require.Equal(t, 1, res.Failed)
	require.Equal(t, []string{workflows.PublishPageWorkflowID("2", 1)}, res.FailedIDs)
}

func TestBackfillCountsAnAlreadyStartedFlow(t *testing.T) {
	// Listed twice while its run is going (a webhook's run, as far as the
	// second start can tell): one run.
	space := &fakeSpace{batches: [][]activities.BackfillDecision{decisions(activities.FlowPublish, "1", "1")}}
	kids := &children{}
	env := newBackfillEnv(t, space, kids)
	env.ExecuteWorkflow(workflows.Backfill, workflows.BackfillInput{SpaceKey: "POL", Concurrency: 2})
	res := resultOf[workflows.BackfillProgress](t, env)
	require.Equal(t, 1, res.Published)
	require.Equal(t, 1, res.AlreadyStarted, "a running run of the same id is not started again")
	require.Len(t, kids.started, 1)

	// One at a time: page 1's run has completed and page 2's has failed
	// when they come up again; only the failed one runs again.
	space = &fakeSpace{batches: [][]activities.BackfillDecision{decisions(activities.FlowPublish, "1", "2", "1", "2")}}
	kids = &children{fail: map[string]bool{"2": true}}
	env = newBackfillEnv(t, space, kids)
	env.ExecuteWorkflow(workflows.Backfill, workflows.BackfillInput{SpaceKey: "POL", Concurrency: 1})
	res = resultOf[workflows.BackfillProgress](t, env)
	require.Equal(t, 4, res.Total)
	require.Equal(t, 1, res.Published)
	require.Equal(t, 1, res.AlreadyStarted, "a completed run of the same id is not started again")
	require.Equal(t, 2, res.Failed, "a failed run of the same id is started again")
	require.Len(t, kids.started, 3)
}

func TestBackfillSubmitsReviewsThroughTheActivity(t *testing.T) {
	space := &fakeSpace{batches: [][]activities.BackfillDecision{decisions(activities.FlowReview, "1", "2")}}
	env := newBackfillEnv(t, space, &children{})
	env.OnActivity(backfillActs.BackfillSubmit, mock.Anything, activities.BackfillSubmitInput{PageID: "1", Version: 1, RequestedBy: "backfill"}).
		Return(&activities.BackfillSubmitResult{WorkflowID: "lifecycle:1"}, nil).Once()
	env.OnActivity(backfillActs.BackfillSubmit, mock.Anything, activities.BackfillSubmitInput{PageID: "2", Version: 1, RequestedBy: "backfill"}).
		Return(&activities.BackfillSubmitResult{WorkflowID: "lifecycle:2", Existing: true}, nil).Once()
	env.ExecuteWorkflow(workflows.Backfill, workflows.BackfillInput{SpaceKey: "POL"})
	res := resultOf[workflows.BackfillProgress](t, env)
	require.Equal(t, 1, res.Submitted)
	require.Equal(t, 1, res.AlreadyStarted)
	env.AssertExpectations(t)
}

func TestBackfillCancelStopsStartingFlows(t *testing.T) {
	space := &fakeSpace{batches: [][]activities.BackfillDecision{decisions(activities.FlowPublish, ids("1", 9)...)}}
	kids := &children{}
	env := newBackfillEnv(t, space, kids)
	env.RegisterDelayedCallback(env.CancelWorkflow, 90*time.Second)
	env.ExecuteWorkflow(workflows.Backfill, workflows.BackfillInput{SpaceKey: "POL", Concurrency: 2})
	require.True(t, env.IsWorkflowCompleted())
	require.True(t, temporal.IsCanceledError(env.GetWorkflowError()), "got %v", env.GetWorkflowError())
	require.GreaterOrEqual(t, len(kids.started), 2)
	for _, at := range kids.started {
		require.LessOrEqual(t, at, 90*time.Second, "a flow started after the cancel")
	}
	v, err := env.QueryWorkflow(workflows.BackfillProgressQuery)
	require.NoError(t, err)
	var p workflows.BackfillProgress
	require.NoError(t, v.Get(&p))
	require.Equal(t, workflows.BackfillCancelled, p.State)
}
