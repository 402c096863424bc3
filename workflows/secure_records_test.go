package workflows_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/xecm-bridge/xecm-bridge/access"
	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
	"github.com/xecm-bridge/xecm-bridge/activities/records"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// A change of the page's access that arrives while its run applies the
// previous one makes the run read and apply again, so the newest state
// is the one the records end in; a run with no change pending ends.
func TestSecureRecordsAppliesAChangeThatArrivesMeanwhile(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var conf *pages.ConfluenceActivities
	var otcs *records.OpenTextActivities
	env.RegisterActivity(conf)
	env.RegisterActivity(otcs)
	restricted := activities.RecordReadersResult{Checked: 1, Records: []activities.RecordAccess{{PageID: "100001", NodeID: 40000, Readers: &access.PageReaders{Groups: []string{"legal"}, Levels: 1}}}}
	open := activities.RecordReadersResult{Checked: 1, Records: []activities.RecordAccess{{PageID: "100001", NodeID: 40000, Readers: &access.PageReaders{Open: true}}}}
	reads := 0
	env.OnActivity(conf.RecordReaders, mock.Anything, mock.Anything).Return(func(_ context.Context, _ activities.SecureRecordsInput) (*activities.RecordReadersResult, error) {
		reads++
		if reads == 1 {
			env.SignalWorkflow(workflows.AccessChangedSignal, "restriction lifted")
			return &restricted, nil
		}
		return &open, nil
	})
	var applied []activities.RecordAccessInput
	env.OnActivity(otcs.NarrowRecords, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.RecordAccessInput) (*activities.NarrowResult, error) {
		applied = append(applied, in)
		if in.Records[0].Readers.Open {
			return &activities.NarrowResult{Widened: []int64{40000}}, nil
		}
		return &activities.NarrowResult{Narrowed: []int64{40000}}, nil
	})
	env.ExecuteWorkflow(workflows.SecureRecords, activities.SecureRecordsInput{PageID: "100001"})
	res := resultOf[activities.NarrowResult](t, env)
	require.Equal(t, 2, reads, "the change that arrived meanwhile is read")
	require.Len(t, applied, 2)
	require.True(t, applied[0].Widen && applied[1].Widen, "a page's own run may widen")
	require.True(t, applied[1].Records[0].Readers.Open, "the newest state is applied last")
	require.Equal(t, []int64{40000}, res.Narrowed)
	require.Equal(t, []int64{40000}, res.Widened)
}
