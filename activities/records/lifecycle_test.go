package records

import (
	"context"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// A submitted draft lands in the review folder, not the publish folder,
// with approval status "In Review" and no approver.
func (w *world) draft(t *testing.T, pageID string) (*activities.ReviewSnapshot, *activities.UploadResult) {
	t.Helper()
	ctx := context.Background()
	snap, err := w.conf.SnapshotForReview(ctx, activities.SnapshotInput{PageID: pageID, SubmittedBy: "557058:alice"})
	if err != nil {
		t.Fatal(err)
	}
	up, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: snap.Page})
	if err != nil {
		t.Fatal(err)
	}
	return snap, up
}

func TestLifecycleActivitiesAgainstSimulators(t *testing.T) {
	w := newWorld(t, activitytest.ReviewRules)
	ctx := context.Background()
	snap, up := w.draft(t, "100002")
	if snap.Plan.Mode != "otcs" || snap.Plan.WorkflowMap != 5001 || snap.Page.Rule != "review" {
		t.Fatalf("snapshot = %+v", snap)
	}
	folder, ok := w.OTSim.FindPath(opentextsim.EnterpriseWorkspaceID, "Review", "Policies")
	if n, _ := w.OTSim.Node(up.NodeID); !ok || n.ParentID != folder.ID {
		t.Fatalf("draft %d is not in the review folder", up.NodeID)
	}
	if vals, _ := w.OTSim.CategoryValues(up.NodeID, 9001); vals != nil && vals["9001_6"] == "Approved" {
		t.Fatalf("draft marked approved: %v", vals)
	}
	if labels := w.ConfSim.Labels("100002"); !contains(labels, "in-review") {
		t.Fatalf("labels = %v", labels)
	}

	// Unstartable and unknown maps are non-retryable and named.
	for _, mapID := range []int64{opentextsim.BrokenMapID, 424242} {
		_, err := w.ot.StartReviewProcess(ctx, activities.StartReviewInput{MapID: mapID, NodeID: up.NodeID, Title: "t"})
		if activitytest.ErrType(err) != activities.TypeWorkflowMapUnavailable || !strings.Contains(err.Error(), "map "+itoa(mapID)) {
			t.Fatalf("map %d: %v", mapID, err)
		}
	}

	pid, err := w.ot.StartReviewProcess(ctx, activities.StartReviewInput{MapID: 5001, NodeID: up.NodeID, Title: "Review"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := w.ot.PollReviewProcess(ctx, pid)
	if err != nil || st.Done || st.CurrentStep != "Review" {
		t.Fatalf("poll = %+v, %v", st, err)
	}
	if err := w.OTSim.ActOnTask(pid, "reviewer1", "Reject", "too vague"); err != nil {
		t.Fatal(err)
	}
	st, err = w.ot.PollReviewProcess(ctx, pid)
	if err != nil || !st.Done || st.Approved || st.By != "reviewer1" || st.Comment != "too vague" {
		t.Fatalf("poll after reject = %+v, %v", st, err)
	}

	// Approve in a second process, then declare: move, classify, finalize.
	pid, _ = w.ot.StartReviewProcess(ctx, activities.StartReviewInput{MapID: 5001, NodeID: up.NodeID, Title: "Review"})
	if err := w.OTSim.ActOnTask(pid, "reviewer1", "Approve", "ok"); err != nil {
		t.Fatal(err)
	}
	if st, _ = w.ot.PollReviewProcess(ctx, pid); !st.Approved {
		t.Fatalf("poll after approve = %+v", st)
	}
	page := snap.Page
	page.Rule, page.ApprovalStatus, page.ApprovedBy, page.ApprovedAt = "publish", "Approved", "reviewer1", st.At
	in := activities.DeclareInput{Page: page, NodeID: up.NodeID, Version: up.Version, SHA256: up.SHA256, Meaning: "Approved for release"}
	dec, err := w.ot.DeclareRecord(ctx, in)
	if err != nil || !dec.Finalized || !w.OTSim.Finalized(up.NodeID) {
		t.Fatalf("declare = %+v, %v", dec, err)
	}
	target, _ := w.OTSim.FindPath(opentextsim.EnterpriseWorkspaceID, "Controlled Documents", "Policies")
	if n, _ := w.OTSim.Node(up.NodeID); n.ParentID != target.ID || !strings.Contains(n.Description, "approved by reviewer1") {
		t.Fatalf("declared node = %+v", n)
	}
	// A retry of a declared record changes nothing.
	again, err := w.ot.DeclareRecord(ctx, in)
	if err != nil || !again.AlreadyFinal {
		t.Fatalf("second declare = %+v, %v", again, err)
	}
}

func TestDeclareRecordOnHoldIsRefused(t *testing.T) {
	w := newWorld(t, activitytest.ReviewRules)
	snap, up := w.draft(t, "100002")
	if err := w.OTSim.ApplyHold(up.NodeID, opentextsim.LitigationHoldID); err != nil {
		t.Fatal(err)
	}
	page := snap.Page
	page.Rule = "publish"
	_, err := w.ot.DeclareRecord(context.Background(), activities.DeclareInput{Page: page, NodeID: up.NodeID, SHA256: up.SHA256})
	if activitytest.ErrType(err) != activities.TypeRecordOnHold || !strings.Contains(err.Error(), "Litigation Hold 2026-01") {
		t.Fatalf("got %v", err)
	}
	if w.OTSim.Finalized(up.NodeID) {
		t.Fatal("held node was declared")
	}
}

func TestPostPageNoteIsIdempotentAndTypesDeletedPages(t *testing.T) {
	w := newWorld(t, activitytest.ReviewRules)
	ctx := context.Background()
	note := activities.PageNoteInput{PageID: "100002", Marker: "xecm-bridge:lifecycle:100002:r1:v1:rejected", Text: "Fix <this> & that",
		AddLabels: []string{"changes-requested"}, RemoveLabels: []string{"in-review"}}
	for i := 0; i < 2; i++ {
		if err := w.conf.PostPageNote(ctx, note); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(w.ConfSim.Comments("100002")); n != 1 {
		t.Fatalf("%d comments, want 1 (a retry must not post twice)", n)
	}
	if err := w.ConfSim.TrashPage("100002"); err != nil {
		t.Fatal(err)
	}
	note.Marker += "-2"
	if err := w.conf.PostPageNote(ctx, note); activitytest.ErrType(err) != activities.TypePageNotFound {
		t.Fatalf("deleted page: %v", err)
	}
	if _, err := w.conf.CheckPage(ctx, activities.CheckPageInput{PageID: "100002"}); activitytest.ErrType(err) != activities.TypePageNotFound {
		t.Fatalf("deleted page: %v", err)
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestDeclareRecordRefusesAVersionAddedDuringReview(t *testing.T) {
	w := newWorld(t, activitytest.ReviewRules)
	ctx := context.Background()
	snap, up := w.draft(t, "100002")
	// Someone adds a version to the draft in OTCS while it is in review.
	if _, err := w.ot.OTCS.AddVersion(ctx, up.NodeID, opentext.Upload{FileName: "edited.txt", MimeType: "text/plain",
		Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("unreviewed")), nil }}, "edited in OTCS"); err != nil {
		t.Fatal(err)
	}
	page := snap.Page
	page.Rule, page.ApprovalStatus, page.ApprovedBy = "publish", "Approved", "reviewer1"
	_, err := w.ot.DeclareRecord(ctx, activities.DeclareInput{Page: page, NodeID: up.NodeID, Version: up.Version, SHA256: up.SHA256})
	if activitytest.ErrType(err) != activities.TypeVersionChanged || !strings.Contains(err.Error(), "version 2") {
		t.Fatalf("got %s: %v", activitytest.ErrType(err), err)
	}
	if w.OTSim.Finalized(up.NodeID) || len(w.OTSim.RMClassifications(up.NodeID)) != 0 {
		t.Fatal("an unreviewed version was classified or declared")
	}
}
