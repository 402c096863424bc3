package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/log"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/logging"
	confluencesim "github.com/xecm-bridge/xecm-bridge/simulators/confluence"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// Config is one chaos run. Times are offsets from the first publish (C→O)
// or the first sync (O→C).
type Config struct {
	Pages, Concurrency, Workers int
	Documents                   int           // O→C: approved documents seeded in the watched folder
	EditEvery                   time.Duration // O→C: one new version or metadata edit this often during the chaos
	SyncPause                   time.Duration // O→C: between the end of a sync and the next start of its kind
	FullEvery                   int           // O→C: every Nth scheduled sync is a full sweep
	// DocFaultPercent replaces FaultPercent in O→C: each fault costs a
	// 1 s Retry-After inside a batch activity of up to 50 documents (a few
	// hundred requests), so 20 % would hold every sync still for the whole
	// chaos phase and no Confluence write would ever meet a fault.
	DocFaultPercent int
	// FaultHold bounds how long O→C keeps the faults on after the chaos
	// phase, until Confluence writes have met them: a killed worker's
	// batch waits out its 30 s heartbeat timeout first.
	FaultHold               time.Duration
	WorkersBin, TemporalCLI string
	Root                    string // module root (mapping.yaml)
	Chaos, KillEvery        time.Duration
	RestartAt               time.Duration // < 0: no restart
	OutageAt, Outage        time.Duration
	FaultPercent            int
	Deadline                time.Duration
	Dir                     string    // "" = a temporary directory, removed afterwards
	Progress                io.Writer // progress lines; nil = none
}

// Result holds the figures and the invariant check of a run.
type Result struct {
	Cfg                  Config
	Scenario             string // ScenarioC2O or ScenarioO2C
	Machine              string
	Pages                int
	Kills                []time.Duration
	KillsSkipped         int
	WorkerStarts         int
	WorkerSelfExits      int
	Restarts             int
	RestartAt            time.Duration
	RestartStop          time.Duration // SIGTERM to exit
	RestartDown          time.Duration // SIGTERM to the re-dialled client
	RestartSIGKILL       bool
	OutageFrom, OutageTo time.Duration
	Backends             []backendFigures
	FaultEvery           int
	StartRetries         int
	DescribeErrors       int
	Retries              retryFigures
	Completions          []time.Duration // close times of the runs, sorted
	Statuses             map[string]int
	ChaosEnd             time.Duration
	LastCompletion       time.Duration
	Setup                time.Duration
	Total                time.Duration
	Checks               []check
	Violations           []string
	LogDir               string
	O2C                  *o2cFigures // the O→C scenario's own figures; nil for C→O

	mu sync.Mutex // Violations, from several goroutines
}

// LastKill is the offset of the last worker kill (0 without kills).
func (r *Result) LastKill() time.Duration {
	if len(r.Kills) == 0 {
		return 0
	}
	return r.Kills[len(r.Kills)-1]
}

// Drain is the time from the last kill to the last completion.
func (r *Result) Drain() time.Duration {
	return max(0, r.LastCompletion-r.LastKill())
}

func (r *Result) violate(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Violations = append(r.Violations, fmt.Sprintf(format, args...))
}

type seededPage struct {
	ID, Title  string
	Version    int
	WorkflowID string
}

// world is what a run has up.
type world struct {
	cfg       Config
	dir       string
	logger    log.Logger
	confSim   *confluencesim.Server
	otSim     *opentextsim.Server
	confURL   string
	otURL     string
	server    *devServer
	tc        *temporalConn
	pool      *workerPool
	driver    *faultDriver
	conf      *confluence.Client
	confTap   *writeTap // the API requests each simulator answered, writes apart
	otTap     *writeTap
	t0        time.Time
	progress  io.Writer
	progressM sync.Mutex
}

func (w *world) logf(format string, args ...any) {
	if w.progress == nil {
		return
	}
	w.progressM.Lock()
	defer w.progressM.Unlock()
	at := ""
	if !w.t0.IsZero() {
		at = fmt.Sprintf("[%6.1fs] ", time.Since(w.t0).Seconds())
	}
	fmt.Fprintf(w.progress, "chaos: %s%s\n", at, fmt.Sprintf(format, args...))
}

