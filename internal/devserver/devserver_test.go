package devserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hideCLI makes CLIPath find nothing: TEMPORAL_CLI names a missing file,
// and PATH and GOPATH are empty directories.
func hideCLI(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("TEMPORAL_CLI", filepath.Join(empty, "temporal"))
	t.Setenv("PATH", empty)
	t.Setenv("GOPATH", empty)
}

// TestSkipReason: without the CLI a package sharing a dev server skips
// with a one-line reason, except under XECM_REQUIRE_TOOLS=1, where it
// runs (and Start fails it).
func TestSkipReason(t *testing.T) {
	t.Run("CLI missing", func(t *testing.T) {
		hideCLI(t)
		t.Setenv(RequireToolsEnv, "")
		if r := SkipReason(); !strings.Contains(r, "Temporal CLI") || strings.Contains(r, "\n") {
			t.Errorf("SkipReason() = %q, want one line naming the Temporal CLI", r)
		}
	})
	t.Run("CLI missing but required", func(t *testing.T) {
		hideCLI(t)
		t.Setenv(RequireToolsEnv, "1")
		if r := SkipReason(); r != "" {
			t.Errorf("SkipReason() = %q with %s=1, want \"\" (run, and fail)", r, RequireToolsEnv)
		}
	})
	t.Run("CLI present", func(t *testing.T) {
		hideCLI(t)
		cli := filepath.Join(t.TempDir(), "temporal")
		if err := os.WriteFile(cli, nil, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv("TEMPORAL_CLI", cli)
		t.Setenv(RequireToolsEnv, "")
		if r := SkipReason(); r != "" {
			t.Errorf("SkipReason() = %q with TEMPORAL_CLI=%s, want \"\"", r, cli)
		}
	})
}

// TestDemoScriptRunsTheTuning: `make demo` starts its dev server from a
// shell script, which must pass the same dynamic config as Start, or the
// demo's hand-offs wait for the server's default 50 ms ticks.
func TestDemoScriptRunsTheTuning(t *testing.T) {
	script, err := os.ReadFile(filepath.Join("..", "..", "scripts", "demo.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range Tuning {
		if !strings.Contains(string(script), "--dynamic-config-value "+kv+"\n") {
			t.Errorf("scripts/demo.sh does not pass --dynamic-config-value %s", kv)
		}
	}
	if n := strings.Count(string(script), "--dynamic-config-value"); n != len(Tuning) {
		t.Errorf("scripts/demo.sh passes %d dynamic config values, internal/devserver.Tuning has %d", n, len(Tuning))
	}
}
