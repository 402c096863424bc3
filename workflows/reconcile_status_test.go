package workflows_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
	"github.com/xecm-bridge/xecm-bridge/activities/records"
	"github.com/xecm-bridge/xecm-bridge/activities/triggers"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// Each reconciliation sweeps the published pages' records: the pages'
// record links (Confluence), their life in OTCS (OpenText), shown on the
// pages (Confluence); a page without a record costs no OTCS call.
func TestReconcileSweepsTheRecordStatus(t *testing.T) {
	for _, tc := range []struct {
		every int
		swept bool
	}{{1, true}, {0, false}, {-1, false}} { // 0: DefaultStatusEvery, which the first run is not a multiple of
		var s testsuite.WorkflowTestSuite
		env := s.NewTestWorkflowEnvironment()
		var trig *triggers.TriggerActivities
		var conf *pages.ConfluenceActivities
		var otcs *records.OpenTextActivities
		env.RegisterActivity(trig)
		env.RegisterActivity(conf)
		env.RegisterActivity(otcs)
		env.OnActivity(trig.ReconcileSpaces, mock.Anything, mock.Anything).Return(&activities.ReconcileResult{Cursors: []activities.SpaceCursor{{SpaceKey: "POL"}}}, nil)
		env.OnActivity(conf.PublishedPages, mock.Anything, "POL").Return([]string{"100001", "100002"}, nil)
		env.OnActivity(conf.PageRecords, mock.Anything, []string{"100001", "100002"}).Return(&activities.PageRecordsResult{Records: []activities.PageRecord{{PageID: "100001", NodeID: 40000}}}, nil)
		var asked []activities.PageRecord
		env.OnActivity(otcs.RecordStates, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.RecordStatesInput) ([]activities.RecordState, error) {
			asked = in.Records
			return []activities.RecordState{{PageID: "100001", NodeID: 40000, Version: 1, Holds: []string{"Litigation Hold 2026-01"}}}, nil
		})
		env.OnActivity(conf.ShowRecordStatus, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.RecordStatusInput) (*activities.RecordStatusResult, error) {
			require.True(t, in.States[0].Held())
			return &activities.RecordStatusResult{Updated: []string{"100001"}, Frozen: []string{"100001"}}, nil
		})
		env.ExecuteWorkflow(workflows.Reconcile, workflows.ReconcileInput{AccessEvery: -1, StatusEvery: tc.every})
		res := resultOf[activities.ReconcileResult](t, env)
		if !tc.swept {
			require.Nil(t, res.Status, "StatusEvery %d: no sweep in the first run", tc.every)
			continue
		}
		require.Equal(t, []activities.PageRecord{{PageID: "100001", NodeID: 40000}}, asked)
		require.Equal(t, &activities.StatusCheck{Pages: 2, Records: 1, Updated: []string{"100001"}, Frozen: []string{"100001"}}, res.Status)
	}
}
