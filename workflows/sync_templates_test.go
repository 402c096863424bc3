package workflows_test

import (
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/templates"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

var tplActs *templates.TemplateActivities

// A template sync reads the templates feed, publishes each batch on the
// OpenText queue (conversion runs there), keeps the ones that failed with
// a typed error, and tries them again first on the next run.
func TestSyncTemplatesRetriesFailedTemplatesNextRun(t *testing.T) {
	env, trace := documentsEnv(t)
	docs := []activities.DocumentState{{Watch: "Approved templates"}, {Watch: "Approved templates"}}
	docs[0].Doc.NodeID, docs[1].Doc.NodeID = 2210, 2299
	env.OnActivity(docSrc.DescribeDocuments, mock.Anything, activities.DescribeInput{Feed: activities.FeedTemplates, NodeIDs: []int64{2298}}).
		Return([]activities.DocumentState{{Watch: "Approved templates"}}, nil).Once()
	env.OnActivity(docSrc.ChangedDocuments, mock.Anything, mock.MatchedBy(func(in activities.ChangedDocumentsInput) bool {
		return in.Feed == activities.FeedTemplates && !in.Full
	})).Return(&activities.ChangedDocumentsResult{Docs: docs, Done: true, Watch: 1, Page: 1}, nil).Once()
	env.OnActivity(tplActs.PublishTemplates, mock.Anything, mock.Anything).Return(&activities.PublishTemplatesResult{}, nil).Once()
	env.OnActivity(tplActs.PublishTemplates, mock.Anything, activities.PublishTemplatesInput{Docs: docs}).Return(&activities.PublishTemplatesResult{
		Templates: []activities.TemplateResult{{NodeID: 2210, Created: true}, {NodeID: 2299, ErrorType: activities.TypeConversionFailed, Error: "pandoc: not a docx"}},
	}, nil).Once()

	env.ExecuteWorkflow(workflows.SyncTemplates, workflows.SyncDocumentsInput{From: &workflows.SyncState{
		Cursors: map[string]activities.WatchCursor{"Approved templates": {}}, Runs: 3, Failed: []int64{2298}}})
	st := resultOf[workflows.SyncState](t, env)
	require.Equal(t, []string{"DescribeDocuments", "PublishTemplates", "ChangedDocuments", "PublishTemplates"}, *trace)
	require.Equal(t, []int64{2299}, st.Failed)
	require.Equal(t, 1, st.Totals.Failed)
	require.Equal(t, 1, st.Totals.Created)
	require.Equal(t, 4, st.Runs)
}
