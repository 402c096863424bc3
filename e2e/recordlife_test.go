package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/simulators/faults"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// reconcileRuns numbers the reconciliations the record-life tests run.
var reconcileRuns int

// startReconcile starts one reconciliation run (what the Schedule starts),
// whose record-status sweep shows every published page's record.
func startReconcile(t *testing.T) client.WorkflowRun {
	t.Helper()
	reconcileRuns++
	run, err := h.temporal.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
		ID: fmt.Sprintf("e2e-record-life-reconcile-%d-%d", time.Now().UnixNano(), reconcileRuns), TaskQueue: workflows.TaskQueue,
	}, workflows.Reconcile, workflows.ReconcileInput{Lookback: time.Millisecond, AccessEvery: -1, StatusEvery: 1})
	require.NoError(t, err)
	return run
}

func reconcileOnce(t *testing.T) *activities.ReconcileResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var res activities.ReconcileResult
	require.NoError(t, startReconcile(t).Get(ctx, &res))
	require.NotNil(t, res.Status, "the record-status sweep ran")
	return &res
}

func recordStatus(t *testing.T, pageID string) activities.RecordStatus {
	t.Helper()
	raw, _, ok := h.confSim.Property(pageID, activities.RecordStatusPropertyKey)
	require.True(t, ok, "record status on page %s", pageID)
	var st activities.RecordStatus
	require.NoError(t, json.Unmarshal(raw, &st))
	return st
}

func statusComments(pageID string) []string {
	var out []string
	for _, c := range h.confSim.Comments(pageID) {
		if strings.Contains(c.Body, "Record status:") {
			out = append(out, c.Body)
		}
	}
	return out
}

// editAsEditor saves a new version as the editor, through the REST API.
func editAsEditor(t *testing.T, pageID string) error {
	t.Helper()
	p, _ := h.confSim.Page(pageID)
	editor, err := confluence.New(confluence.Config{BaseURL: h.confURL, Email: "editor@example.com", APIToken: "editor-token",
		Retry: rest.RetryConfig{Max: -1}})
	require.NoError(t, err)
	_, err = editor.UpdatePage(context.Background(), pageID, p.Title, "<p>edited by the editor</p>", p.Version+1, "")
	return err
}

