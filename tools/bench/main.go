// Command bench measures the bridge on this machine: publishes per second
// through a real dev server with simulator latency 0 ms and 50 ms, history
// events and billable Temporal actions per publish, and the worker's peak
// RSS while publishing a page with a 1 GiB attachment. The workers run as
// a separate process (the real binary) so their memory is their own.
// Run it with `make bench`; it prints a Markdown table for docs/benchmarks.md.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/devserver"
	"github.com/xecm-bridge/xecm-bridge/internal/logging"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	confluencesim "github.com/xecm-bridge/xecm-bridge/simulators/confluence"
	"github.com/xecm-bridge/xecm-bridge/simulators/faults"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

var (
	events, latencyPages, documents, templates, docxBytes, backfillPages, renditionImages *int
	documentsOnly, templatesOnly, renditionOnly                                           *bool
	closeOnly, backfillOnly                                                               *bool
	publishOnly, webhookOnly                                                              *bool
	latencies, serverConfig                                                               *string
)

func main() {
	pages := flag.Int("pages", 200, "pages per throughput run")
	bigSize := flag.Int64("attachment", 1<<30, "size of the large attachment in bytes")
	workersBin := flag.String("workers", "", "path to the built workers binary (required)")
	rssOnly := flag.Bool("rss-only", false, "measure only the large-attachment publish")
	events = flag.Int("events", 2000, "webhook events for the acceptance throughput")
	latencyPages = flag.Int("latency-pages", 100, "pages for the event-to-record latency")
	documents = flag.Int("documents", 1000, "watched OTCS documents for the document sync runs (0: skip)")
	documentsOnly = flag.Bool("documents-only", false, "measure only the document sync runs")
	templates = flag.Int("templates", 200, "OTCS templates for the template sync runs (0: skip)")
	docxBytes = flag.Int("docx-bytes", 20_000_000, "size of the DOCX the conversion is measured on")
	templatesOnly = flag.Bool("templates-only", false, "measure only the template conversion and sync runs")
	backfillPages = flag.Int("backfill", 2000, "approved pages for the backfill runs (0: skip)")
	renditionImages = flag.Int("rendition-images", 20, "images of the long page filed as MHTML and as PDF/A (0: skip)")
	renditionOnly = flag.Bool("rendition-only", false, "measure only the MHTML and PDF/A renditions of the long page")
	backfillOnly = flag.Bool("backfill-only", false, "measure only the dev server ceiling and the backfill of --backfill pages")
	closeOnly = flag.Bool("close-only", false, "measure only the closure of a space of --backfill pages (tools/bench/close.go)")
	publishOnly = flag.Bool("publish-only", false, "measure only the publish throughput rows (at --latencies), their breakdown and the ceiling")
	webhookOnly = flag.Bool("webhook-only", false, "measure only the signed event → record latency (--latency-pages)")
	latencies = flag.String("latencies", "0,50,200", "backend latencies in ms of the publish throughput rows")
	serverConfig = flag.String("server-config", "", "extra dev server dynamic config, KEY=JSON_VALUE[;KEY=JSON_VALUE...] (to try a server setting)")
	flag.Parse()
	if *rssOnly {
		*pages = 0
	}
	if err := run(*pages, *bigSize, *workersBin); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type world struct {
	temporal  client.Client
	confSim   *confluencesim.Server
	otSim     *opentextsim.Server
	publisher *control.Client
	env       []string
	bin       string
	// lastStartup is how long the last workers process took from its
	// start to polling every queue (not part of any measurement).
	lastStartup time.Duration
	// measuredFrom is both simulators' request count when the last
	// throughput or baseline run's timed part began (after its warm-up).
	measuredFrom int
	// calls are the bench's own moments of the last throughput run's
	// publishes, in the order of its ids.
	calls []clientCall
}

// clientCall is when the bench called the start of one publish and when
// it had the result in hand.
type clientCall struct{ start, result time.Time }

func listen(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

func run(pages int, bigSize int64, bin string) error {
	if bin == "" {
		return fmt.Errorf("--workers is required (go build -o DIR ./workers)")
	}
	ctx := context.Background()
	fmt.Printf("Machine: %s, %d cores, %s; Temporal CLI dev server (in-memory SQLite)\n\n", cpuModel(), runtime.NumCPU(), memTotal())
	fmt.Println("| measurement | result |")
	fmt.Println("|---|---|")
	// First, before any other child process: pandoc's peak memory is read
	// from the children this process has waited for.
	if (*templatesOnly || !*documentsOnly) && !*closeOnly && *docxBytes > 0 {
		if err := conversionBench(ctx, *docxBytes); err != nil {
			return err
		}
	}
	zl, _ := logging.New("error", os.Stderr)
	var settings []string
	for _, kv := range strings.Split(*serverConfig, ";") {
		if kv != "" {
			settings = append(settings, kv)
		}
	}
	server, err := devserver.Start(ctx, logging.NewTemporal(zl), nil, devserver.DynamicConfigArgs(settings)...)
	if err != nil {
		return err
	}
	defer server.Stop()
	w := &world{temporal: server.Client(), bin: bin}
	w.confSim = confluencesim.New(confluencesim.Options{Seed: true})
	confURL, stopConf, err := listen(w.confSim.Handler())
	if err != nil {
		return err
	}
	defer stopConf()
	w.confSim.SetBaseURL(confURL)
	blobs, err := os.MkdirTemp("", "xecm-bench-blobs")
	if err != nil {
		return err
	}
	defer os.RemoveAll(blobs)
	w.otSim, err = opentextsim.New(opentextsim.Options{Seed: true, BlobDir: blobs})
	if err != nil {
		return err
	}
	otURL, stopOT, err := listen(w.otSim.Handler())
	if err != nil {
		return err
	}
	defer stopOT()
	conf, err := confluence.New(confluence.Config{BaseURL: confURL, Email: "bridge@example.com", APIToken: "demo-token"})
	if err != nil {
		return err
	}
	w.publisher = &control.Client{Temporal: w.temporal, Confluence: conf}
	mappingFile, _ := filepath.Abs("mapping.yaml")
	w.env = append(os.Environ(),
		"TEMPORAL_ADDRESS="+server.FrontendHostPort(), "TEMPORAL_NAMESPACE=default",
		"CONFLUENCE_BASE_URL="+confURL, "CONFLUENCE_EMAIL=bridge@example.com", "CONFLUENCE_API_TOKEN=demo-token",
		"OTCS_BASE_URL="+otURL+"/otcs/cs.exe", "OTCS_USERNAME=bridge", "OTCS_PASSWORD=bridge-secret",
		"BRIDGE_MAPPING_FILE="+mappingFile, "BRIDGE_LOG_LEVEL=warn", "BRIDGE_METRICS_ADDR=127.0.0.1:0",
		"BRIDGE_CONFLUENCE_RATE=1000", "BRIDGE_OPENTEXT_RATE=1000",
		"BRIDGE_CONFLUENCE_CONCURRENCY=50", "BRIDGE_OPENTEXT_CONCURRENCY=50", "BRIDGE_WORKFLOW_CONCURRENCY=100")

	if *documentsOnly {
		return w.documentsBench(ctx, *documents)
	}
	if *renditionOnly {
		return w.renditionBench(ctx, *renditionImages)
	}
	if *templatesOnly {
		return w.templatesBench(ctx, *templates)
	}
	if *closeOnly {
		return w.closeBench(ctx, *backfillPages, true)
	}
	if *backfillOnly {
		ceiling, err := w.ceiling(ctx, pages)
		if err != nil {
			return err
		}
		fmt.Printf("| dev server ceiling: trivial workflows/s (one no-op activity, %d started 50 at a time) | %.1f |\n", pages, ceiling)
		return w.backfillBench(ctx, *backfillPages, ceiling)
	}
	rules, err := mapping.LoadFile(mappingFile)
	if err != nil {
		return err
	}
	if *webhookOnly {
		return w.webhookBench(ctx, rules, 0, *latencyPages)
	}
	plain, err := newPlainGo(confURL, otURL+"/otcs/cs.exe", rules)
	if err != nil {
		return err
	}
	var bridgeAt0 float64
	var rows []time.Duration
	for _, ms := range strings.Split(*latencies, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(ms))
		if err != nil {
			return fmt.Errorf("--latencies: %w", err)
		}
		rows = append(rows, time.Duration(n)*time.Millisecond)
	}
	for _, latency := range rows {
		if pages == 0 {
			break
		}
		rate, ids, err := w.throughput(ctx, pages, latency)
		if err != nil {
			return err
		}
		r0, startup := w.measuredFrom, w.lastStartup
		r1 := w.confSim.Requests() + w.otSim.Requests()
		base, basePublish, err := w.baseline(ctx, plain, pages, latency)
		if err != nil {
			return err
		}
		r1b, r2 := w.measuredFrom, w.confSim.Requests()+w.otSim.Requests()
		target := map[time.Duration]string{50 * time.Millisecond: " (issue 21 target: at least 0.65×)", 200 * time.Millisecond: " (issue 21 target: at least 0.85×)"}[latency]
		fmt.Printf("| publishes/s, %d pages 50 at a time, backend latency %d ms: bridge / plain Go (same clients and calls, no Temporal) | %.1f / %.1f = %.2f×%s (backend requests per publish: %.1f / %.1f) |\n",
			pages, latency.Milliseconds(), rate, base, rate/base, target, float64(r1-r0)/float64(pages), float64(r2-r1b)/float64(pages))
		if latency == 200*time.Millisecond {
			// The measure: each publish from its start call to
			// its result in hand, averaged (50/rate would add the run's
			// ramp-down, when fewer than 50 are left in flight).
			var each []time.Duration
			for _, c := range w.calls {
				each = append(each, c.result.Sub(c.start))
			}
			bridgePublish := mean(each)
			fmt.Printf("| overhead per publish at 200 ms, 50 in flight: bridge − plain Go time per publish (start call to result, mean) | %.2f s − %.2f s = %.2f s (issue 21 target: at most 0.4 s) |\n",
				bridgePublish.Seconds(), basePublish.Seconds(), (bridgePublish - basePublish).Seconds())
			where, err := w.breakdown(ctx, ids)
			if err != nil {
				return err
			}
			fmt.Printf("| where a publish's time goes at 200 ms (average of the %d runs' histories) | %s; a plain-Go publish takes %.2f s (the workers process polled %.1f s after its start, before the first publish) |\n", pages, where, basePublish.Seconds(), startup.Seconds())
		}
		if latency == 0 {
			bridgeAt0 = rate
			events, actions, err := w.historyCost(ctx, ids[0])
			if err != nil {
				return err
			}
			fmt.Printf("| history events per publish | %d |\n| billable actions per publish | %d |\n", events, actions)
		}
	}
	if pages > 0 {
		ceiling, err := w.ceiling(ctx, pages)
		if err != nil {
			return err
		}
		fmt.Printf("| dev server ceiling: trivial workflows/s (one no-op activity, %d started 50 at a time, same worker settings) | %.1f; a publish at 0 ms runs at %.0f %% of it |\n",
			pages, ceiling, 100*bridgeAt0/ceiling)
		if *publishOnly {
			return nil
		}
		if *backfillPages > 0 {
			if err := w.backfillBench(ctx, *backfillPages, ceiling); err != nil {
				return err
			}
			if err := w.closeBench(ctx, *backfillPages, false); err != nil {
				return err
			}
		}
		if err := plain.publish(ctx, w.confSim.CreatePage("POL", "Warm-up policy", "<p>Warm-up.</p>", "557058:bench", "approved", "dept-bench").ID, nil); err != nil {
			return err
		}
		perStep, c, o, err := w.requestsPerStep(ctx, plain)
		if err != nil {
			return err
		}
		fmt.Printf("| backend requests per first publish of a page (Confluence + OTCS, warm session) | %d + %d = %d (%s; issue 21 target: at most 10) |\n", c, o, c+o, perStep)
		avg, peak, err := w.rateLimitBench(ctx, 40)
		if err != nil {
			return err
		}
		fmt.Printf("| OpenText activities started/s, two worker processes with BRIDGE_OPENTEXT_RATE=5, 40 publishes at once | %.1f on average, at most %d in any one second |\n", avg, peak)
	}
	peak, took, err := w.bigAttachment(ctx, bigSize)
	if err != nil {
		return err
	}
	fmt.Printf("| worker peak RSS, page with a %d MiB attachment | %.1f MiB (publish took %s) |\n", bigSize>>20, float64(peak)/(1<<20), took.Round(time.Second))
	if *renditionImages > 0 {
		if err := w.renditionBench(ctx, *renditionImages); err != nil {
			return err
		}
	}
	if *documents > 0 && pages > 0 {
		if err := w.documentsBench(ctx, *documents); err != nil {
			return err
		}
	}
	if *templates > 0 && pages > 0 {
		if err := w.templatesBench(ctx, *templates); err != nil {
			return err
		}
	}
	if pages > 0 {
		// Last: the acceptance run leaves RouteEvent runs queued that no
		// worker should be busy with during the other measurements.
		if err := w.webhookBench(ctx, rules, *events, *latencyPages); err != nil {
			return err
		}
	}
	return nil
}

// startWorkers runs the real workers binary with every role and waits
// until it polls all three task queues, so that a measurement starts with
// a running worker, as the plain-Go baseline starts with a warm process:
// at 200 ms per backend request the process's start-up (its mapping check
// reads OTCS) took about 3 s, which the first 50 publishes of a run spent
// waiting for their first workflow task.
func (w *world) startWorkers() (*exec.Cmd, error) {
	cmd := exec.Command(w.bin, "--queues", "all")
	cmd.Env = w.env
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	began := time.Now()
	if err := w.waitPolling(cmd.Process.Pid); err != nil {
		stopWorkers(cmd)
		return nil, err
	}
	w.lastStartup = time.Since(began)
	return cmd, nil
}

// waitPolling waits until the worker process pid (the SDK's default
// identity is pid@host) polls the workflow queue and both activity queues.
func (w *world) waitPolling(pid int) error {
	queues := []struct {
		name string
		kind enumspb.TaskQueueType
	}{
		{workflows.TaskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW},
		{activities.ConfluenceTaskQueue, enumspb.TASK_QUEUE_TYPE_ACTIVITY},
		{activities.OpenTextTaskQueue, enumspb.TASK_QUEUE_TYPE_ACTIVITY},
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	identity := strconv.Itoa(pid) + "@"
	for _, q := range queues {
		for {
			resp, err := w.temporal.DescribeTaskQueue(ctx, q.name, q.kind)
			if err == nil && slices.ContainsFunc(resp.GetPollers(), func(p *taskqueuepb.PollerInfo) bool {
				return strings.HasPrefix(p.GetIdentity(), identity)
			}) {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("the workers (pid %d) did not poll %s within a minute (last answer: %v)", pid, q.name, err)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}

func stopWorkers(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

func (w *world) throughput(ctx context.Context, pages int, latency time.Duration) (float64, []string, error) {
	defer w.setLatency(latency)()
	ids := w.approvedPages(pages, fmt.Sprintf("Bench policy %d ms", latency.Milliseconds()))
	cmd, err := w.startWorkers()
	if err != nil {
		return 0, nil, err
	}
	defer stopWorkers(cmd)
	// A warm worker, as the plain-Go side is warmed before its run: one
	// publish fills the process's caches (folder path, category form,
	// space viewers, its own account), and is not counted.
	warm := w.confSim.CreatePage("POL", fmt.Sprintf("Warm-up policy %d ms", latency.Milliseconds()), "<p>Warm-up.</p>", "557058:bench", "approved", "dept-bench").ID
	st, err := w.publisher.Publish(ctx, warm, 1, "bench")
	if err != nil {
		return 0, nil, err
	}
	if err := st.Run.Get(ctx, nil); err != nil {
		return 0, nil, fmt.Errorf("warm-up %s: %w", st.WorkflowID, err)
	}
	w.measuredFrom = w.confSim.Requests() + w.otSim.Requests()
	wfIDs := make([]string, pages)
	w.calls = make([]clientCall, pages)
	took, err := fiftyAtATime(pages, func(i int) error {
		// Version 1, as a webhook event names it: no version lookup
		// before the start (the plain-Go baseline makes none).
		w.calls[i].start = time.Now()
		st, err := w.publisher.Publish(ctx, ids[i], 1, "bench")
		if err != nil {
			return err
		}
		wfIDs[i] = st.WorkflowID
		if err := st.Run.Get(ctx, nil); err != nil {
			return fmt.Errorf("%s: %w", st.WorkflowID, err)
		}
		w.calls[i].result = time.Now()
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return float64(pages) / took.Seconds(), wfIDs, nil
}

// setLatency adds latency to every request of both simulators; the
// returned func takes it away.
func (w *world) setLatency(latency time.Duration) func() {
	w.confSim.Faults().Set(faults.Config{Latency: latency})
	w.otSim.Faults().Set(faults.Config{Latency: latency})
	return func() {
		w.confSim.Faults().Set(faults.Config{})
		w.otSim.Faults().Set(faults.Config{})
	}
}

// approvedPages makes n fresh approved pages in POL, titled "title #i".
func (w *world) approvedPages(n int, title string) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = w.confSim.CreatePage("POL", fmt.Sprintf("%s #%04d", title, i), "<p>Benchmark page body.</p>", "557058:bench", "approved", "dept-bench").ID
	}
	return ids
}

// fiftyAtATime runs do(0..n-1) with at most 50 at once, as the bench's
// load generator does everywhere, and returns the wall time and the first
// error.
func fiftyAtATime(n int, do func(i int) error) (time.Duration, error) {
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 50)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := do(i); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return time.Since(start), <-errs
}

// historyCost counts a run's history events and the billable actions in
// them: the start, each activity attempt, timers, signals, updates and
// search-attribute upserts.
func (w *world) historyCost(ctx context.Context, workflowID string) (int, int, error) {
	return w.historyCostRun(ctx, workflowID, "")
}

// historyCostRun is historyCost of one run ("" = the latest).
func (w *world) historyCostRun(ctx context.Context, workflowID, runID string) (int, int, error) {
	it := w.temporal.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	events, actions := 0, 0
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return 0, 0, err
		}
		events++
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, enumspb.EVENT_TYPE_TIMER_STARTED,
			enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
			enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED, enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
			enumspb.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
			actions++
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			actions += int(ev.GetActivityTaskStartedEventAttributes().GetAttempt())
		}
	}
	return events, actions, nil
}

func (w *world) bigAttachment(ctx context.Context, size int64) (int64, time.Duration, error) {
	p := w.confSim.CreatePage("POL", "Large attachment policy", "<p>Has a very large attachment.</p>", "557058:bench", "approved", "dept-bench")
	w.confSim.AddSyntheticAttachment(p.ID, "archive.bin", "application/octet-stream", size)
	// A record holds the attachments of its page version: save a version
	// after attaching, as the editor does when a file is inserted.
	if _, err := w.confSim.UpdatePage(p.ID, p.Title, "<p>Has a very large attachment.</p><p>archive.bin</p>", "557058:bench"); err != nil {
		return 0, 0, err
	}
	cmd, err := w.startWorkers()
	if err != nil {
		return 0, 0, err
	}
	defer stopWorkers(cmd)
	start := time.Now()
	st, err := w.publisher.Publish(ctx, p.ID, 0, "bench")
	if err != nil {
		return 0, 0, err
	}
	if err := st.Run.Get(ctx, nil); err != nil {
		return 0, 0, err
	}
	took := time.Since(start)
	peak, err := peakRSS(cmd.Process.Pid)
	return peak, took, err
}

// peakRSS reads VmHWM (the high-water mark of resident memory) in bytes.
func peakRSS(pid int) (int64, error) {
	return procField("/proc/"+strconv.Itoa(pid)+"/status", "VmHWM:")
}

func procField(path, key string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), key); ok {
			fields := strings.Fields(rest)
			kb, err := strconv.ParseInt(fields[0], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("%s: no %s", path, key)
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), ":"))
		}
	}
	return runtime.GOARCH
}

func memTotal() string {
	n, err := procField("/proc/meminfo", "MemTotal:")
	if err != nil {
		return "unknown memory"
	}
	return fmt.Sprintf("%.0f GiB RAM", float64(n)/(1<<30))
}
