package evidence_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
	"github.com/xecm-bridge/xecm-bridge/activities/records"
	"github.com/xecm-bridge/xecm-bridge/evidence"
	"github.com/xecm-bridge/xecm-bridge/simulators/faults"
)

// published is the simulators with page 100001 published by the publish
// activities (called directly, no Temporal), approved by an operator.
func published(t *testing.T) (*activitytest.World, evidence.Sources, *activities.StoreResult) {
	t.Helper()
	w := activitytest.New(t, activitytest.RepoMapping(t))
	ctx := context.Background()
	conf := &pages.ConfluenceActivities{Confluence: w.Conf, Rules: w.Rules}
	ot := &records.OpenTextActivities{OTCS: w.OTCS, Confluence: w.Conf, Rules: w.Rules}
	snap, err := conf.ReadPage(ctx, activities.ReadPageInput{PageID: "100001", Version: 1, Approval: &activities.Approval{
		PageVersion: 1, By: "557058:board", At: time.Now().UTC(), Source: activities.ApprovalByOperator, Signal: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := ot.StoreRecord(ctx, activities.StoreInput{Page: *snap})
	if err != nil {
		t.Fatal(err)
	}
	link := activities.RecordLink{NodeID: st.Upload.NodeID, Version: st.Upload.Version, PageVersion: 1, SHA256: st.Upload.SHA256, PublishedAt: time.Now().UTC()}
	if _, err := conf.WriteBack(ctx, activities.WriteBackInput{PageID: "100001", Label: snap.PublishedLabel, Record: link, Property: snap.RecordProperty}); err != nil {
		t.Fatal(err)
	}
	return w, evidence.Sources{Confluence: w.Conf, OTCS: w.OTCS, Rules: w.Rules}, st
}

func fields(rep *evidence.Report) string {
	var out []string
	for _, d := range rep.Differences {
		out = append(out, d.String())
	}
	return strings.Join(out, "\n")
}

// A pack verifies while nothing changed; a later approval of the same
// version by someone else, and then the record deleted in OTCS, are each
// reported with their reason.
func TestVerifyReportsAChangedApprovalAndAMissingRecord(t *testing.T) {
	w, src, st := published(t)
	ctx := context.Background()
	pack, err := evidence.Build(ctx, src, "100001", 1)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := evidence.Verify(ctx, src, pack); err != nil || !rep.OK() {
		t.Fatalf("untouched: %v %s", err, fields(rep))
	}

	if err := activities.RecordApproval(ctx, w.Conf, "100001", activities.Approval{PageVersion: 1, By: "557058:lena", At: time.Now().UTC(), Source: activities.ApprovalByOperator}); err != nil {
		t.Fatal(err)
	}
	rep, err := evidence.Verify(ctx, src, pack)
	if err != nil || !strings.Contains(fields(rep), "approval.by: approval: the recorded approver of this version changed (pack: 557058:board; now: 557058:lena)") {
		t.Fatalf("changed approval: %v\n%s", err, fields(rep))
	}

	if err := w.OTSim.DeleteNode(st.Upload.NodeID); err != nil {
		t.Fatal(err)
	}
	rep, err = evidence.Verify(ctx, src, pack)
	if err != nil || len(rep.Differences) != 1 || rep.Differences[0].Field != "record" || !strings.Contains(rep.Differences[0].Reason, "missing record: Confluence page 100001 links OTCS node") {
		t.Fatalf("deleted record: %v\n%s", err, fields(rep))
	}
	if _, err := evidence.Build(ctx, src, "100001", 1); !evidence.IsKind(err, evidence.KindRecordMissing) {
		t.Fatalf("Build of a deleted record: %v", err)
	}
}

// Confluence down is BackendUnavailable, from Build and from Verify (a
// check that cannot read concludes nothing), never a difference.
func TestConfluenceDownIsBackendUnavailable(t *testing.T) {
	w, src, _ := published(t)
	ctx := context.Background()
	pack, err := evidence.Build(ctx, src, "100001", 0)
	if err != nil {
		t.Fatal(err)
	}
	w.ConfSim.Faults().Set(faults.Config{Down: true, RetryAfter: 10 * time.Millisecond})
	if _, err := evidence.Build(ctx, src, "100001", 0); !evidence.IsKind(err, evidence.KindBackendUnavailable) || !strings.Contains(err.Error(), "Confluence") {
		t.Fatalf("Build: %v", err)
	}
	if rep, err := evidence.Verify(ctx, src, pack); !evidence.IsKind(err, evidence.KindBackendUnavailable) || rep != nil {
		t.Fatalf("Verify: %v %v", rep, err)
	}
}
