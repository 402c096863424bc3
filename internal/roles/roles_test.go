package roles

import (
	"reflect"
	"slices"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/activities"
)

// The Go SDK registers every exported method of an activity struct as an
// activity. This pins the list: a helper made exported by accident (it
// would become a Temporal activity) or an activity renamed (histories in
// flight would no longer find it) fails here.
func TestRegisteredActivitiesAreExactlyTheIntendedOnes(t *testing.T) {
	want := map[any][]string{
		&activities.ConfluenceActivities{}:     {"CheckPage", "PostPageNote", "PublishedPages", "ReadPage", "ReadReviewComments", "RecordReaders", "ReturnToPage", "SnapshotForReview", "WriteBack"},
		&activities.OpenTextActivities{}:       {"DeclareRecord", "NarrowRecords", "PollReviewProcess", "StartReviewProcess", "StoreRecord", "UploadRendition", "WithdrawDraft"},
		&activities.TriggerActivities{}:        {"ReconcileSpaces", "RoutePage"},
		&activities.DocumentPageActivities{}:   {"ApplyReaders", "ArchiveMissing", "DocumentPageNode", "DocumentPages", "EnsureWorkspacePage", "ReadReferences", "RecordReferences", "TemplateCopyNode", "UnseenDocuments", "UpsertDocumentPages"},
		&activities.DocumentSourceActivities{}: {"ChangedDocuments", "ConfirmAbsence", "DescribeDocuments", "EnsureWorkspaceLink", "ReadPermissions", "WriteBackLinks"},
		&activities.TemplateActivities{}:       {"PublishTemplates"},
		&activities.BackfillActivities{}:       {"BackfillBatch", "BackfillSubmit"},
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
