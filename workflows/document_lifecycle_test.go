package workflows_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

func reviewPlan(mode string) activities.ReviewPlan {
	return activities.ReviewPlan{
		Mode: mode, Reviewers: []string{"reviewer1"}, Deputies: []string{"deputy1"}, WorkflowMap: 5001,
		Deadline: 72 * time.Hour, Reminder: 24 * time.Hour, PollInterval: 10 * time.Second,
		Meaning: "Approved for release", SubmitLabel: "in-review", ChangesLabel: "changes-requested", ApprovedLabel: "otcs-approved",
		ReadOnly: true, OwnersGroup: "records-admins", BridgeAccount: "557058:bridge",
	}
}

// lifecycleEnv mocks the lifecycle's activities; every page version is
// stored as OTCS version == page version on node 40001.
type lifecycleEnv struct {
	*testsuite.TestWorkflowEnvironment
	notes    []activities.PageNoteInput
	returned *activities.ReturnInput
	declared *activities.DeclareInput
	stages   []string
	// overridable behaviour
	onNote    func(activities.PageNoteInput)
	declareFn func(activities.DeclareInput) (*activities.DeclareResult, error)
	checkErr  error
	planFn    func(*activities.ReviewPlan) // changes the space's review plan
}

func newLifecycleEnv(t *testing.T, mode string) *lifecycleEnv {
	var s testsuite.WorkflowTestSuite
	env := &lifecycleEnv{TestWorkflowEnvironment: s.NewTestWorkflowEnvironment()}
	env.RegisterActivity(conf)
	env.RegisterActivity(otcs)
	env.RegisterWorkflow(workflows.DocumentLifecycle)
	env.OnActivity(conf.SnapshotForReview, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.SnapshotInput) (*activities.ReviewSnapshot, error) {
			p := snapshot()
			p.Version = in.Version
			plan := reviewPlan(mode)
			if env.planFn != nil {
				env.planFn(&plan)
			}
			return &activities.ReviewSnapshot{Page: *p, Plan: plan}, nil
		}).Maybe()
	env.OnActivity(otcs.UploadRendition, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.UploadInput) (*activities.UploadResult, error) {
			if !in.Verify {
				t.Error("a new lifecycle run verifies the draft inside the upload")
			}
			return &activities.UploadResult{NodeID: 40001, Version: in.Page.Version, SHA256: "sha-v" + itoa(in.Page.Version), Size: 10, URL: "http://otcs/app/nodes/40001"}, nil
		}).Maybe()
	env.OnActivity(conf.PostPageNote, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		n := args.Get(1).(activities.PageNoteInput)
		env.notes = append(env.notes, n)
		if env.onNote != nil {
			env.onNote(n)
		}
	}).Return(nil).Maybe()
	env.OnActivity(conf.CheckPage, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.CheckPageInput) (int, error) { return in.Version, env.checkErr }).Maybe()
	env.OnActivity(otcs.DeclareRecord, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.DeclareInput) (*activities.DeclareResult, error) {
			if env.declareFn != nil {
				return env.declareFn(in)
			}
			env.declared = &in
			return &activities.DeclareResult{NodeID: in.NodeID, FolderID: 2001, Classification: "POL-01 Policies", Official: true, Finalized: true}, nil
		}).Maybe()
	env.OnActivity(conf.ReturnToPage, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		in := args.Get(1).(activities.ReturnInput)
		env.returned = &in
	}).Return(nil).Maybe()
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		if st, ok := sa.GetKeyword(workflows.StageAttr); ok {
			env.stages = append(env.stages, st)
		}
	}).Return(nil).Maybe()
	t.Cleanup(func() { env.AssertExpectations(t) })
	return env
}

func itoa(n int) string { return strconv.Itoa(n) }

// decide sends an approve/reject Update after delay and checks that it was
// accepted (or refused with wantErr in the message).
func (env *lifecycleEnv) decide(t *testing.T, delay time.Duration, name string, d workflows.ReviewDecision, wantErr string) {
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {
				if wantErr != "" {
					t.Errorf("%s by %s accepted, want refusal %q", name, d.Reviewer, wantErr)
				}
			},
			OnReject: func(err error) {
				if wantErr == "" || !strings.Contains(err.Error(), wantErr) {
					t.Errorf("%s by %s refused: %v (want %q)", name, d.Reviewer, err, wantErr)
				}
			},
			OnComplete: func(any, error) {},
		}, d)
	}, delay)
}

