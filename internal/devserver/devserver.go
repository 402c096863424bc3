// Package devserver starts a real Temporal dev server (the Temporal CLI's
// start-dev: server, SQLite and Web UI) with the bridge's search attributes,
// for end-to-end tests and benchmarks.
package devserver

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// CLIPath finds the Temporal CLI: $TEMPORAL_CLI, then PATH, then
// $(go env GOPATH)/bin. `make test` installs it there when missing.
func CLIPath() (string, error) {
	if p := os.Getenv("TEMPORAL_CLI"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("temporal"); err == nil {
		return p, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gopath = strings.TrimSpace(string(out))
		}
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", "temporal")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("the Temporal CLI is not installed; run `make tools` (go install github.com/temporalio/cli/cmd/temporal@v1.5.1) or set TEMPORAL_CLI")
}

// Tuning is the dynamic config every dev server the project starts runs
// with: Start's (tests, the benchmark), the chaos run's, and `make demo`'s
// (scripts/demo.sh, which a test holds to this list). The dev server has one
// history shard, and each of its task queues reads new tasks at most 20
// times a second by default, so every hand-off (a workflow task after an
// activity, an activity after a workflow task, a timer, a visibility
// update) waited for the next 50 ms tick: 46 ms per hand-off and 290 ms
// for a trivial three-activity workflow run alone. At 1,000 reads a
// second the hand-off takes 2 ms and the run 37 ms; the reads are of an
// in-memory database and are only made when there are new tasks. A
// self-hosted cluster has the same defaults per shard (docs/operations.md).
var Tuning = []string{
	"history.transferProcessorMaxPollRPS=1000",
	"history.timerProcessorMaxPollRPS=1000",
	"history.visibilityProcessorMaxPollRPS=1000",
}

// TuningArgs is Tuning as start-dev flags.
func TuningArgs() []string { return DynamicConfigArgs(Tuning) }

// DynamicConfigArgs turns KEY=JSON_VALUE settings into start-dev flags.
func DynamicConfigArgs(kvs []string) []string {
	var args []string
	for _, kv := range kvs {
		args = append(args, "--dynamic-config-value", kv)
	}
	return args
}

// Start starts a dev server on free ports (in memory) and returns it; Stop
// it when done. logs receives the server's output (nil: discarded); extra
// are further start-dev flags, e.g. "--dynamic-config-value", "k=v".
func Start(ctx context.Context, logger log.Logger, logs io.Writer, extra ...string) (*testsuite.DevServer, error) {
	path, err := CLIPath()
	if err != nil {
		return nil, err
	}
	if logs == nil {
		logs = io.Discard
	}
	args := TuningArgs()
	for _, sa := range workflows.SearchAttributes {
		args = append(args, "--search-attribute", sa)
	}
	args = append(args, extra...)
	return testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  path,
		ClientOptions: &client.Options{Namespace: "default", Logger: logger},
		LogLevel:      "error",
		ExtraArgs:     args,
		Stdout:        logs,
		Stderr:        logs,
	})
}

// RequireToolsEnv names the variable that makes a missing Temporal CLI a
// failure instead of a skip: `make test` and CI set it to 1, so the suite
// they run is always whole.
const RequireToolsEnv = "XECM_REQUIRE_TOOLS"

// SkipReason is why a test package that shares one dev server (started
// in TestMain, where there is no *testing.T to skip) should skip itself,
// or "" to run: only when the CLI is missing and XECM_REQUIRE_TOOLS is
// not 1. Under XECM_REQUIRE_TOOLS=1 it is "", so Start runs and its error
// fails the package.
func SkipReason() string {
	if os.Getenv(RequireToolsEnv) == "1" {
		return ""
	}
	if _, err := CLIPath(); err != nil {
		return err.Error()
	}
	return ""
}

// Main is the TestMain of a package that shares one dev server: it skips
// the package with one line when SkipReason says so, otherwise runs run
// (which starts the server, then m.Run) and exits with its code, or 1
// with the error when the shared world could not be set up.
func Main(pkg string, run func() (int, error)) {
	if reason := SkipReason(); reason != "" {
		fmt.Printf("%s: skipped: %s (%s=1 makes this a failure)\n", pkg, reason, RequireToolsEnv)
		os.Exit(0)
	}
	code, err := run()
	if err != nil {
		fmt.Fprintln(os.Stderr, pkg+":", err)
		os.Exit(1)
	}
	os.Exit(code)
}

// RequireCLI skips a test that needs the Temporal CLI when it is missing,
// so plain `go test ./...` works for a newcomer; with XECM_REQUIRE_TOOLS=1
// (make test, CI) a missing CLI fails the test instead.
func RequireCLI(t testing.TB) {
	t.Helper()
	if _, err := CLIPath(); err != nil {
		if os.Getenv(RequireToolsEnv) == "1" {
			t.Fatal(err)
		}
		t.Skipf("%v (XECM_REQUIRE_TOOLS=1 makes this a failure)", err)
	}
}
