package workflows_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/xecm-bridge/xecm-bridge/access"
	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
	"github.com/xecm-bridge/xecm-bridge/activities/records"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

var (
	conf *pages.ConfluenceActivities
	otcs *records.OpenTextActivities
)

func snapshot() *activities.PageSnapshot {
	return &activities.PageSnapshot{
		PageID: "100001", Title: "Records Retention Policy", SpaceKey: "POL", Version: 3,
		VersionAt: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC), PublishedLabel: "otcs-published",
	}
}

func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(conf)
	env.RegisterActivity(otcs)
	env.RegisterWorkflow(workflows.PublishPage)
	t.Cleanup(func() { env.AssertExpectations(t) })
	return env
}

// upserts records every search-attribute upsert the workflow makes.
func upserts(env *testsuite.TestWorkflowEnvironment) *[]temporal.SearchAttributes {
	var got []temporal.SearchAttributes
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		got = append(got, args.Get(0).(temporal.SearchAttributes))
	}).Return(nil)
	return &got
}

func TestPublishPageHappyPath(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(conf.ReadPage, mock.Anything, activities.ReadPageInput{PageID: "100001", Version: 3}).Return(snapshot(), nil).Once()
	// Upload, verify and classify are one activity in new runs; the runs
	// recorded with three are replayed from workflows/testdata.
	env.OnActivity(otcs.StoreRecord, mock.Anything, activities.StoreInput{Page: *snapshot()}).Return(&activities.StoreResult{
		Upload:   activities.UploadResult{NodeID: 40001, Name: "Records Retention Policy", Version: 1, SHA256: "abc", Size: 1234, Created: true, URL: "http://otcs/app/nodes/40001"},
		Classify: activities.ClassifyResult{CategoryID: 9001, Classification: "POL-01 Policies", Official: true},
	}, nil).Once()
	sas := upserts(env)
	var link activities.WriteBackInput
	env.OnActivity(conf.WriteBack, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		link = args.Get(1).(activities.WriteBackInput)
	}).Return(&activities.WriteBackResult{}, nil).Once()

	env.ExecuteWorkflow(workflows.PublishPage, workflows.PublishPageInput{PageID: "100001", Version: 3})
	res := resultOf[workflows.PublishPageResult](t, env)
	require.Equal(t, int64(40001), res.NodeID)
	require.Equal(t, 3, res.PageVersion)
	require.True(t, res.Created)
	require.Equal(t, "POL-01 Policies", res.Classification)

	require.Equal(t, "100001", link.PageID)
	require.Equal(t, "otcs-published", link.Label)
	require.Equal(t, int64(40001), link.Record.NodeID)
	require.Equal(t, "abc", link.Record.SHA256)
	require.Equal(t, 3, link.Record.PageVersion)
	require.Equal(t, "default-test-workflow-id", link.Record.WorkflowID)

	require.Len(t, *sas, 1, "one upsert per publish keeps the action count down")
	sa := (*sas)[0]
	stage, _ := sa.GetKeyword(workflows.StageAttr)
	node, _ := sa.GetKeyword(workflows.NodeIDAttr)
	space, _ := sa.GetKeyword(workflows.SpaceAttr)
	require.Equal(t, string(workflows.StagePublished), stage)
	require.Equal(t, "40001", node)
	require.Equal(t, "POL", space)
}

func TestPublishPageStopsOnNonRetryableError(t *testing.T) {
	cases := []struct {
		name    string
		errType activities.ErrorType
	}{
		{"not approved", activities.TypeNotApproved},
		{"unknown page", activities.TypePageNotFound},
		{"unmapped space", activities.TypeNoMapping},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t)
			sas := upserts(env)
			env.OnActivity(conf.ReadPage, mock.Anything, mock.Anything).
				Return(nil, activities.NonRetryable(tc.errType, "%s", "refused")).Once()
			env.ExecuteWorkflow(workflows.PublishPage, workflows.PublishPageInput{PageID: "100002", Version: 1})
			err := env.GetWorkflowError()
			var appErr *temporal.ApplicationError
			require.True(t, errors.As(err, &appErr), "got %v", err)
			require.Equal(t, tc.errType, activities.ErrorType(appErr.Type()))
			require.Len(t, *sas, 1)
			stage, _ := (*sas)[0].GetKeyword(workflows.StageAttr)
			require.Equal(t, string(workflows.StageFailed), stage)
		})
	}
}