func (env *lifecycleEnv) status(t *testing.T) workflows.LifecycleState {
	v, err := env.QueryWorkflow(workflows.StatusQuery)
	require.NoError(t, err)
	var st workflows.LifecycleState
	require.NoError(t, v.Get(&st))
	return st
}

func TestLifecycleApprove(t *testing.T) {
	env := newLifecycleEnv(t, mapping.ReviewTemporal)
	env.RegisterDelayedCallback(func() {
		st := env.status(t)
		require.Equal(t, workflows.StageReview, st.Stage)
		require.Equal(t, 3, st.PageVersion)
		require.Equal(t, []string{"reviewer1"}, st.Reviewers)
		require.Equal(t, int64(40001), st.NodeID)
		require.Equal(t, st.ReviewOpened.Add(72*time.Hour), st.DeadlineAt)
	}, time.Hour)
	// Refused without a trace: wrong reviewer, stale version, missing comment.
	env.decide(t, 2*time.Hour, workflows.LifecycleApproveUpdate, workflows.ReviewDecision{Reviewer: "mallory", PageVersion: 3}, `"mallory" may not review page 100001`)
	env.decide(t, 2*time.Hour, workflows.LifecycleApproveUpdate, workflows.ReviewDecision{Reviewer: "reviewer1", PageVersion: 2}, "version 2 of page 100001 is not the version under review (3)")
	env.decide(t, 2*time.Hour, workflows.LifecycleRejectUpdate, workflows.ReviewDecision{Reviewer: "reviewer1", PageVersion: 3}, "needs a comment")
	env.decide(t, 3*time.Hour, workflows.LifecycleApproveUpdate, workflows.ReviewDecision{Reviewer: "reviewer1", PageVersion: 3, Comment: "Looks good"}, "")
	env.ExecuteWorkflow(workflows.DocumentLifecycle, workflows.LifecycleInput{PageID: "100001", Version: 3, RequestedBy: "557058:alice"})

	res := resultOf[workflows.LifecycleResult](t, env)
	require.Equal(t, workflows.StageReturned, res.Stage)
	require.Equal(t, 1, res.Rounds)
	require.True(t, res.Finalized)
	require.Len(t, res.Decisions, 1)
	require.Equal(t, "reviewer1", res.Decisions[0].By)
	require.Equal(t, "Looks good", res.Decisions[0].Comment)

	require.NotNil(t, env.declared)
	require.Equal(t, mapping.RulePublish, env.declared.Page.Rule)
	require.Equal(t, "reviewer1", env.declared.Page.ApprovedBy)
	require.Equal(t, "Approved", env.declared.Page.ApprovalStatus)
	require.Equal(t, "sha-v3", env.declared.SHA256)
	require.False(t, env.declared.Page.ApprovedAt.IsZero())

	require.NotNil(t, env.returned)
	require.Equal(t, int64(40001), env.returned.Record.RecordID)
	require.Equal(t, 3, env.returned.Record.PageVersion)
	require.Equal(t, "reviewer1", env.returned.Record.ApprovedBy)
	require.Equal(t, []string{"otcs-approved"}, env.returned.Note.AddLabels)
	require.Equal(t, []string{"in-review", "changes-requested"}, env.returned.Note.RemoveLabels)
	require.Equal(t, []string{"557058:bridge"}, env.returned.RestrictTo)
	require.Equal(t, []string{"records-admins"}, env.returned.RestrictToGr)
	// Approved and Classifying pass in seconds: only the stages a run
	// waits in are upserted into BridgeStage.
	require.Equal(t, []string{string(workflows.StageReview), string(workflows.StageReturned)}, env.stages)
	require.Empty(t, env.notes, "no reminder before the approval")
}

