package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// TestBackfillPublishesASpaceOnceAndThenFindsItRecorded backfills 30
// approved pages with three flows at a time, then backfills again: the
// second run starts nothing and stores nothing, reading only cheaply.
func TestBackfillPublishesASpaceOnceAndThenFindsItRecorded(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Only the pages made here: the seed and other tests' pages are older.
	since := time.Now().UTC()
	time.Sleep(2 * time.Millisecond)
	const n = 30
	var ids []string
	for i := 1; i <= n; i++ {
		p := h.confSim.CreatePage("POL", fmt.Sprintf("Backfill Policy %02d", i), fmt.Sprintf("<p>Rule %d.</p>", i), "557058:backfill", "approved", "dept-backfill")
		ids = append(ids, p.ID)
	}
	req := control.BackfillRequest{SpaceKey: "POL", Since: since, Concurrency: 3, RequestedBy: "e2e"}

	st, err := h.publisher.Backfill(ctx, req)
	require.NoError(t, err)
	require.Equal(t, workflows.BackfillWorkflowID("POL"), st.WorkflowID)
	again, err := h.publisher.Backfill(ctx, req)
	require.NoError(t, err)
	require.True(t, again.Existing, "a second start finds the running backfill")
	require.Equal(t, st.RunID, again.RunID)

	// Pause and resume through the CLI's calls.
	require.NoError(t, h.publisher.PauseBackfill(ctx, "POL"))
	require.Eventually(t, func() bool {
		s, err := h.publisher.BackfillStatus(ctx, "POL")
		return err == nil && s.Progress != nil && s.Progress.State == workflows.BackfillPaused
	}, 10*time.Second, 20*time.Millisecond)
	require.NoError(t, h.publisher.ResumeBackfill(ctx, "POL"))

	var first workflows.BackfillProgress
	require.NoError(t, st.Run.Get(ctx, &first))
	recordHistory(t, st.WorkflowID, "backfill.json")
	require.Equal(t, workflows.BackfillDone, first.State)
	require.Equal(t, n, first.Total)
	require.Equal(t, n, first.Published)
	require.Zero(t, first.Failed, "failed: %v", first.FailedIDs)
	require.Equal(t, n, first.Published+first.Filed+first.Submitted+first.AlreadyRecorded+first.AlreadyStarted+first.Skipped+first.Failed)

	folder := policiesFolder(t)
	versions := 0
	for _, id := range ids {
		nodes := recordsOf(t, folder, id)
		require.Len(t, nodes, 1, "page %s has exactly one OTCS node", id)
		require.Len(t, h.otSim.Versions(nodes[0].ID), 1, "page %s has one OTCS version", id)
		require.Equal(t, 1, recordLink(t, id).PageVersion)
		versions += len(h.otSim.Versions(nodes[0].ID))
	}
	// The flows are the usual runs, started by the backfill and left to close on their own.
	desc, err := h.temporal.DescribeWorkflowExecution(ctx, workflows.PublishPageWorkflowID(ids[0], 1), "")
	require.NoError(t, err)
	require.Equal(t, st.WorkflowID, desc.GetWorkflowExecutionInfo().GetParentExecution().GetWorkflowId())

	// Again: every page is recorded at its version; nothing is started,
	// no version added, no rendition streamed (one version list per page).
	otcsBefore := h.otSim.Requests()
	st, err = h.publisher.Backfill(ctx, req)
	require.NoError(t, err)
	require.False(t, st.Existing)
	var second workflows.BackfillProgress
	require.NoError(t, st.Run.Get(ctx, &second))
	require.Equal(t, n, second.Total)
	require.Equal(t, n, second.AlreadyRecorded)
	require.Zero(t, second.Published+second.AlreadyStarted+second.Failed)
	after := 0
	for _, id := range ids {
		for _, node := range recordsOf(t, folder, id) {
			after += len(h.otSim.Versions(node.ID))
		}
	}
	require.Equal(t, versions, after, "no OTCS version was added")
	require.LessOrEqual(t, h.otSim.Requests()-otcsBefore, n+2, "only the cheap checks reached OTCS")

	status, err := h.publisher.BackfillStatus(ctx, "POL")
	require.NoError(t, err)
	require.Equal(t, "Completed", status.Status)
	require.Equal(t, n, status.Progress.AlreadyRecorded)
}