// A published page shows its record's status at once, and the sweep keeps
// it current; a hold freezes it (the editor's update is refused, publishing a new
// version stops with RecordOnHold) even when the worker fails between
// the freeze's writes; the release gives the editor back the page.
func TestRecordStatusAndHoldReachTheSource(t *testing.T) {
	p := h.confSim.CreatePage("POL", "Record Life Policy", "<p>Keep it.</p>", "557058:editor", "approved", "dept-legal")
	_, err := publish(t, p.ID, 1)
	require.NoError(t, err)
	node := recordLink(t, p.ID).NodeID
	before, _ := h.confSim.Page(p.ID)

	// The publish showed the status; the sweep finds nothing to add.
	st := recordStatus(t, p.ID)
	require.Equal(t, node, st.State.NodeID)
	require.Equal(t, 1, st.State.Version)
	require.Contains(t, st.Line, "no hold")
	require.Contains(t, st.Line, "RM classification")
	require.Len(t, statusComments(p.ID), 1)
	res := reconcileOnce(t)
	require.NotContains(t, res.Status.Updated, p.ID)
	require.Len(t, statusComments(p.ID), 1)
	after, _ := h.confSim.Page(p.ID)
	require.Equal(t, before.Version, after.Version, "no page version for the status")

	// The hold, with the label write failing until the test clears it:
	// the page is frozen before, and the activity's retry finishes.
	require.NoError(t, h.otSim.ApplyHold(node, opentextsim.LitigationHoldID))
	h.confSim.Faults().Set(faults.Config{Down: true, PathContains: "/content/" + p.ID + "/label", RetryAfter: 10 * time.Millisecond})
	run := startReconcile(t)
	require.Eventually(t, func() bool {
		r, _ := h.confSim.Restrictions(p.ID)
		return slices.Contains(r.UpdateGroups, "records-admins")
	}, 60*time.Second, 100*time.Millisecond, "frozen")
	require.True(t, rest.IsKind(editAsEditor(t, p.ID), rest.KindForbidden), "the editor may not edit while the freeze is half done")
	require.NotZero(t, h.confSim.Faults().Injected()[503], "the label write failed")
	h.confSim.Faults().Set(faults.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var held activities.ReconcileResult
	require.NoError(t, run.Get(ctx, &held))
	st = recordStatus(t, p.ID)
	require.Contains(t, st.Line, "On legal hold: Litigation Hold 2026-01")
	require.NotNil(t, st.Freeze)
	require.Contains(t, h.confSim.Labels(p.ID), activities.HoldLabel)
	comments := statusComments(p.ID)
	require.Len(t, comments, 2, "the hold is commented once")
	require.Contains(t, comments[1], "On legal hold: Litigation Hold 2026-01")
	require.True(t, rest.IsKind(editAsEditor(t, p.ID), rest.KindForbidden))

	// Publishing a new version of the held source is refused.
	saveVersion(t, p.ID)
	_, err = publish(t, p.ID, 2)
	require.Equal(t, activities.ErrRecordOnHold, appErrType(err))

	// The release, with the label removal failing until the test clears
	// it: the restriction is given back first, the retry finishes.
	require.NoError(t, h.otcs.RemoveHold(context.Background(), node, opentextsim.LitigationHoldID))
	injected := h.confSim.Faults().Injected()[503]
	h.confSim.Faults().Set(faults.Config{Down: true, PathContains: "/content/" + p.ID + "/label", RetryAfter: 10 * time.Millisecond})
	run = startReconcile(t)
	require.Eventually(t, func() bool {
		r, _ := h.confSim.Restrictions(p.ID)
		return len(r.UpdateUsers)+len(r.UpdateGroups) == 0
	}, 60*time.Second, 100*time.Millisecond, "released")
	require.Greater(t, h.confSim.Faults().Injected()[503], injected, "the label removal failed")
	h.confSim.Faults().Set(faults.Config{})
	var released activities.ReconcileResult
	require.NoError(t, run.Get(ctx, &released))
	require.Contains(t, released.Status.Released, p.ID)
	r, _ := h.confSim.Restrictions(p.ID)
	require.Empty(t, r.UpdateUsers, "the bridge's restriction is gone")
	require.Empty(t, r.UpdateGroups)
	require.NoError(t, editAsEditor(t, p.ID))
	require.NotContains(t, h.confSim.Labels(p.ID), activities.HoldLabel)
	require.Len(t, statusComments(p.ID), 3)
}

// A disposed record's source is flagged by default: status, label and one
// comment; the page stays as it was.
func TestDisposalFlagsTheSource(t *testing.T) {
	p := h.confSim.CreatePage("POL", "Disposed Record Policy", "<p>Gone soon.</p>", "557058:editor", "approved", "dept-legal")
	_, err := publish(t, p.ID, 1)
	require.NoError(t, err)
	require.NoError(t, h.otSim.DeleteNode(recordLink(t, p.ID).NodeID))
	res := reconcileOnce(t)
	require.Contains(t, res.Status.Disposed, p.ID)
	st := recordStatus(t, p.ID)
	require.Equal(t, "flag", st.Disposal)
	require.True(t, st.State.Disposed)
	require.Contains(t, h.confSim.Labels(p.ID), activities.DisposedLabel)
	page, ok := h.confSim.Page(p.ID)
	require.True(t, ok)
	require.Equal(t, "current", page.Status)
	reconcileOnce(t)
	comments := statusComments(p.ID)
	require.Len(t, comments, 2, "the record filed and the disposal, each commented once")
	require.Contains(t, comments[1], "was disposed of")
}