func TestLifecycleRejectResubmitApprove(t *testing.T) {
	env := newLifecycleEnv(t, mapping.ReviewTemporal)
	env.decide(t, time.Hour, workflows.LifecycleRejectUpdate, workflows.ReviewDecision{Reviewer: "reviewer1", PageVersion: 3, Comment: "Add the retention table"}, "")
	env.RegisterDelayedCallback(func() {
		st := env.status(t)
		require.Equal(t, workflows.StageRejected, st.Stage)
		// the same version again is not a resubmission (the bridge's own
		// labels and comments never make a new version)
		env.SignalWorkflow(workflows.LifecycleSubmitSignal, workflows.SubmitRequest{Version: 3, By: "557058:alice"})
	}, 2*time.Hour)
	env.decide(t, 3*time.Hour, workflows.LifecycleApproveUpdate, workflows.ReviewDecision{Reviewer: "reviewer1", PageVersion: 3}, "no review is open")
	env.RegisterDelayedCallback(func() {
		require.Equal(t, workflows.StageRejected, env.status(t).Stage)
		env.SignalWorkflow(workflows.LifecycleSubmitSignal, workflows.SubmitRequest{Version: 4, By: "557058:alice"})
	}, 4*time.Hour)
	env.decide(t, 5*time.Hour, workflows.LifecycleApproveUpdate, workflows.ReviewDecision{Reviewer: "reviewer1", PageVersion: 3}, "not the version under review (4)")
	env.decide(t, 6*time.Hour, workflows.LifecycleApproveUpdate, workflows.ReviewDecision{Reviewer: "reviewer1", PageVersion: 4, Comment: "ok"}, "")
	env.ExecuteWorkflow(workflows.DocumentLifecycle, workflows.LifecycleInput{PageID: "100001", Version: 3, RequestedBy: "557058:alice"})

	res := resultOf[workflows.LifecycleResult](t, env)
	require.Equal(t, 2, res.Rounds)
	require.Equal(t, 4, res.PageVersion)
	require.Equal(t, 4, res.OTCSVersion)
	require.Len(t, res.Decisions, 2)
	require.Equal(t, activities.VerdictRejected, res.Decisions[0].Decision)
	require.Equal(t, activities.VerdictApproved, res.Decisions[1].Decision)
	require.Len(t, env.notes, 1)
	n := env.notes[0]
	require.Contains(t, n.Text, "Add the retention table")
	require.Equal(t, []string{"changes-requested"}, n.AddLabels)
	require.Equal(t, []string{"in-review"}, n.RemoveLabels)
	require.Equal(t, "xecm-bridge:lifecycle:100001:r1:v3:rejected", n.Marker)
	require.Equal(t, "sha-v4", env.declared.SHA256)
	require.Equal(t, []string{string(workflows.StageReview), string(workflows.StageRejected), string(workflows.StageReview), string(workflows.StageReturned)}, env.stages)
}

func TestLifecycleReminderAndEscalation(t *testing.T) {
	env := newLifecycleEnv(t, mapping.ReviewTemporal)
	var start time.Time
	var noteTimes []time.Duration
	env.onNote = func(activities.PageNoteInput) { noteTimes = append(noteTimes, env.Now().Sub(start)) }
	env.RegisterDelayedCallback(func() { start = env.status(t).ReviewOpened }, time.Minute)
	// A deputy is refused before the deadline and accepted after it.
	env.decide(t, 10*time.Hour, workflows.LifecycleApproveUpdate, workflows.ReviewDecision{Reviewer: "deputy1", PageVersion: 3}, "may not review")
	env.decide(t, 73*time.Hour, workflows.LifecycleApproveUpdate, workflows.ReviewDecision{Reviewer: "deputy1", PageVersion: 3, Comment: "as deputy"}, "")
	env.RegisterDelayedCallback(func() {
		st := env.status(t)
		require.True(t, st.Reminded)
		require.True(t, st.Escalated)
		require.Equal(t, []string{"reviewer1", "deputy1"}, st.Reviewers)
	}, 72*time.Hour+30*time.Minute)
	env.ExecuteWorkflow(workflows.DocumentLifecycle, workflows.LifecycleInput{PageID: "100001", Version: 3})

	res := resultOf[workflows.LifecycleResult](t, env)
	require.Equal(t, "deputy1", res.Decisions[0].By)
	require.Len(t, env.notes, 2)
	require.Contains(t, env.notes[0].Text, "Reminder")
	require.Equal(t, 48*time.Hour, noteTimes[0].Round(time.Minute), "reminder 24h before the 72h deadline")
	require.Contains(t, env.notes[1].Text, "deputy1 may now approve")
	require.Equal(t, 72*time.Hour, noteTimes[1].Round(time.Minute))
}

