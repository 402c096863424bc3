// Command chaos runs the real bridge while breaking what it runs on: two
// worker processes (the real workers binary) are SIGKILLed in turn and
// restarted, the Temporal dev server (a child process with a database
// file) is stopped and started again once, OTCS is taken down for a
// while, and both simulators answer about 20 % of the requests with 429
// or 503. It has two scenarios, run one after the other by default:
//
//   - c2o: many approved pages are published; afterwards each page must
//     have exactly one OTCS record with one verified version, linked back
//     on the page.
//   - o2c: several hundred approved documents in a watched OTCS folder are
//     synced to document pages by full and incremental SyncDocuments runs
//     (two at once) while they get new versions and metadata edits;
//     afterwards, and after a settle sync, each must have exactly one
//     live page on its latest approved version with one controlled copy,
//     a back link written once, nothing else changed in OTCS, and a
//     second sync must write nothing.
//
// Then it checks from the simulators' own state, and Temporal's for the
// runs, that no run failed. It prints a Markdown table per scenario and
// exits non-zero on any violation. Run it with `make chaos`
// (scripts/chaos.sh).
//
// Everything listens on loopback; only the processes this program started
// are signalled, by their pids.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/xecm-bridge/xecm-bridge/internal/devserver"
)

func main() {
	cfg := defaultConfig()
	flag.IntVar(&cfg.Pages, "pages", cfg.Pages, "approved pages to publish (seeded in space POL)")
	flag.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "publish runs open at once (a new one starts when one completes)")
	flag.IntVar(&cfg.Workers, "workers-count", cfg.Workers, "worker processes (each with every role)")
	flag.StringVar(&cfg.WorkersBin, "workers", "", "path to the built workers binary (required; scripts/chaos.sh builds it)")
	flag.DurationVar(&cfg.Chaos, "chaos", cfg.Chaos, "length of the chaos phase: kills, the dev-server restart, the outage and the faults happen in it")
	flag.DurationVar(&cfg.KillEvery, "kill-every", cfg.KillEvery, "SIGKILL one worker (in turn) this often during the chaos phase (0: never)")
	flag.DurationVar(&cfg.RestartAt, "restart-at", cfg.RestartAt, "restart the dev server this long after the first publish (negative: never)")
	flag.DurationVar(&cfg.OutageAt, "outage-at", cfg.OutageAt, "take OTCS down this long after the first publish")
	flag.DurationVar(&cfg.Outage, "outage", cfg.Outage, "how long OTCS stays down (0: no outage)")
	flag.IntVar(&cfg.FaultPercent, "fault-percent", cfg.FaultPercent, "c2o: share of API requests answered 429/503 on both simulators during the chaos phase (half each)")
	flag.DurationVar(&cfg.Deadline, "deadline", cfg.Deadline, "give up waiting for the runs this long after the first publish")
	flag.StringVar(&cfg.Dir, "dir", "", "directory for the dev-server database, logs and OTCS blobs (default: a new temporary directory, removed afterwards)")
	flag.IntVar(&cfg.Documents, "documents", cfg.Documents, "o2c: approved documents to sync (seeded in the watched folder)")
	flag.DurationVar(&cfg.EditEvery, "edit-every", cfg.EditEvery, "o2c: one new version or metadata edit this often during the chaos phase (0: none)")
	flag.DurationVar(&cfg.SyncPause, "sync-pause", cfg.SyncPause, "o2c: pause between one sync's end and the next start of its kind (on demand, scheduled)")
	flag.IntVar(&cfg.FullEvery, "full-every", cfg.FullEvery, "o2c: every Nth scheduled sync is a full sweep")
	flag.IntVar(&cfg.DocFaultPercent, "o2c-fault-percent", cfg.DocFaultPercent, "o2c: share of API requests answered 429/503 (half each); each costs a 1 s Retry-After inside a 50-document batch")
	flag.DurationVar(&cfg.FaultHold, "fault-hold", cfg.FaultHold, "o2c: keep the faults on after the chaos phase until Confluence writes have met them, for at most this long")
	scenario := flag.String("scenario", "both", "c2o (publish pages), o2c (sync documents) or both, one after the other")
	quiet := flag.Bool("quiet", false, "no progress lines on stderr")
	flag.Parse()
	runs := map[string][]func(context.Context, Config) (*Result, error){
		ScenarioC2O: {run}, ScenarioO2C: {runO2C}, "both": {run, runO2C},
	}[*scenario]
	if runs == nil {
		fmt.Fprintf(os.Stderr, "chaos: --scenario %q: want c2o, o2c or both\n", *scenario)
		os.Exit(2)
	}
	if cfg.WorkersBin == "" {
		fmt.Fprintln(os.Stderr, "chaos: --workers is required (go build -o DIR ./workers)")
		os.Exit(2)
	}
	cli, err := devserver.CLIPath()
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(3)
	}
	cfg.TemporalCLI = cli
	if cfg.Root, err = moduleRoot(); err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(3)
	}
	if !*quiet {
		cfg.Progress = os.Stderr
	}
	// Ctrl-C or SIGTERM ends the run early; the deferred clean-up still
	// stops the children.
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	failed := false
	for i, runner := range runs {
		if i > 0 {
			fmt.Println()
		}
		res, err := runner(ctx, cfg)
		if res != nil {
			res.printTable(os.Stdout)
		}
		switch {
		case err != nil:
			fmt.Fprintln(os.Stderr, "chaos:", err)
			os.Exit(1)
		case len(res.Violations) > 0:
			// The table lists 20; the log directory (kept) gets them all.
			all := filepath.Join(res.LogDir, "violations.txt")
			if werr := os.WriteFile(all, []byte(strings.Join(res.Violations, "\n")+"\n"), 0o644); werr != nil {
				all = werr.Error()
			}
			fmt.Fprintf(os.Stderr, "chaos: %s: %d invariant violation(s), all in %s\n", res.Scenario, len(res.Violations), all)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// moduleRoot walks up from the working directory to go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

func defaultConfig() Config {
	return Config{
		Pages: 200, Concurrency: 50, Workers: 2,
		Chaos: 60 * time.Second, KillEvery: 4 * time.Second,
		RestartAt: 36 * time.Second, OutageAt: 8 * time.Second, Outage: 20 * time.Second,
		FaultPercent: 20, Deadline: 7 * time.Minute,
		Documents: 400, EditEvery: 150 * time.Millisecond, SyncPause: 2 * time.Second, FullEvery: 3, DocFaultPercent: 6, FaultHold: 60 * time.Second,
	}
}
