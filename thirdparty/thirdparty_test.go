// Package thirdparty runs widely used third-party API clients, unchanged,
// against the in-process simulators: npm confluence.js against
// simulators/confluence and npm @kweli/cs-rest against simulators/opentext.
// The clients and their exact versions are pinned in package.json and
// package-lock.json beside this file; `make test` installs them with
// `npm ci` (target thirdparty/node_modules) before the Go tests run.
// Without Node.js or the installed clients the test skips with the reason,
// unless XECM_REQUIRE_TOOLS=1 (`make test`, CI) makes that a failure.
//
// Each *.test.mjs file is run with Node's built-in test runner, with the
// simulator base URLs in CONFLUENCE_SIM_URL and OPENTEXT_SIM_URL. A failure
// there means a simulator deviates from the published API contract (or a
// library regressed): fix the simulator, not the test.
package thirdparty

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/simulators/confluence"
	"github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// minNodeMajor is the oldest Node.js the pinned clients support
// (confluence.js 2.x declares engines.node >= 20).
const minNodeMajor = 20

const installHint = "Install Node.js >= 20 with npm (Debian/Ubuntu: `apt-get install nodejs npm`; " +
	"or a release from nodejs.org), then run `make test`, which installs the pinned clients " +
	"with `npm ci --prefix thirdparty --no-audit --no-fund --ignore-scripts` (target thirdparty/node_modules)."

func TestThirdPartyClients(t *testing.T) {
	node := requireNode(t)
	requireModules(t)

	files, err := filepath.Glob("*.test.mjs")
	if err != nil || len(files) == 0 {
		t.Fatalf("no *.test.mjs files in thirdparty/ (err %v)", err)
	}
	sort.Strings(files)

	conf := confluence.New(confluence.Options{Seed: true})
	confSrv := httptest.NewServer(conf.Handler())
	t.Cleanup(confSrv.Close)
	conf.SetBaseURL(confSrv.URL)

	ot, err := opentext.New(opentext.Options{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ot.Close() })
	otSrv := httptest.NewServer(ot.Handler())
	t.Cleanup(otSrv.Close)

	env := append(os.Environ(),
		"CONFLUENCE_SIM_URL="+confSrv.URL,
		"OPENTEXT_SIM_URL="+otSrv.URL+"/otcs/cs.exe",
		// The simulators listen on loopback; never send that through a proxy.
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
		"NO_COLOR=1", "NODE_DISABLE_COLORS=1",
	)
	for _, f := range files {
		t.Run(strings.TrimSuffix(f, ".test.mjs"), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", f)
			cmd.Env = env
			cmd.WaitDelay = 5 * time.Second
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			start := time.Now()
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("node --test %s timed out after %s; output:\n%s", f, time.Since(start).Round(time.Millisecond), out.String())
			}
			if err != nil {
				t.Fatalf("node --test %s failed (%v); output:\n%s", f, err, out.String())
			}
			t.Logf("node --test %s passed in %s:\n%s", f, time.Since(start).Round(time.Millisecond), out.String())
		})
	}
}

// toolMissing ends the test for a tool that is not there: a skip with the
// reason for a plain `go test ./...`, a failure when XECM_REQUIRE_TOOLS=1
// (`make test`, CI), where these checks are part of the suite.
func toolMissing(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("XECM_REQUIRE_TOOLS") == "1" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format+" (XECM_REQUIRE_TOOLS=1 makes this a failure)", args...)
}

// requireNode finds node and checks its major version; a missing or too
// old Node.js ends the test through toolMissing.
func requireNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		toolMissing(t, "node is not on PATH: the third-party client check needs it. %s", installHint)
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		t.Fatalf("%s --version: %v. %s", node, err, installHint)
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	major, err := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
	if err != nil || major < minNodeMajor {
		toolMissing(t, "node %s is too old (want >= %d). %s", strings.TrimSpace(string(out)), minNodeMajor, installHint)
	}
	return node
}

// requireModules checks that node_modules holds exactly the versions that
// package.json pins, so a stale or missing install ends the test with
// advice (through toolMissing) instead of an obscure import error.
func requireModules(t *testing.T) {
	t.Helper()
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	raw, err := os.ReadFile("package.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		t.Fatalf("package.json: %v", err)
	}
	var problems []string
	for name, want := range pkg.Dependencies {
		raw, err := os.ReadFile(filepath.Join("node_modules", filepath.FromSlash(name), "package.json"))
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s@%s is not installed", name, want))
			continue
		}
		var got struct {
			Version string `json:"version"`
		}
		if err := json.Unmarshal(raw, &got); err != nil || got.Version != want {
			problems = append(problems, fmt.Sprintf("%s is %q in node_modules, package.json pins %s", name, got.Version, want))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		hint := "run `make thirdparty/node_modules` (or `npm ci --prefix thirdparty --no-audit --no-fund --ignore-scripts`)"
		if _, err := exec.LookPath("npm"); err != nil {
			hint = "npm is not on PATH. " + installHint
		}
		toolMissing(t, "third-party clients not installed: %s; %s", strings.Join(problems, "; "), hint)
	}
}
