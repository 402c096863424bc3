package roles

import (
	"reflect"
	"slices"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/activities/documentpages"
	"github.com/xecm-bridge/xecm-bridge/activities/documentsources"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
	"github.com/xecm-bridge/xecm-bridge/activities/records"
	"github.com/xecm-bridge/xecm-bridge/activities/templates"
	"github.com/xecm-bridge/xecm-bridge/activities/triggers"
)

// The Go SDK registers every exported method of an activity struct as an
// activity. This pins the list: a helper made exported by accident (it
// would become a Temporal activity) or an activity renamed (histories in
// flight would no longer find it) fails here.
func TestRegisteredActivitiesAreExactlyTheIntendedOnes(t *testing.T) {
	want := map[any][]string{
		&pages.ConfluenceActivities{}:               {"CheckPage", "PageRecords", "PostPageNote", "PublishedPages", "ReadPage", "ReadReviewComments", "RecordReaders", "ReturnToPage", "ShowRecordStatus", "SnapshotForReview", "WriteBack"},
		&records.OpenTextActivities{}:               {"DeclareRecord", "NarrowRecords", "OpenRecordSet", "PollReviewProcess", "RecordStates", "SealRecordSet", "StageRecordSetPart", "StartReviewProcess", "StoreRecord", "UploadRendition", "WithdrawDraft"},
		&triggers.TriggerActivities{}:               {"ReconcileSpaces", "RoutePage"},
		&documentpages.DocumentPageActivities{}:     {"ApplyReaders", "ArchiveMissing", "DocumentPageNode", "DocumentPages", "EnsureWorkspacePage", "ReadReferences", "RecordReferences", "TemplateCopyNode", "UnseenDocuments", "UpsertDocumentPages"},
		&documentsources.DocumentSourceActivities{}: {"ChangedDocuments", "ConfirmAbsence", "DescribeDocuments", "EnsureWorkspaceLink", "ReadPermissions", "WriteBackLinks"},
		&templates.TemplateActivities{}:             {"PublishTemplates"},
		&triggers.BackfillActivities{}:              {"AwaitFlows", "BackfillBatch", "BackfillSubmit", "CloseCheck", "ReadOnlyPages", "RecordSetMembers"},
	}
	for v, names := range want {
		typ := reflect.TypeOf(v)
		var got []string
		for i := 0; i < typ.NumMethod(); i++ {
			got = append(got, typ.Method(i).Name)
		}
		slices.Sort(got)
		if !slices.Equal(got, names) {
			t.Errorf("%s registers %v as activities, want %v", typ.Elem().Name(), got, names)
		}
	}
}