func TestBackfillDryRunStartsNothing(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	since := time.Now().UTC()
	time.Sleep(2 * time.Millisecond)
	p := h.confSim.CreatePage("POL", "Backfill Dry Run Policy", "<p>x</p>", "557058:backfill", "approved", "dept-backfill")
	notes := h.confSim.CreatePage("POL", "Backfill meeting notes", "<p>x</p>", "557058:backfill", "dept-backfill")
	draft := h.confSim.CreatePage("POL", "Backfill draft", "<p>x</p>", "557058:backfill", "draft")
	// Nothing of this test is left for reconciliation to pick up later.
	t.Cleanup(func() {
		for _, id := range []string{p.ID, notes.ID, draft.ID} {
			_ = h.confSim.TrashPage(id)
		}
	})
	st, err := h.publisher.Backfill(ctx, control.BackfillRequest{SpaceKey: "POL", Since: since, DryRun: true, RequestedBy: "e2e"})
	require.NoError(t, err)
	require.Equal(t, workflows.BackfillDryRunWorkflowID("POL"), st.WorkflowID)
	var res workflows.BackfillProgress
	require.NoError(t, st.Run.Get(ctx, &res))
	require.True(t, res.DryRun)
	require.Equal(t, 3, res.Total)
	require.Equal(t, 1, res.Published)
	require.Equal(t, 1, res.Filed)
	require.Equal(t, 1, res.Skipped)
	require.Len(t, res.SkippedBy, 1)
	for _, id := range []string{workflows.PublishPageWorkflowID(p.ID, 1), workflows.FileRecordWorkflowID(notes.ID, 1)} {
		_, err := h.temporal.DescribeWorkflowExecution(ctx, id, "")
		require.Error(t, err, "a dry run started %s", id)
	}
	require.Empty(t, recordsOf(t, policiesFolder(t), p.ID))
}

// A backfill starts a batch's flows in one workflow task instead of one
// task per flow (it does not wait for each start before the next): the
// 20 pages cost the parent 15 workflow tasks, not 26 (the flows' ends
// still come back one or a few at a time).
func TestBackfillStartsABatchOfFlowsInOneWorkflowTask(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	since := time.Now().UTC()
	time.Sleep(2 * time.Millisecond)
	const n = 20
	for i := 1; i <= n; i++ {
		h.confSim.CreatePage("POL", fmt.Sprintf("Batched Backfill Policy %02d", i), "<p>Rule.</p>", "557058:backfill", "approved", "dept-backfill")
	}
	st, err := h.publisher.Backfill(ctx, control.BackfillRequest{SpaceKey: "POL", Since: since, Concurrency: n, RequestedBy: "e2e"})
	require.NoError(t, err)
	var progress workflows.BackfillProgress
	require.NoError(t, st.Run.Get(ctx, &progress))
	require.Equal(t, n, progress.Published, "failed: %v", progress.FailedIDs)

	it := h.temporal.GetWorkflowHistory(ctx, st.WorkflowID, st.RunID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	tasks, starts, most := 0, 0, 0
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			tasks++
			starts = 0
		case enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
			starts++
			most = max(most, starts)
		}
	}
	t.Logf("%d workflow tasks for %d pages; at most %d flows started by one task", tasks, n, most)
	require.Equal(t, n, most, "the batch's flows are started by one workflow task")
	require.Less(t, tasks, n, "fewer workflow tasks than pages (one per start and per end or two before)")
}