func serve(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// run performs one chaos run of the C→O scenario. An error means the
// harness itself could not run; broken invariants are in Result.Violations.
func run(ctx context.Context, cfg Config) (_ *Result, err error) {
	began := time.Now()
	res := &Result{Cfg: cfg, Scenario: ScenarioC2O, Machine: machine(), Pages: cfg.Pages, Statuses: map[string]int{}}
	var pages []seededPage
	w, down, err := up(ctx, cfg, res, func(ctx context.Context, w *world) error {
		var err error
		if pages, err = w.seed(ctx); err != nil {
			return err
		}
		w.logf("seeded %d approved pages in space POL (%s … %s)", len(pages), pages[0].ID, pages[len(pages)-1].ID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	defer func() { down(err != nil || len(res.Violations) > 0) }()
	res.Setup = time.Since(began)

	// The run: publishes, chaos, drain.
	confT, otT := w.armFaults(res, cfg.FaultPercent)
	w.logf("publishing %d pages, %d open at a time; chaos for %s", cfg.Pages, cfg.Concurrency, cfg.Chaos)
	deadline, cancelDeadline := context.WithDeadline(ctx, w.t0.Add(cfg.Deadline))
	defer cancelDeadline()
	tr := newTracker(cfg.Concurrency)
	var bg sync.WaitGroup
	bg.Add(2)
	go func() { defer bg.Done(); w.publishAll(deadline, pages, tr, res) }()
	go func() { defer bg.Done(); w.poll(deadline, tr, len(pages), res) }()

	w.chaos(deadline, res, otT)
	w.driver.stop()
	res.ChaosEnd = time.Since(w.t0)
	res.Backends = []backendFigures{confT.figures(), otT.figures()}
	w.logf("chaos over: faults cleared after %d kills and %d dev-server restart(s); waiting for the runs", len(res.Kills), res.Restarts)
	bg.Wait()
	if n := tr.openCount(); n > 0 {
		res.violate("%d runs were still open at the deadline (%s after the first publish)", n, cfg.Deadline)
	}
	res.Completions = tr.closeTimes(w.t0)
	if len(res.Completions) > 0 {
		res.LastCompletion = res.Completions[len(res.Completions)-1]
	}
	for _, st := range tr.statuses() {
		res.Statuses[st]++
	}
	res.WorkerStarts, res.WorkerSelfExits = w.pool.counts()
	w.logf("all runs closed (%d); checking invariants", len(res.Completions))

	checkCtx, cancelCheck := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelCheck()
	w.checkInvariants(checkCtx, pages, res)
	if res.Retries, err = w.readRetries(checkCtx, pageRuns(pages)); err != nil {
		w.logf("could not read every history: %v", err)
		err = nil
	}
	res.Total = time.Since(began)
	return res, nil
}

// up brings up what every scenario runs on, on loopback: both simulators
// in this process, seeded by seed; the Temporal dev server as a child
// process with a database file; the worker processes. down stops them in
// reverse order and removes the run's temporary directory unless the run
// failed (the logs are kept then).
func up(ctx context.Context, cfg Config, res *Result, seed func(context.Context, *world) error) (_ *world, down func(failed bool), err error) {
	w := &world{cfg: cfg, progress: cfg.Progress}
	var stack []func()
	down = func(failed bool) {
		for i := len(stack) - 1; i >= 0; i-- {
			stack[i]()
		}
		if cfg.Dir == "" && !failed {
			os.RemoveAll(w.dir)
		} else if cfg.Dir == "" {
			fmt.Fprintf(os.Stderr, "chaos: logs kept in %s\n", w.dir)
		}
	}
	defer func() {
		if err != nil {
			down(true)
		}
	}()
	w.dir = cfg.Dir
	if w.dir == "" {
		if w.dir, err = os.MkdirTemp("", "xecm-chaos-"); err != nil {
			return nil, nil, err
		}
	} else if err := os.MkdirAll(w.dir, 0o755); err != nil {
		return nil, nil, err
	}
	res.LogDir = w.dir
	sdkLog, err := os.OpenFile(filepath.Join(w.dir, "chaos-sdk.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, err
	}
	stack = append(stack, func() { sdkLog.Close() })
	zl, _ := logging.New("warn", sdkLog)
	w.logger = logging.NewTemporal(zl)

	// Simulators, in this process, on loopback.
	w.confSim = confluencesim.New(confluencesim.Options{Seed: true})
	w.confTap, w.otTap = &writeTap{}, &writeTap{}
	var stopConf, stopOT func()
	if w.confURL, stopConf, err = serve(w.confTap.wrap(w.confSim.Handler())); err != nil {
		return nil, nil, err
	}
	stack = append(stack, stopConf)
	w.confSim.SetBaseURL(w.confURL)
	blobs := filepath.Join(w.dir, "otcs-blobs")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return nil, nil, err
	}
	if w.otSim, err = opentextsim.New(opentextsim.Options{Seed: true, BlobDir: blobs}); err != nil {
		return nil, nil, err
	}
	stack = append(stack, func() { w.otSim.Close() })
	if w.otURL, stopOT, err = serve(w.otTap.wrap(w.otSim.Handler())); err != nil {
		return nil, nil, err
	}
	stack = append(stack, stopOT)
	if err := seed(ctx, w); err != nil {
		return nil, nil, err
	}

	// Temporal dev server: a child process with a database file.
	if w.server, err = newDevServer(cfg.TemporalCLI, w.dir, w.logger); err != nil {
		return nil, nil, err
	}
	if err := w.server.start(ctx); err != nil {
		return nil, nil, err
	}
	stack = append(stack, func() {
		w.server.stop(10 * time.Second)
		w.logf("dev server stopped")
	})
	w.logf("dev server up on %s (pid %d, database %s)", w.server.hostPort(), w.server.pid(), w.server.dbFile)
	w.tc = &temporalConn{hostPort: w.server.hostPort(), logger: w.logger}
	if err := w.tc.redial(ctx); err != nil {
		return nil, nil, err
	}
	w.tc.redials = 0
	stack = append(stack, w.tc.close)

	// Worker processes of the real binary.
	w.pool = newWorkerPool(cfg.WorkersBin, w.workerEnv(), w.dir, cfg.Workers)
	if err := w.pool.start(); err != nil {
		return nil, nil, err
	}
	stack = append(stack, func() {
		w.pool.stop(15 * time.Second)
		w.logf("workers stopped")
	})
	if err := w.waitForPollers(ctx, cfg.Workers); err != nil {
		return nil, nil, err
	}
	if w.conf, err = confluence.New(confluence.Config{BaseURL: w.confURL, Email: "bridge@example.com", APIToken: "demo-token"}); err != nil {
		return nil, nil, err
	}
	return w, down, nil
}

func (w *world) workerEnv() []string {
	return append(os.Environ(),
		"TEMPORAL_ADDRESS="+w.server.hostPort(), "TEMPORAL_NAMESPACE=default",
		"CONFLUENCE_BASE_URL="+w.confURL, "CONFLUENCE_EMAIL=bridge@example.com", "CONFLUENCE_API_TOKEN=demo-token",
		"OTCS_BASE_URL="+w.otURL+"/otcs/cs.exe", "OTCS_USERNAME=bridge", "OTCS_PASSWORD=bridge-secret",
		"BRIDGE_MAPPING_FILE="+filepath.Join(w.cfg.Root, "mapping.yaml"), "BRIDGE_LOG_LEVEL=warn", "BRIDGE_METRICS_ADDR=127.0.0.1:0",
		"BRIDGE_CONFLUENCE_RATE=1000", "BRIDGE_OPENTEXT_RATE=1000",
		"BRIDGE_CONFLUENCE_CONCURRENCY=32", "BRIDGE_OPENTEXT_CONCURRENCY=32", "BRIDGE_WORKFLOW_CONCURRENCY=100")
}

// seed creates the pages through the simulator's seed endpoint.
func (w *world) seed(ctx context.Context) ([]seededPage, error) {
	q := url.Values{"space": {"POL"}, "pages": {fmt.Sprint(w.cfg.Pages)}, "labels": {"approved,dept-chaos"}, "prefix": {"Chaos policy"}}
	var out struct {
		Pages []confluencesim.Page `json:"pages"`
	}
	if err := postSeed(ctx, w.confURL+"/__sim/seed?"+q.Encode(), "seed pages", &out); err != nil {
		return nil, err
	}
	if len(out.Pages) != w.cfg.Pages {
		return nil, fmt.Errorf("seed pages: asked for %d, got %d", w.cfg.Pages, len(out.Pages))
	}
	pages := make([]seededPage, len(out.Pages))
	for i, p := range out.Pages {
		pages[i] = seededPage{ID: p.ID, Title: p.Title, Version: p.Version, WorkflowID: workflows.PublishPageWorkflowID(p.ID, p.Version)}
	}
	return pages, nil
}

// waitForPollers waits until n worker processes poll the workflow queue.
func (w *world) waitForPollers(ctx context.Context, n int) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := w.tc.get().DescribeTaskQueue(ctx, workflows.TaskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
		if err == nil {
			ids := map[string]bool{}
			for _, p := range resp.GetPollers() {
				ids[p.GetIdentity()] = true
			}
			if len(ids) >= n {
				w.logf("%d worker processes polling", len(ids))
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the workers did not poll within 60 s; see %s/worker-*.log", w.dir)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// publishAll starts every publish, at most Concurrency open at once; a
// start that fails (the dev server is down) is tried again.
func (w *world) publishAll(ctx context.Context, pages []seededPage, tr *tracker, res *Result) {
	retries := 0
	defer func() { tr.mu.Lock(); res.StartRetries = retries; tr.mu.Unlock() }()
	for _, p := range pages {
		select {
		case tr.slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		for {
			pub := &control.Client{Temporal: w.tc.get(), Confluence: w.conf}
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			st, err := pub.Publish(cctx, p.ID, p.Version, "chaos")
			cancel()
			if err == nil {
				if st.WorkflowID != p.WorkflowID {
					res.violate("page %s: publish started %s, expected %s", p.ID, st.WorkflowID, p.WorkflowID)
				}
				tr.started(p.WorkflowID)
				break
			}
			retries++
			select {
			case <-ctx.Done():
				return
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
}

// poll describes every open run each second and notes the closed ones.
func (w *world) poll(ctx context.Context, tr *tracker, total int, res *Result) {
	errs := 0
	defer func() { tr.mu.Lock(); res.DescribeErrors = errs; tr.mu.Unlock() }()
	lastReport := time.Now()
	for {
		ids := tr.openIDs()
		c := w.tc.get()
		var mu sync.Mutex
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for _, id := range ids {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				defer cancel()
				d, err := c.DescribeWorkflowExecution(dctx, id, "")
				if err != nil {
					mu.Lock()
					errs++
					mu.Unlock()
					return
				}
				info := d.GetWorkflowExecutionInfo()
				if info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
					tr.closed(id, info.GetCloseTime().AsTime(), info.GetStatus())
				}
			}()
		}
		wg.Wait()
		done := tr.closedCount()
		if time.Since(lastReport) >= 10*time.Second {
			w.logf("%d/%d runs completed, %d open", done, total, tr.openCount())
			lastReport = time.Now()
		}
		if done >= total {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// chaos runs the kills, the dev-server restart and the OTCS outage, and
// re-arms the faults every second, until the chaos phase is over and the
// last of them has happened.
func (w *world) chaos(ctx context.Context, res *Result, ot *faultTarget) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	at := func(d time.Duration) bool { // sleeps until t0+d; false when ctx ended
		select {
		case <-time.After(time.Until(w.t0.Add(d))):
			return true
		case <-ctx.Done():
			return false
		}
	}
	if w.cfg.KillEvery > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1; time.Duration(i)*w.cfg.KillEvery <= w.cfg.Chaos; i++ {
				if !at(time.Duration(i) * w.cfg.KillEvery) {
					return
				}
				slot := (i - 1) % w.cfg.Workers
				pid := w.pool.kill(slot)
				mu.Lock()
				if pid == 0 {
					res.KillsSkipped++
				} else {
					res.Kills = append(res.Kills, time.Since(w.t0))
				}
				mu.Unlock()
				if pid != 0 {
					w.logf("SIGKILL worker %d (pid %d); restarted", slot+1, pid)
				}
			}
		}()
	}
	if w.cfg.Outage > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !at(w.cfg.OutageAt) {
				return
			}
			w.driver.downOn(ot)
			mu.Lock()
			res.OutageFrom = time.Since(w.t0)
			mu.Unlock()
			w.logf("OTCS down")
			at(w.cfg.OutageAt + w.cfg.Outage)
			w.driver.up(ot)
			mu.Lock()
			res.OutageTo = time.Since(w.t0)
			mu.Unlock()
			w.logf("OTCS back")
		}()
	}
	if w.cfg.RestartAt >= 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !at(w.cfg.RestartAt) {
				return
			}
			begin := time.Now()
			w.logf("stopping the dev server (SIGTERM, pid %d)", w.server.pid())
			killed := w.server.stop(10 * time.Second)
			stopped := time.Since(begin)
			if err := w.server.start(ctx); err != nil {
				res.violate("dev server restart: %v", err)
				return
			}
			if err := w.tc.redial(ctx); err != nil {
				res.violate("dev server restart: %v", err)
				return
			}
			mu.Lock()
			res.Restarts++
			res.RestartAt = begin.Sub(w.t0)
			res.RestartStop, res.RestartDown, res.RestartSIGKILL = stopped, time.Since(begin), killed
			mu.Unlock()
			w.logf("dev server restarted (pid %d, same database and ports), client re-dialled; down %.1fs", w.server.pid(), time.Since(begin).Seconds())
		}()
	}
	stopTicks := make(chan struct{})
	ticks := make(chan struct{})
	go func() {
		defer close(ticks)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		w.driver.tick()
		for {
			select {
			case <-t.C:
				w.driver.tick()
			case <-stopTicks:
				return
			}
		}
	}()
	// The faults stay on for the whole phase, and until the last kill,
	// the restart and the outage are over.
	at(w.cfg.Chaos)
	wg.Wait()
	close(stopTicks)
	<-ticks
}

// tracker follows the started runs.
type tracker struct {
	mu     sync.Mutex
	slots  chan struct{}
	open   map[string]bool
	closes map[string]closedRun
}

type closedRun struct {
	at     time.Time
	status enumspb.WorkflowExecutionStatus
}

func newTracker(concurrency int) *tracker {
	return &tracker{slots: make(chan struct{}, max(1, concurrency)), open: map[string]bool{}, closes: map[string]closedRun{}}
}

func (t *tracker) started(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.open[id] = true
}

func (t *tracker) closed(id string, at time.Time, st enumspb.WorkflowExecutionStatus) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.open[id] {
		return
	}
	delete(t.open, id)
	t.closes[id] = closedRun{at: at, status: st}
	<-t.slots
}

func (t *tracker) openIDs() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.open))
	for id := range t.open {
		out = append(out, id)
	}
	return out
}

func (t *tracker) openCount() int   { t.mu.Lock(); defer t.mu.Unlock(); return len(t.open) }
func (t *tracker) closedCount() int { t.mu.Lock(); defer t.mu.Unlock(); return len(t.closes) }

func (t *tracker) closeTimes(t0 time.Time) []time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []time.Duration
	for _, c := range t.closes {
		out = append(out, c.at.Sub(t0))
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (t *tracker) statuses() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, c := range t.closes {
		out = append(out, statusName(c.status))
	}
	return out
}

func statusName(s enumspb.WorkflowExecutionStatus) string {
	switch s {
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		return "Completed"
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:
		return "Failed"
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		return "Running"
	case enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED:
		return "Terminated"
	case enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		return "Canceled"
	case enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
		return "TimedOut"
	case enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
		return "ContinuedAsNew"
	}
	return s.String()
}

// postSeed calls a simulator's seed endpoint and decodes its answer.
func postSeed(ctx context.Context, url, what string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s: %s: %s", what, resp.Status, body)
	}
	return json.NewDecoder(resp.Body).Decode(into)
}

// armFaults sets the fault driver up on both simulators (percent of the
// requests answered 429 or 503 once it runs) and starts the run's clock.
func (w *world) armFaults(res *Result, percent int) (conf, ot *faultTarget) {
	w.driver = newFaultDriver(percent)
	res.FaultEvery = w.driver.every()
	conf = w.driver.add("Confluence", w.confSim.Faults(), w.confSim.Requests)
	ot = w.driver.add("OTCS", w.otSim.Faults(), w.otSim.Requests)
	w.t0 = time.Now()
	return conf, ot
}
