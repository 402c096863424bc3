package e2e

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/documentpage"
	"github.com/xecm-bridge/xecm-bridge/simulators/faults"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// A full sweep never withdraws a document that is still in its hub, even
// when the hub changes under the sweep: documents edited while it runs (a
// new version moves them to the top of a newest-first listing) and a
// document deleted while it runs (the rest of an offset-paged listing
// shifts by one). Only the deleted document's page is archived.
func TestSweepNeverArchivesDocumentsEditedDuringIt(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	// 150 approved documents: three browse pages of 50.
	var ids []int64
	for i := 0; i < 150; i++ {
		name := fmt.Sprintf("SWEEP-%03d Work Instruction.pdf", i)
		d, err := h.otSim.CreateDocument(opentextsim.ApprovedProceduresFolderID, name, "application/pdf", []byte("%PDF-1.4 "+name), true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.otSim.AddVersion(d.ID, name, "application/pdf", []byte("%PDF-1.4 1.0 "+name), true); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	state := syncDocumentsFull(ctx, t, nil)
	for _, id := range ids {
		if rec := docRecord(t, ctx, id); rec.Archived || rec.Doc.Status == documentpage.StatusWithdrawn {
			t.Fatalf("precondition: document %d starts %s (archived %t)", id, rec.Doc.Status, rec.Archived)
		}
	}

	// The next sweep runs slowly enough to be changed under: once its
	// first browse page is done, the ten documents with the oldest modify
	// dates get a new minor version and the first by name is deleted.
	h.otSim.Faults().Set(faults.Config{Latency: 2 * time.Millisecond})
	defer h.otSim.Faults().Set(faults.Config{})
	run, err := h.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "sweep-under-edits", TaskQueue: workflows.TaskQueue},
		workflows.SyncDocuments, workflows.SyncDocumentsInput{From: state, Full: true})
	if err != nil {
		t.Fatal(err)
	}
	waitForCompletedActivities(ctx, t, run, "ChangedDocuments", 1)
	oldest := append([]int64{}, ids...)
	sort.Slice(oldest, func(i, j int) bool {
		a, _ := h.otSim.Node(oldest[i])
		b, _ := h.otSim.Node(oldest[j])
		return a.ModifyDate.Before(b.ModifyDate)
	})
	for _, id := range oldest[:10] {
		n, _ := h.otSim.Node(id)
		if _, err := h.otSim.AddVersion(id, n.Name, "application/pdf", []byte("%PDF-1.4 1.1 "+n.Name), false); err != nil {
			t.Fatal(err)
		}
	}
	deleted := ids[0]
	if err := h.otSim.DeleteNode(deleted); err != nil {
		t.Fatal(err)
	}
	var swept workflows.SyncState
	if err := run.Get(ctx, &swept); err != nil {
		t.Fatal(err)
	}
	h.otSim.Faults().Set(faults.Config{})

	for _, id := range ids[1:] {
		rec := docRecord(t, ctx, id)
		if rec.Archived || rec.Doc.Status == documentpage.StatusWithdrawn {
			t.Errorf("live document %d was withdrawn by a sweep that ran while the hub changed: %s, archived %t (%s)", id, rec.Doc.Status, rec.Archived, rec.Doc.Note)
		}
	}
	// The deletion (of a document the sweep had read) shifted the later
	// browse pages by one: OTCS confirmed the document that slipped past
	// the listing still there.
	if swept.Totals.Archived != 0 || swept.Totals.Unseen == 0 {
		t.Errorf("sweep under edits: %+v (want nothing archived, and the document the shifted listing skipped confirmed live)", swept.Totals)
	}
	t.Logf("sweep under edits: %+v", swept.Totals)

	// The edited documents show their new draft after the next change run
	// at the latest, and nothing is left to do after that.
	state = syncDocuments(ctx, t, &swept)
	for _, id := range oldest[:10] {
		if id == deleted {
			continue
		}
		if rec := docRecord(t, ctx, id); rec.Doc.Latest.Label() != "1.1" || rec.Doc.Status != documentpage.StatusNewerDraft {
			t.Errorf("edited document %d: latest %s, %s", id, rec.Doc.Latest.Label(), rec.Doc.Status)
		}
	}
	if again := syncDocuments(ctx, t, state); again.Totals.Documents != 0 || again.Totals.Changed != 0 {
		t.Errorf("a change run after the sweep still found work: %+v", again.Totals)
	}

	// The next sweep sees the deletion and archives that page only.
	state = syncDocumentsFull(ctx, t, state)
	if rec := docRecord(t, ctx, deleted); !rec.Archived || rec.Doc.Status != documentpage.StatusWithdrawn || rec.Doc.Note != "deleted in OpenText" {
		t.Errorf("the deleted document: %s archived %t (%s)", rec.Doc.Status, rec.Archived, rec.Doc.Note)
	}
	if state.Totals.Archived != 1 {
		t.Errorf("the sweep after the deletion archived %d pages, want 1: %+v", state.Totals.Archived, state.Totals)
	}

	// Clean up for the tests after this one: the documents leave the hub.
	for _, id := range ids[1:] {
		if err := h.otSim.DeleteNode(id); err != nil {
			t.Fatal(err)
		}
	}
	syncDocumentsFull(ctx, t, state)
}

// waitForCompletedActivities waits until the run has completed n
// activities of the given type.
func waitForCompletedActivities(ctx context.Context, t *testing.T, run client.WorkflowRun, activityType string, n int) {
	t.Helper()
	for {
		done := 0
		scheduled := map[int64]string{}
		it := h.temporal.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil {
				scheduled[ev.GetEventId()] = a.GetActivityType().GetName()
			}
			if a := ev.GetActivityTaskCompletedEventAttributes(); a != nil && scheduled[a.GetScheduledEventId()] == activityType {
				done++
			}
		}
		if done >= n {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %d completed %s: %v", n, activityType, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
