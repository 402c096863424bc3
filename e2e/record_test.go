package e2e

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
)

// -record writes the histories of selected runs to workflows/testdata, where
// the replay test checks that today's workflow code still replays them.
// Run `go test ./e2e -run TestPublishTwoVersions -record` after a change
// that is meant to be compatible, and commit the new files only for new
// workflow versions (old histories must keep replaying).
var record = flag.Bool("record", false, "write run histories to workflows/testdata")

func recordHistory(t *testing.T, workflowID, file string) {
	t.Helper()
	if !*record {
		return
	}
	it := h.temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	hist := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		hist.Events = append(hist.Events, ev)
	}
	data, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(hist)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "workflows", "testdata", file)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %s", path)
}
