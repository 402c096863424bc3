package e2e

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
)

// -record writes the histories of selected runs to
// workflows/testdata/<release>/, where the replay test checks that today's
// workflow code still replays every release's runs. A release records one
// fresh set (`go test ./e2e -record -release v0.2.0`); histories of
// earlier releases are never re-recorded or deleted, since runs they
// describe may be in flight.
var (
	record  = flag.Bool("record", false, "write run histories to workflows/testdata/<release>")
	release = flag.String("release", "v0.1.0", "the release whose histories -record writes")
)

func recordHistory(t *testing.T, workflowID, file string) {
	t.Helper()
	if !*record {
		return
	}
	// A run closing on its own (a lease its parent's close terminates) is
	// recorded whole; one that waits on is recorded as far as it got.
	for i := 0; i < 100; i++ {
		d, err := h.temporal.DescribeWorkflowExecution(context.Background(), workflowID, "")
		if err != nil || d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			break
		}
		time.Sleep(100 * time.Millisecond)
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
	path := filepath.Join("..", "workflows", "testdata", *release, file)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %s", path)
}
