package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/evidence"
	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// TestEvidencePackOfARealPublish: a page approved by an operator is
// published by the workers; its evidence pack names the run Temporal
// describes, the record the simulator holds and the checksum of the bytes
// stored; the pack verifies until one stored byte changes, and then fails
// with the checksum reason. Building and verifying write nothing.
func TestEvidencePackOfARealPublish(t *testing.T) {
	p := h.confSim.CreatePage("POL", "Evidence Policy", "<p>Keep evidence.</p>", "557058:writer", "dept-legal")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	st, err := h.publisher.ApprovePublish(ctx, control.ApprovalRequest{PageID: p.ID, Version: 1, Approver: "557058:board", RequestedBy: "test"})
	require.NoError(t, err)
	var res workflows.PublishPageResult
	require.NoError(t, st.Run.Get(ctx, &res))

	src := evidence.Sources{Confluence: h.conf, OTCS: h.otcs, Rules: h.rules, Temporal: h.temporal, Namespace: "default"}
	writes := len(h.otSim.Writes())
	pack, err := evidence.Build(ctx, src, p.ID, 0)
	require.NoError(t, err)

	vs := h.otSim.Versions(res.NodeID)
	require.Len(t, vs, 1)
	stored, err := os.ReadFile(vs[0].BlobPath)
	require.NoError(t, err)
	sum := sha256.Sum256(stored)
	want := hex.EncodeToString(sum[:])
	vals, _ := h.otSim.CategoryValues(res.NodeID, 9001)

	require.Equal(t, res.NodeID, pack.Record.NodeID)
	require.Equal(t, 1, pack.Record.Version)
	require.Equal(t, want, pack.Fixity.Now, "the fresh hash is of the stored bytes")
	require.Equal(t, want, pack.Fixity.Recorded)
	require.Equal(t, want, pack.Fixity.Category)
	require.True(t, pack.Fixity.Match)
	require.Equal(t, "557058:board", pack.Approval.By)
	require.Equal(t, evidence.ApprovalFromLog, pack.Approval.From)
	require.Equal(t, activities.ApprovalByOperator, pack.Approval.Source)
	require.Equal(t, vals["9001_10"], pack.Record.Categories[0].Values["Approved By"])
	require.Equal(t, p.ID, pack.Record.Categories[0].Values["Source Page ID"])
	require.Equal(t, "Enterprise Workspace/Controlled Documents/Policies", pack.Record.FolderPath)
	require.Equal(t, "not restricted", pack.Access.AtFiling)
	require.Equal(t, "publish run result", pack.Access.AtFilingFrom)

	require.True(t, pack.Trail.Reachable, pack.Trail.Error)
	require.Len(t, pack.Trail.Runs, 1)
	run := pack.Trail.Runs[0]
	require.Equal(t, "publish:"+p.ID+":v1", run.WorkflowID)
	require.Equal(t, st.Run.GetRunID(), run.RunID)
	require.Equal(t, "Completed", run.Status)
	require.False(t, run.ClosedAt.IsZero())
	require.NotNil(t, run.Result)
	require.Equal(t, want, run.Result.SHA256)
	// The steps are the run's activities as its history has them, each
	// closed after it was scheduled.
	var names []string
	for _, s := range run.Steps {
		names = append(names, s.Activity)
		require.Equal(t, "Completed", s.Outcome, "%+v", s)
		require.GreaterOrEqual(t, s.Attempts, int32(1), "%+v", s)
		require.False(t, s.ClosedAt.Before(s.ScheduledAt), "%+v", s)
	}
	require.Equal(t, historyActivities(t, h, run.WorkflowID, run.RunID), names)
	require.Subset(t, names, []string{"ReadPage", "StoreRecord", "WriteBack"})
	// The OTCS audit is the record node's, oldest first: its creation by
	// the bridge, then every write the simulator logged on it.
	audit := pack.Trail.OTCSAudit
	require.NotEmpty(t, audit, pack.Trail.AuditError)
	require.Equal(t, "Create", audit[0].Name)
	require.Contains(t, audit[0].User, "bridge")
	var logged int
	for _, w := range h.otSim.Writes() {
		if w.NodeID == pack.Record.NodeID || w.Created == pack.Record.NodeID {
			logged++
		}
	}
	require.Len(t, audit, logged, "%+v", audit)
	for i := 1; i < len(audit); i++ {
		require.False(t, audit[i].At.Before(audit[i-1].At), "oldest first: %+v", audit)
	}

	var buf bytes.Buffer
	require.NoError(t, evidence.WriteHTML(&buf, pack))
	require.Contains(t, buf.String(), run.RunID)

	rep, err := evidence.Verify(ctx, src, pack)
	require.NoError(t, err)
	require.True(t, rep.OK(), "%v", rep.Differences)
	require.Equal(t, writes, len(h.otSim.Writes()), "evidence wrote to OTCS")

	stored[0] ^= 0x20
	require.NoError(t, os.WriteFile(vs[0].BlobPath, stored, 0o600))
	rep, err = evidence.Verify(ctx, src, pack)
	require.NoError(t, err)
	var reasons []string
	for _, d := range rep.Differences {
		reasons = append(reasons, d.String())
	}
	all := strings.Join(reasons, "\n")
	require.Contains(t, all, "fixity.now: checksum:")
	require.Contains(t, all, "fixity.recorded: checksum:")

	_, err = evidence.Build(ctx, src, "987654321", 0)
	require.True(t, evidence.IsKind(err, evidence.KindUnknownPage), "unknown page: %v", err)
}

// historyActivities are the activity types a run scheduled, in order, read
// from its history.
func historyActivities(t *testing.T, h *harness, workflowID, runID string) []string {
	t.Helper()
	var out []string
	it := h.temporal.GetWorkflowHistory(context.Background(), workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil {
			out = append(out, a.GetActivityType().GetName())
		}
	}
	return out
}