func TestLifecycleWithdrawInOTCSMode(t *testing.T) {
	env := newLifecycleEnv(t, mapping.ReviewOTCS)
	env.OnActivity(otcs.StartReviewProcess, mock.Anything, mock.MatchedBy(func(in activities.StartReviewInput) bool {
		return in.MapID == 5001 && in.NodeID == 40001
	})).Return(int64(9001), nil).Once()
	env.OnActivity(otcs.PollReviewProcess, mock.Anything, int64(9001)).Return(&activities.ReviewProcessState{Status: "ontime", CurrentStep: "Review"}, nil)
	var withdrawn activities.WithdrawInput
	env.OnActivity(otcs.WithdrawDraft, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		withdrawn = args.Get(1).(activities.WithdrawInput)
	}).Return(nil).Once()
	// Temporal decisions are refused in OTCS mode.
	env.decide(t, time.Minute, workflows.LifecycleApproveUpdate, workflows.ReviewDecision{Reviewer: "reviewer1", PageVersion: 3}, "reviewed in OTCS workflow process 9001")
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.LifecycleWithdrawSignal, workflows.WithdrawRequest{By: "557058:alice", Reason: "superseded"})
	}, 5*time.Minute)
	env.ExecuteWorkflow(workflows.DocumentLifecycle, workflows.LifecycleInput{PageID: "100001", Version: 3})

	res := resultOf[workflows.LifecycleResult](t, env)
	require.Equal(t, workflows.StageWithdrawn, res.Stage)
	require.Equal(t, int64(40001), withdrawn.NodeID)
	require.Equal(t, int64(9001), withdrawn.ProcessID)
	require.Contains(t, withdrawn.Note, "withdrawn by 557058:alice")
	require.Contains(t, withdrawn.Note, "Not declared")
	require.Nil(t, env.declared, "nothing declared")
	require.Len(t, env.notes, 1)
	require.Contains(t, env.notes[0].Text, "withdrawn")
}

func TestLifecycleOTCSModeRejectThenApprove(t *testing.T) {
	env := newLifecycleEnv(t, mapping.ReviewOTCS)
	env.OnActivity(otcs.StartReviewProcess, mock.Anything, mock.Anything).Return(int64(9001), nil).Once()
	env.OnActivity(otcs.StartReviewProcess, mock.Anything, mock.Anything).Return(int64(9002), nil).Once()
	env.OnActivity(otcs.PollReviewProcess, mock.Anything, int64(9001)).Return(&activities.ReviewProcessState{Status: "ontime"}, nil).Twice()
	env.OnActivity(otcs.PollReviewProcess, mock.Anything, int64(9001)).Return(&activities.ReviewProcessState{Status: "completed", Done: true, By: "reviewer1", Comment: "fix section 2"}, nil).Once()
	env.OnActivity(otcs.PollReviewProcess, mock.Anything, int64(9002)).Return(&activities.ReviewProcessState{Status: "completed", Done: true, Approved: true, By: "reviewer1"}, nil).Once()
	env.RegisterDelayedCallback(func() {
		require.Equal(t, workflows.StageRejected, env.status(t).Stage)
		env.SignalWorkflow(workflows.LifecycleSubmitSignal, workflows.SubmitRequest{Version: 4})
	}, time.Hour)
	env.ExecuteWorkflow(workflows.DocumentLifecycle, workflows.LifecycleInput{PageID: "100001", Version: 3})
	res := resultOf[workflows.LifecycleResult](t, env)
	require.Equal(t, workflows.StageReturned, res.Stage)
	require.Equal(t, "otcs", res.Decisions[1].Via)
	require.Contains(t, env.notes[0].Text, "fix section 2")
}

func TestLifecycleBlockedByHoldWaitsForRetry(t *testing.T) {
	env := newLifecycleEnv(t, mapping.ReviewTemporal)
	calls := 0
	env.declareFn = func(in activities.DeclareInput) (*activities.DeclareResult, error) {
		calls++
		if calls == 1 {
			return nil, activities.NonRetryable(activities.TypeRecordOnHold, "%s", `OTCS node 40001 is on hold "Litigation Hold 2026-01" (8001)`)
		}
		return &activities.DeclareResult{NodeID: 40001, Finalized: true}, nil
	}
	env.decide(t, time.Hour, workflows.LifecycleApproveUpdate, workflows.ReviewDecision{Reviewer: "reviewer1", PageVersion: 3}, "")
	env.RegisterDelayedCallback(func() {
		st := env.status(t)
		require.Equal(t, workflows.StageBlocked, st.Stage)
		require.Contains(t, st.Blocked, "Litigation Hold 2026-01")
		env.SignalWorkflow(workflows.LifecycleRetrySignal, workflows.RetryRequest{By: "operator"})
	}, 2*time.Hour)
	env.ExecuteWorkflow(workflows.DocumentLifecycle, workflows.LifecycleInput{PageID: "100001", Version: 3})
	res := resultOf[workflows.LifecycleResult](t, env)
	require.Equal(t, workflows.StageReturned, res.Stage)
	require.Equal(t, 2, calls)
	require.Contains(t, env.stages, string(workflows.StageBlocked))
}