func TestPublishPageRetriesWhileBackendIsDown(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(conf.ReadPage, mock.Anything, mock.Anything).Return(snapshot(), nil).Once()
	// OTCS answers 503 three times, then recovers: the workflow waits it out.
	env.OnActivity(otcs.StoreRecord, mock.Anything, mock.Anything).
		Return(nil, temporal.NewApplicationError("503", string(activities.TypeBackendUnavailable))).Times(3)
	env.OnActivity(otcs.StoreRecord, mock.Anything, mock.Anything).
		Return(&activities.StoreResult{Upload: activities.UploadResult{NodeID: 40001, Version: 2, SHA256: "def", Size: 10}}, nil).Once()
	env.OnActivity(conf.WriteBack, mock.Anything, mock.Anything).Return(&activities.WriteBackResult{}, nil).Once()
	env.ExecuteWorkflow(workflows.PublishPage, workflows.PublishPageInput{PageID: "100001", Version: 3})
	res := resultOf[workflows.PublishPageResult](t, env)
	require.Equal(t, 2, res.OTCSVersion)
	require.False(t, res.Created)
}

func TestPublishPageChecksumMismatchFails(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(conf.ReadPage, mock.Anything, mock.Anything).Return(snapshot(), nil).Once()
	// StoreRecord refuses to classify a record whose stored bytes do not
	// match (activities: TestStoreRecordNeverClassifiesACorruptedRecord).
	env.OnActivity(otcs.StoreRecord, mock.Anything, mock.Anything).
		Return(nil, activities.NonRetryable(activities.TypeChecksumMismatch, "%s", "mismatch")).Once()
	env.ExecuteWorkflow(workflows.PublishPage, workflows.PublishPageInput{PageID: "100001", Version: 3})
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(env.GetWorkflowError(), &appErr))
	require.Equal(t, activities.TypeChecksumMismatch, activities.ErrorType(appErr.Type()))
	// WriteBack never ran: the page is not linked to an unverified record.
}

func TestPublishPageRejectsEmptyInput(t *testing.T) {
	env := newEnv(t)
	env.ExecuteWorkflow(workflows.PublishPage, workflows.PublishPageInput{})
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(env.GetWorkflowError(), &appErr))
	require.Equal(t, "InvalidInput", appErr.Type())
}

// A restriction that changed while the page was filed (WriteBack reads
// the readers again) narrows the record before the run ends.
func TestPublishNarrowsTheRecordWhenReadersChangedMeanwhile(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(conf.ReadPage, mock.Anything, mock.Anything).Return(snapshot(), nil).Once()
	env.OnActivity(otcs.StoreRecord, mock.Anything, mock.Anything).Return(&activities.StoreResult{
		Upload: activities.UploadResult{NodeID: 40001, Version: 1, SHA256: "abc", Size: 1},
	}, nil).Once()
	upserts(env)
	now := &access.PageReaders{Groups: []string{"legal"}, Levels: 1}
	env.OnActivity(conf.WriteBack, mock.Anything, mock.Anything).Return(&activities.WriteBackResult{Readers: now}, nil).Once()
	env.OnActivity(otcs.NarrowRecords, mock.Anything, activities.RecordAccessInput{Records: []activities.RecordAccess{{PageID: "100001", NodeID: 40001, Readers: now}}}).
		Return(&activities.NarrowResult{Narrowed: []int64{40001}}, nil).Once()
	env.ExecuteWorkflow(workflows.PublishPage, workflows.PublishPageInput{PageID: "100001", Version: 3})
	require.Equal(t, int64(40001), resultOf[workflows.PublishPageResult](t, env).NodeID)
}
