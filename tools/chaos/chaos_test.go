package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/internal/devserver"
	confluencesim "github.com/xecm-bridge/xecm-bridge/simulators/confluence"
)

// TestChaosShort is the short form of the c2o scenario: 40 pages published by
// two real worker processes while one of them is SIGKILLed every 4 s (4
// kills), the dev server is restarted once, OTCS is down for 5 s and ~20 %
// of the requests get 429/503; then every invariant must hold.
func TestChaosShort(t *testing.T) {
	cfg := shortConfig(t)
	cfg.Pages, cfg.Concurrency = 40, 20
	cfg.Deadline = 75 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := run(ctx, cfg)
	if res != nil {
		var table bytes.Buffer
		res.printTable(&table)
		t.Log("\n" + table.String())
	}
	if err != nil {
		t.Fatal(err)
	}
	checkChaos(t, res)
	if len(res.Completions) != cfg.Pages {
		t.Errorf("%d runs completed, want %d", len(res.Completions), cfg.Pages)
	}
	for _, v := range res.Violations {
		t.Error(v)
	}
	for _, c := range res.Checks {
		if c.Checked != cfg.Pages || c.Held != c.Checked {
			t.Errorf("invariant %q: %d/%d (want %d)", c.Name, c.Held, c.Checked, cfg.Pages)
		}
	}
}

// TestChaosO2CShort is the short form of the o2c scenario: 60 approved
// documents synced by on-demand and scheduled SyncDocuments runs while
// they get new versions and Owner edits, with the same kills, restart,
// outage and faults as TestChaosShort; then every invariant must hold.
func TestChaosO2CShort(t *testing.T) {
	cfg := shortConfig(t)
	cfg.Documents, cfg.EditEvery, cfg.SyncPause, cfg.FullEvery = 60, 100*time.Millisecond, time.Second, 2
	cfg.FaultHold, cfg.Deadline = 45*time.Second, 120*time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	res, err := runO2C(ctx, cfg)
	if res != nil {
		var table bytes.Buffer
		res.printTable(&table)
		t.Log("\n" + table.String())
	}
	if err != nil {
		t.Fatal(err)
	}
	checkChaos(t, res)
	// Whether a fault meets a Confluence write is chance (about 6 % of
	// some 60 writes): reported, not required, so the suite cannot fail on
	// a lucky run. The full run (make chaos) has hundreds of writes.
	if f := res.O2C; f.ConfWrites429+f.ConfWrites503 == 0 {
		t.Logf("no Confluence write was answered 429/503 this time (%d writes in the chaos phase)", f.ConfWrites)
	}
	if e := res.O2C.Edits; e.Major == 0 || e.Minor == 0 || e.Metadata == 0 {
		t.Errorf("edits %d major, %d minor, %d metadata: want each kind", e.Major, e.Minor, e.Metadata)
	}
	for _, v := range res.Violations {
		t.Error(v)
	}
	for _, c := range res.Checks {
		if c.Checked == 0 || c.Held != c.Checked {
			t.Errorf("invariant %q: %d/%d", c.Name, c.Held, c.Checked)
		}
	}
}

// shortConfig is the short chaos of `make test`: 16 s of chaos with a
// kill every 4 s, the dev-server restart at 10 s and OTCS down from 3 s to
// 8 s; it builds the workers binary and skips without the Temporal CLI.
func shortConfig(t *testing.T) Config {
	t.Helper()
	if testing.Short() {
		t.Skip("chaos run (real dev server, two worker processes, about a minute): skipped with -short; run without -short or `make chaos`")
	}
	cli, err := devserver.CLIPath()
	if err != nil {
		// Plain `go test ./...` skips without the CLI; `make test` and CI
		// (XECM_REQUIRE_TOOLS=1) fail instead, so their suite is whole.
		if os.Getenv("XECM_REQUIRE_TOOLS") == "1" {
			t.Fatal(err)
		}
		t.Skipf("%v (XECM_REQUIRE_TOOLS=1 makes this a failure)", err)
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "workers")
	build := exec.Command("go", "build", "-o", bin, "./workers")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./workers: %v\n%s", err, out)
	}
	cfg := defaultConfig()
	cfg.Chaos, cfg.KillEvery = 16*time.Second, 4*time.Second
	cfg.RestartAt, cfg.OutageAt, cfg.Outage = 10*time.Second, 3*time.Second, 5*time.Second
	cfg.WorkersBin, cfg.TemporalCLI, cfg.Root = bin, cli, root
	cfg.Dir = t.TempDir()
	if testing.Verbose() {
		cfg.Progress = os.Stderr
	}
	return cfg
}

// checkChaos checks that the chaos happened: 4 kills, one restart, the
// outage, and both kinds of fault on both simulators.
func checkChaos(t *testing.T, res *Result) {
	t.Helper()
	// A kill finds its worker slot empty now and then (that worker is
	// still being restarted after the dev-server restart): timing, not the
	// bridge. Every planned kill must have been tried, and most must hit.
	if len(res.Kills)+res.KillsSkipped != 4 || len(res.Kills) < 2 {
		t.Errorf("%d worker kills and %d skipped, want 4 tried and at least 2 made", len(res.Kills), res.KillsSkipped)
	}
	if res.Restarts != 1 {
		t.Errorf("%d dev-server restarts, want 1", res.Restarts)
	}
	if res.OutageTo <= res.OutageFrom {
		t.Error("no OTCS outage")
	}
	for _, b := range res.Backends {
		if b.TooMany == 0 || b.Unavailable == 0 {
			t.Errorf("%s: %d × 429 and %d × 503 injected, want both", b.Name, b.TooMany, b.Unavailable)
		}
	}
	if res.Backends[1].Down == 0 {
		t.Error("OTCS answered nothing while down")
	}
}

// The seed endpoint the chaos run uses: N pages with labels, numbered
// titles, and a refusal (409) when a title is taken.
func TestSeedEndpoint(t *testing.T) {
	sim := confluencesim.New(confluencesim.Options{Seed: true})
	url, stop, err := serve(sim.Handler())
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	sim.SetBaseURL(url)
	w := &world{cfg: Config{Pages: 3}, confURL: url}
	pages, err := w.seed(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 3 || pages[0].Title != "Chaos policy 0001" || pages[2].Title != "Chaos policy 0003" || pages[0].Version != 1 {
		t.Fatalf("pages %+v", pages)
	}
	if pages[0].WorkflowID != "publish:"+pages[0].ID+":v1" {
		t.Errorf("workflow id %q", pages[0].WorkflowID)
	}
	p, _ := sim.Page(pages[1].ID)
	if p.SpaceKey != "POL" || strings.Join(p.Labels, ",") != "approved,dept-chaos" {
		t.Errorf("page %+v", p)
	}
	if _, err := w.seed(context.Background()); err == nil || !strings.Contains(err.Error(), "409") {
		t.Errorf("seeding the same titles again: %v, want a 409", err)
	}
}
