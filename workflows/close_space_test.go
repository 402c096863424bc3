package workflows_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/records"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

var recordActs *records.OpenTextActivities

// fakeClosure is a space of member batches and the record set they go
// into; it records what the workflow staged and sealed.
type fakeClosure struct {
	batches  [][]activities.RecordSetMember
	sealed   bool // the set was sealed before
	readOnly bool
	failed   int // flows of the backfill that fail
	staged   []int
	seals    []activities.SealRecordSetInput
	backfill int // backfill runs
	restrict int // ReadOnlyPages calls
}

func (f *fakeClosure) members(_ context.Context, in activities.RecordSetMembersInput) (*activities.RecordSetMembersBatch, error) {
	i := 0
	if in.After.PageID != "" {
		i, _ = strconv.Atoi(in.After.PageID)
	}
	b := &activities.RecordSetMembersBatch{Members: f.batches[i], Listed: len(f.batches[i]) + 1, Unrecorded: 1,
		Next: activities.BackfillCursor{PageID: strconv.Itoa(i + 1)}, More: i+1 < len(f.batches)}
	return b, nil
}

func newCloseEnv(t *testing.T, f *fakeClosure) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(backfillActs)
	env.RegisterActivity(recordActs)
	env.RegisterWorkflow(workflows.CloseSpace)
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.BackfillInput) (*workflows.BackfillProgress, error) {
		f.backfill++
		return &workflows.BackfillProgress{SpaceKey: in.SpaceKey, State: workflows.BackfillDone, Total: 4, Published: 3, Failed: f.failed, FailedIDs: []string{"publish:9:v1"}[:min(f.failed, 1)]}, nil
	}, workflow.RegisterOptions{Name: "Backfill"})
	env.OnActivity(backfillActs.CloseCheck, mock.Anything, mock.Anything).Return(&activities.CloseCheckResult{SpaceKey: "PRJ", SpaceName: "Project", ReadOnly: f.readOnly}, nil)
	env.OnActivity(recordActs.OpenRecordSet, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.OpenRecordSetInput) (*activities.RecordSet, error) {
		require.True(t, in.Fresh, "a closure's first run starts the manifest over")
		if f.sealed {
			return &activities.RecordSet{SpaceKey: "PRJ", FolderID: 10, ManifestID: 12, Sealed: true, Members: 5}, nil
		}
		return &activities.RecordSet{SpaceKey: "PRJ", FolderID: 10, PartsID: 11}, nil
	})
	env.OnActivity(backfillActs.RecordSetMembers, mock.Anything, mock.Anything).Return(f.members)
	env.OnActivity(recordActs.StageRecordSetPart, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.RecordSetPartInput) (*activities.RecordSetPartResult, error) {
		require.EqualValues(t, 11, in.PartsID)
		f.staged = append(f.staged, in.Part)
		return &activities.RecordSetPartResult{NodeID: int64(100 + in.Part)}, nil
	})
	env.OnActivity(recordActs.SealRecordSet, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.SealRecordSetInput) (*activities.RecordSet, error) {
		f.seals = append(f.seals, in)
		return &activities.RecordSet{SpaceKey: "PRJ", FolderID: in.FolderID, ManifestID: 12, Sealed: true, Members: in.Members, Classification: "POL-01"}, nil
	})
	env.OnActivity(backfillActs.ReadOnlyPages, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ReadOnlyPagesInput) (*activities.ReadOnlyPagesBatch, error) {
		f.restrict++
		return &activities.ReadOnlyPagesBatch{Listed: 2, Restricted: 2}, nil
	})
	return env
}

func members(ids ...string) []activities.RecordSetMember {
	out := make([]activities.RecordSetMember, len(ids))
	for i, id := range ids {
		out[i] = activities.RecordSetMember{PageID: id, PageVersion: 1, NodeID: 500, OTCSVersion: 1, SHA256: "ab"}
	}
	return out
}

func TestCloseSpaceContinuesAsNewBetweenBatchesAndStagesEachPartOnce(t *testing.T) {
	f := &fakeClosure{batches: [][]activities.RecordSetMember{members("1", "2"), members("3"), {}, members("4", "5")}, readOnly: true}
	env := newCloseEnv(t, f)
	env.SetContinueAsNewSuggested(true)
	env.ExecuteWorkflow(workflows.CloseSpace, workflows.CloseSpaceInput{SpaceKey: "PRJ", BatchSize: 2})
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(env.GetWorkflowError(), &can), "got %v", env.GetWorkflowError())
	var next workflows.CloseSpaceInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.NotNil(t, next.Progress)
	require.Equal(t, workflows.CloseCollecting, next.Progress.State)
	require.Equal(t, 1, next.Progress.Parts)
	require.Equal(t, 2, next.Progress.Members)
	require.Equal(t, "1", next.Progress.Cursor.PageID)
	require.Equal(t, 1, next.Progress.Runs)
	require.EqualValues(t, 11, next.Progress.Set.PartsID)

	// The next run neither checks nor backfills again, and goes on from
	// the cursor; an empty batch stages no part.
	for next.Progress.State != workflows.CloseDone {
		env2 := newCloseEnv(t, f)
		env2.ExecuteWorkflow(workflows.CloseSpace, next)
		if errors.As(env2.GetWorkflowError(), &can) {
			next = workflows.CloseSpaceInput{}
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
			continue
		}
		res := resultOf[workflows.CloseProgress](t, env2)
		next.Progress = &res
	}
	res := next.Progress
	require.Equal(t, 1, f.backfill)
	require.Equal(t, []int{1, 2, 3}, f.staged)
	require.Len(t, f.seals, 1)
	require.Equal(t, 3, f.seals[0].Parts)
	require.Equal(t, 5, f.seals[0].Members)
	require.False(t, f.seals[0].ClosedAt.IsZero())
	require.Equal(t, 5, res.Members)
	require.Equal(t, 4, res.Unrecorded)
	require.True(t, res.Set.Sealed)
	require.Equal(t, 2, res.Restricted)
	require.Equal(t, 1, f.restrict)
}

func TestCloseSpaceFindsASealedSetAndFilesNothing(t *testing.T) {
	f := &fakeClosure{sealed: true}
	env := newCloseEnv(t, f)
	env.ExecuteWorkflow(workflows.CloseSpace, workflows.CloseSpaceInput{SpaceKey: "PRJ"})
	res := resultOf[workflows.CloseProgress](t, env)
	require.True(t, res.Existing)
	require.Equal(t, workflows.CloseDone, res.State)
	require.Equal(t, 5, res.Members)
	require.Zero(t, f.backfill)
	require.Empty(t, f.staged)
	require.Empty(t, f.seals)
}

func TestCloseSpaceSealsNothingWhenABackfillFlowFailed(t *testing.T) {
	f := &fakeClosure{batches: [][]activities.RecordSetMember{members("1")}, failed: 1}
	env := newCloseEnv(t, f)
	env.ExecuteWorkflow(workflows.CloseSpace, workflows.CloseSpaceInput{SpaceKey: "PRJ"})
	require.True(t, activities.IsType(env.GetWorkflowError(), activities.TypeClosureIncomplete), "got %v", env.GetWorkflowError())
	require.ErrorContains(t, env.GetWorkflowError(), "publish:9:v1")
	require.Empty(t, f.staged)
	require.Empty(t, f.seals)
}
