package workflows_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/internal/roles"
)

// histories are the recorded runs of every release since the v0.1.0
// baseline: testdata/<release>/<workflow>.json, recorded from real runs on
// a dev server (go test ./e2e -record -release vX.Y.Z).
func histories(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "v*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no recorded histories in testdata/<release>/")
	}
	return files
}

// TestReplayRecordedHistories replays every release's recorded histories.
// A failure means a change to the workflow code is not deterministic for
// runs already in flight: guard it with workflow.GetVersion, or ship it as
// a new Worker Deployment version.
func TestReplayRecordedHistories(t *testing.T) {
	for _, f := range histories(t) {
		t.Run(filepath.ToSlash(f), func(t *testing.T) {
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

// TestEveryWorkflowTypeHasAHistory: every workflow the worker registers is
// replay-tested by at least one recorded run of the baseline release.
func TestEveryWorkflowTypeHasAHistory(t *testing.T) {
	recorded := map[string]bool{}
	for _, f := range histories(t) {
		if strings.HasPrefix(filepath.Base(filepath.Dir(f)), "v0.1.0") {
			recorded[historyType(t, f)] = true
		}
	}
	var names typeNames
	roles.Register(&names)
	if len(names) < 10 {
		t.Fatalf("roles.Register registered only %v", names)
	}
	for _, name := range names {
		if !recorded[name] {
			t.Errorf("workflow %s has no recorded history in testdata/v0.1.0: add a recordHistory call to the e2e test that runs it", name)
		}
	}
}

// historyType is the workflow type of a recorded history's first event.
func historyType(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Events []struct {
			Attrs *struct {
				WorkflowType struct{ Name string } `json:"workflowType"`
			} `json:"workflowExecutionStartedEventAttributes"`
		} `json:"events"`
	}
	if err := json.Unmarshal(data, &h); err != nil || len(h.Events) == 0 || h.Events[0].Attrs == nil {
		t.Fatalf("%s is not a recorded history starting with WorkflowExecutionStarted (%v)", file, err)
	}
	return h.Events[0].Attrs.WorkflowType.Name
}

// typeNames collects the workflow type names roles.Register registers,
// named as the SDK names a function (its name without the package).
type typeNames []string

func (n *typeNames) RegisterWorkflow(w any) {
	full := runtime.FuncForPC(reflect.ValueOf(w).Pointer()).Name()
	*n = append(*n, full[strings.LastIndex(full, ".")+1:])
}

func (n *typeNames) RegisterWorkflowWithOptions(w any, opts workflow.RegisterOptions) {
	if opts.Name != "" {
		*n = append(*n, opts.Name)
		return
	}
	n.RegisterWorkflow(w)
}

func (n *typeNames) RegisterDynamicWorkflow(any, workflow.DynamicRegisterOptions) {}
