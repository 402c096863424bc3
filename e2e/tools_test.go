package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/internal/devserver"
)

// requireToolsEnv names the variable that makes a missing tool a failure:
// `make test` and CI set it to 1, so the suite they run is always whole.
const requireToolsEnv = "XECM_REQUIRE_TOOLS"

// toolsMissing says why these tests cannot run on this machine, or ""
// when they can: they need the Temporal CLI for a real dev server.
func toolsMissing() string {
	if _, err := devserver.CLIPath(); err != nil {
		return err.Error()
	}
	return ""
}

// skipReason is why TestMain skips the package, or "" to run it: only
// when a tool is missing and XECM_REQUIRE_TOOLS is not 1. Plain
// `go test ./...` then works for a newcomer without the Temporal CLI.
func skipReason() string {
	if os.Getenv(requireToolsEnv) == "1" {
		return ""
	}
	return toolsMissing()
}

// hideTemporalCLI makes devserver.CLIPath find nothing: TEMPORAL_CLI
// names a missing file, and PATH and GOPATH are empty directories.
func hideTemporalCLI(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("TEMPORAL_CLI", filepath.Join(empty, "temporal"))
	t.Setenv("PATH", empty)
	t.Setenv("GOPATH", empty)
}

// TestSkipReason: without the CLI the package is skipped with a one-line
// reason, except under XECM_REQUIRE_TOOLS=1, where it runs and fails.
func TestSkipReason(t *testing.T) {
	t.Run("CLI missing", func(t *testing.T) {
		hideTemporalCLI(t)
		t.Setenv(requireToolsEnv, "")
		if r := skipReason(); !strings.Contains(r, "Temporal CLI") || strings.Contains(r, "\n") {
			t.Errorf("skipReason() = %q, want one line naming the Temporal CLI", r)
		}
	})
	t.Run("CLI missing but required", func(t *testing.T) {
		hideTemporalCLI(t)
		t.Setenv(requireToolsEnv, "1")
		if r := skipReason(); r != "" {
			t.Errorf("skipReason() = %q with %s=1, want \"\" (run, and fail)", r, requireToolsEnv)
		}
	})
	t.Run("CLI present", func(t *testing.T) {
		hideTemporalCLI(t)
		cli := filepath.Join(t.TempDir(), "temporal")
		if err := os.WriteFile(cli, nil, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv("TEMPORAL_CLI", cli)
		t.Setenv(requireToolsEnv, "")
		if r := skipReason(); r != "" {
			t.Errorf("skipReason() = %q with TEMPORAL_CLI=%s, want \"\"", r, cli)
		}
	})
}
