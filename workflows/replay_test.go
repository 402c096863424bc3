package workflows_test

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"

	"github.com/xecm-bridge/xecm-bridge/internal/roles"
)

// TestReplayRecordedHistories replays histories recorded from real runs on
// a dev server (see e2e/record_test.go). A failure means a change to the
// workflow code is not deterministic for runs already in flight: guard it
// with workflow.GetVersion.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no recorded histories in testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			// The worker's own list: a workflow the worker runs cannot be
			// left out of the replay.
			roles.Register(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatal(err)
			}
		})
	}
}