func TestLifecyclePageDeletedDuringReviewFails(t *testing.T) {
	env := newLifecycleEnv(t, mapping.ReviewTemporal)
	env.checkErr = activities.NonRetryable(activities.TypePageNotFound, "%s", "Confluence page 100001 was deleted")
	env.decide(t, time.Hour, workflows.LifecycleApproveUpdate, workflows.ReviewDecision{Reviewer: "reviewer1", PageVersion: 3}, "")
	env.ExecuteWorkflow(workflows.DocumentLifecycle, workflows.LifecycleInput{PageID: "100001", Version: 3})
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(env.GetWorkflowError(), &appErr))
	require.Equal(t, activities.TypePageNotFound, activities.ErrorType(appErr.Type()))
	require.Nil(t, env.declared, "nothing declared; the draft is kept")
}

func TestLifecycleMissingWorkflowMapFails(t *testing.T) {
	env := newLifecycleEnv(t, mapping.ReviewOTCS)
	env.OnActivity(otcs.StartReviewProcess, mock.Anything, mock.Anything).
		Return(int64(0), activities.NonRetryable(activities.TypeWorkflowMapUnavailable, "%s", "OTCS workflow map 5003 cannot be started")).Once()
	env.ExecuteWorkflow(workflows.DocumentLifecycle, workflows.LifecycleInput{PageID: "100001", Version: 3})
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(env.GetWorkflowError(), &appErr))
	require.Equal(t, activities.TypeWorkflowMapUnavailable, activities.ErrorType(appErr.Type()))
	require.Contains(t, appErr.Message(), "5003")
}

// Many rejection rounds: the run continues as new every RoundsPerRun
// rounds, carrying the state; the next run picks up where it left off.
func TestLifecycleContinuesAsNewWithStateKept(t *testing.T) {
	in := workflows.LifecycleInput{PageID: "100001", Version: 1, RoundsPerRun: 3}
	runs := 0
	for {
		runs++
		require.Less(t, runs, 10)
		env := newLifecycleEnv(t, mapping.ReviewTemporal)
		first := 1
		if in.State != nil {
			first = in.State.PageVersion
		}
		// Reject every version up to 7, approve version 8.
		for i := 0; i < 3; i++ {
			v := first + i
			base := time.Duration(i) * 10 * time.Hour
			if v < 8 {
				env.decide(t, base+time.Hour, workflows.LifecycleRejectUpdate, workflows.ReviewDecision{Reviewer: "reviewer1", PageVersion: v, Comment: "again"}, "")
				env.RegisterDelayedCallback(func() {
					env.SignalWorkflow(workflows.LifecycleSubmitSignal, workflows.SubmitRequest{Version: v + 1})
				}, base+2*time.Hour)
			} else if v == 8 {
				env.decide(t, base+time.Hour, workflows.LifecycleApproveUpdate, workflows.ReviewDecision{Reviewer: "reviewer1", PageVersion: v}, "")
			}
		}
		env.ExecuteWorkflow(workflows.DocumentLifecycle, in)
		require.True(t, env.IsWorkflowCompleted())
		err := env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if errors.As(err, &can) {
			var next workflows.LifecycleInput
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
			require.NotNil(t, next.State)
			require.Equal(t, workflows.StageDraft, next.State.Stage)
			require.Equal(t, runs*3, next.State.Round)
			require.Equal(t, runs*3+1, next.State.PageVersion)
			require.Len(t, next.State.Decisions, runs*3)
			require.Equal(t, int64(40001), next.State.NodeID)
			in = next
			continue
		}
		res := resultOf[workflows.LifecycleResult](t, env)
		require.Equal(t, 8, res.PageVersion)
		require.Equal(t, 8, res.Rounds)
		require.Len(t, res.Decisions, 8)
		break
	}
	require.Equal(t, 3, runs, "8 rounds at 3 per run: two continue-as-new")
}
