package opentext

import (
	"fmt"
	"testing"

	sim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// NodeAudit reads every page of a node's audit, oldest first, with the
// user of each event.
func TestNodeAuditReadsEveryPageOldestFirst(t *testing.T) {
	e := newEnv(t, sim.Options{})
	d := mustDoc(t, e, sim.PoliciesFolderID, "Audited.txt", "v1")
	// 101 versions more, so the audit spans two pages of 100.
	for i := 2; i <= 102; i++ {
		if _, err := e.c.AddVersion(ctx(t), d.ID, bytesUpload("Audited.txt", fmt.Sprint("v", i), nil), ""); err != nil {
			t.Fatal(err)
		}
	}
	events, err := e.c.NodeAudit(ctx(t), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 102 || events[0].Name != "Create" || events[101].Name != "Add Version" {
		t.Fatalf("got %d events, first %+v", len(events), events[0])
	}
	for i, ev := range events {
		if ev.NodeID != d.ID || ev.UserID == 0 || ev.At.IsZero() || (i > 0 && ev.At.Before(events[i-1].At)) {
			t.Fatalf("event %d: %+v", i, ev)
		}
	}
	if _, err := e.c.NodeAudit(ctx(t), 987654); restErr(t, err).StatusCode != 400 {
		t.Errorf("unknown node: %v", err)
	}
}
