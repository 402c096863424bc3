package documentsources

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/activities"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// changeRun reads every watch of the documents feed from cursors, as one
// change run does, and returns what it described and its new cursors.
func changeRun(t *testing.T, src *DocumentSourceActivities, cursors map[string]activities.WatchCursor) ([]activities.DocumentState, map[string]activities.WatchCursor, int) {
	t.Helper()
	in := activities.ChangedDocumentsInput{Feed: activities.FeedDocuments, Cursors: cursors}
	var docs []activities.DocumentState
	requests := 0
	for {
		out, err := src.ChangedDocuments(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		docs, requests = append(docs, out.Docs...), requests+out.Requests
		if out.Done {
			return docs, out.Cursors, requests
		}
		in.Cursors, in.Next, in.Watch, in.Page = out.Cursors, out.Next, out.Watch, out.Page
	}
}

// approvedLabelOf is the approved version a run described for a node ("" when it did not describe it).
func approvedLabelOf(docs []activities.DocumentState, id int64) string {
	for _, d := range docs {
		if d.Doc.NodeID == id && d.Doc.Approved != nil {
			return d.Doc.Approved.Label()
		}
	}
	return ""
}

// OTCS dates have whole seconds. A document a change run lists and that
// changes again within the same second keeps its modify date; the next
// change run must still read it (it used to count it as read until the
// next full sweep). Once a listing comes two seconds after that date, the
// cursor names the document as read and an unchanged watch costs one
// browse again.
func TestChangeRunReadsAChangeWithinTheListedSecond(t *testing.T) {
	w, src, _ := docWorld(t)
	var clock atomic.Int64
	at := func(d time.Time) { clock.Store(d.UnixNano()) }
	w.OTSim.SetClock(func() time.Time { return time.Unix(0, clock.Load()) })
	t0 := time.Now().Add(time.Minute).Truncate(time.Second) // after every seeded date
	at(t0)
	_, cursors, _ := changeRun(t, src, nil)

	id := opentextsim.SOPChangeManagementID
	at(t0.Add(10 * time.Second))
	if _, err := w.OTSim.AddVersion(id, "SOP-002 Change Management.pdf", "application/pdf", []byte("%PDF-1.4 first change"), true); err != nil {
		t.Fatal(err)
	}
	docs, cursors, _ := changeRun(t, src, cursors)
	first := approvedLabelOf(docs, id)
	if first == "" {
		t.Fatalf("the change run did not read the changed document: %+v", docs)
	}
	// The same second, after the listing.
	if _, err := w.OTSim.AddVersion(id, "SOP-002 Change Management.pdf", "application/pdf", []byte("%PDF-1.4 second change"), true); err != nil {
		t.Fatal(err)
	}
	want := describe(t, src, id)[0].Doc.Approved.Label()
	if want == first {
		t.Fatalf("the second change made no new approved version (%s)", want)
	}
	at(t0.Add(11 * time.Second))
	docs, cursors, _ = changeRun(t, src, cursors)
	if got := approvedLabelOf(docs, id); got != want {
		t.Fatalf("the next change run read approved version %q, want %q (the change made within the listed second)", got, want)
	}

	// Two seconds after its date, a listing settles it: read once more,
	// then not again.
	at(t0.Add(12 * time.Second))
	docs, cursors, _ = changeRun(t, src, cursors)
	if approvedLabelOf(docs, id) != want {
		t.Fatalf("the settling run did not read the document: %+v", docs)
	}
	at(t0.Add(13 * time.Second))
	docs, _, requests := changeRun(t, src, cursors)
	if len(docs) != 0 {
		t.Errorf("an unchanged feed, settled, described %d documents: %+v", len(docs), docs)
	}
	if watches := len(src.watches(activities.FeedDocuments)); requests != watches {
		t.Errorf("an unchanged feed cost %d requests, want one browse per watch (%d)", requests, watches)
	}
}
