package helm

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql/parser"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"sigs.k8s.io/yaml"

	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/devserver"
	"github.com/xecm-bridge/xecm-bridge/internal/logging"
	"github.com/xecm-bridge/xecm-bridge/internal/metrics"
	"github.com/xecm-bridge/xecm-bridge/internal/monitor"
	"github.com/xecm-bridge/xecm-bridge/internal/roles"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/internal/simtest"
	"github.com/xecm-bridge/xecm-bridge/internal/webhook"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	"github.com/xecm-bridge/xecm-bridge/simulators/faults"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// promQL is Prometheus's own parser with its default options (stable
// functions only, as a Prometheus server without feature flags accepts).
var promQL = parser.NewParser(parser.Options{})

// alertRule is one rule of files/alerts.yaml.
type alertRule struct {
	Alert, Expr, For    string
	Labels, Annotations map[string]string
}

// alertRules reads files/alerts.yaml strictly.
func alertRules(t *testing.T) []alertRule {
	t.Helper()
	b, err := os.ReadFile("xecm-bridge/files/alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Name  string
			Rules []alertRule
		}
	}
	if err := yaml.UnmarshalStrict(b, &doc); err != nil {
		t.Fatalf("alerts.yaml: %v", err)
	}
	var out []alertRule
	for _, g := range doc.Groups {
		out = append(out, g.Rules...)
	}
	if len(out) == 0 {
		t.Fatal("alerts.yaml has no rules")
	}
	return out
}

// queries are every PromQL expression of the alerts and the dashboard,
// each named by where it comes from.
func queries(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range alertRules(t) {
		out["alert "+r.Alert] = r.Expr
	}
	b, err := os.ReadFile("xecm-bridge/files/dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("dashboard.json: %v", err)
	}
	for _, p := range dash.Panels {
		for i, tg := range p.Targets {
			out[fmt.Sprintf("panel %q #%d", p.Title, i)] = tg.Expr
		}
	}
	return out
}

// TestAlertsAndDashboardParse: every expression parses with Prometheus's
// own PromQL parser.
func TestAlertsAndDashboardParse(t *testing.T) {
	qs := queries(t)
	if len(qs) < 20 {
		t.Fatalf("only %d expressions", len(qs))
	}
	for where, q := range qs {
		if _, err := promQL.ParseExpr(q); err != nil {
			t.Errorf("%s: %v", where, err)
		}
	}
	if _, err := promQL.ParseExpr(`sum(rate(x[5m])`); err == nil {
		t.Error("the parser accepts an unbalanced expression")
	}
}

// metricNames are the metric names an expression selects.
func metricNames(t *testing.T, q string) []string {
	t.Helper()
	expr, err := promQL.ParseExpr(q)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			names = append(names, vs.Name)
		}
		return nil
	})
	return names
}

// TestAlertsAndDashboardNameExportedMetrics runs the real workers, webhook
// receiver and monitor against a dev server and the simulators, provokes
// each kind of event the alerts and panels count (a publish and a record
// through signed webhooks, a failed run, a rejected delivery, a failed
// monitor read), scrapes both processes' /metrics and requires every
// metric an expression names to be among what they export.
func TestAlertsAndDashboardNameExportedMetrics(t *testing.T) {
	devserver.RequireCLI(t)
	exported := exportedMetrics(t)
	for where, q := range queries(t) {
		for _, name := range metricNames(t, q) {
			if !exported[name] {
				t.Errorf("%s names %s, which neither the workers nor the webhook export", where, name)
			}
		}
	}
}

// exportedMetrics sets up the world, provokes the events and scrapes.
func exportedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	zl, _ := logging.New("error", io.Discard)
	server, err := devserver.Start(ctx, logging.NewTemporal(zl), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Stop() })

	sims := simtest.Start(t)
	confSim, conf, otcs := sims.ConfSim, sims.Conf, sims.OTCS
	rules, err := mapping.LoadFile("../../mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}

	// The workers' process: every role, its own metrics endpoint.
	wms := startMetrics(t)
	wc, err := client.NewClientFromExisting(server.Client(), client.Options{MetricsHandler: wms.Handler})
	if err != nil {
		t.Fatal(err)
	}
	cfg := settings.Worker{ConfluenceRate: 100, OpenTextRate: 100, ConfluenceConcurrency: 4, OpenTextConcurrency: 2, WorkflowConcurrency: 20}
	ws, err := roles.New(wc, roles.All, cfg, roles.Deps{Confluence: conf, OpenText: otcs, Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Stop)
	}

	// The webhook receiver's process.
	hms := startMetrics(t)
	hc, err := client.NewClientFromExisting(server.Client(), client.Options{MetricsHandler: hms.Handler})
	if err != nil {
		t.Fatal(err)
	}
	const secret = "monitoring-secret"
	handler, err := webhook.New(webhook.Config{Secret: secret, MaxBody: 64 << 10, Rules: rules, Metrics: hms.Handler,
		IgnoreActors: []string{"557058:bridge"}, Router: control.WebhookRouter{Client: &control.Client{Temporal: hc}}})
	if err != nil {
		t.Fatal(err)
	}
	hook := httptest.NewServer(handler)
	t.Cleanup(hook.Close)
	confSim.RegisterWebhook(hook.URL+"/webhook", secret, "page_created", "label_added")

	// A publish and a record, each started by a signed delivery; the
	// first Confluence request is throttled once (a 429 the client
	// retries), so the backend response and retry counters are exported.
	confSim.Faults().Set(faults.Config{RateLimitBurst: 1, RetryAfter: 10 * time.Millisecond})
	policy := confSim.CreatePage("POL", "Monitored Policy", "<p>Watched.</p>", "557058:ivan", "dept-legal")
	if err := confSim.AddLabel(policy.ID, "approved"); err != nil {
		t.Fatal(err)
	}
	notes := confSim.CreatePage("POL", "2026-12-07 Monitoring meeting notes", "<p>Minutes.</p>", "557058:ivan", "meeting-notes", "dept-legal")
	waitClosed(t, server.Client(), workflows.PublishPageWorkflowID(policy.ID, 1), enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED)
	waitClosed(t, server.Client(), workflows.FileRecordWorkflowID(notes.ID, 1), enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED)
	// A failed run (the page does not exist) and its backend error.
	failed, err := (&control.Client{Temporal: hc}).Start(ctx, workflows.PublishFlow, "999999", 1, "monitoring test")
	if err != nil {
		t.Fatal(err)
	}
	waitClosed(t, server.Client(), failed.WorkflowID, enumspb.WORKFLOW_EXECUTION_STATUS_FAILED)
	// A delivery with a bad signature.
	req, _ := http.NewRequest(http.MethodPost, hook.URL+"/webhook", strings.NewReader(`{"event":"page_created","page":{"id":1}}`))
	req.Header.Set("X-Hub-Signature", "sha256="+hex.EncodeToString(hmac.New(sha256.New, []byte("wrong")).Sum(nil)))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	// The monitor, once as the workflow role runs it and once failing (a
	// namespace that does not exist).
	if err := (&monitor.Collector{Client: wc, Namespace: "default", Metrics: wms.Handler}).Collect(ctx); err != nil {
		t.Fatal(err)
	}
	if err := (&monitor.Collector{Client: wc, Namespace: "no-such-namespace", Metrics: wms.Handler}).Collect(ctx); err == nil {
		t.Fatal("the monitor read a namespace that does not exist")
	}

	// Every name a scrape shows, from both processes, once the scopes have
	// reported (every second).
	names := map[string]bool{}
	want := []string{"xecm_bridge_documents_published_total", "xecm_bridge_records_filed_total", "temporal_workflow_failed_total",
		"xecm_bridge_webhook_events_total", "xecm_bridge_monitor_failures_total", "xecm_bridge_task_queue_backlog",
		"xecm_bridge_backend_responses_total", "xecm_bridge_backend_retries_total"}
	deadline := time.Now().Add(30 * time.Second)
	for {
		for _, ms := range []*metrics.Server{wms, hms} {
			for n := range scrapeNames(t, "http://"+ms.Addr+"/metrics") {
				names[n] = true
			}
		}
		missing := slices.DeleteFunc(slices.Clone(want), func(n string) bool { return names[n] })
		if len(missing) == 0 {
			return names
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s the scrapes still lack %v", missing)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func startMetrics(t *testing.T) *metrics.Server {
	t.Helper()
	ms, err := metrics.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	return ms
}

func waitClosed(t *testing.T, c client.Client, id string, want enumspb.WorkflowExecutionStatus) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		d, err := c.DescribeWorkflowExecution(context.Background(), id, "")
		if err == nil {
			st := d.GetWorkflowExecutionInfo().GetStatus()
			if st == want {
				return
			}
			if st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
				t.Fatalf("%s ended %s, want %s", id, st, want)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is not %s after 90 s (%v)", id, want, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var sampleName = regexp.MustCompile(`(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]`)

// scrapeNames are the metric names of one scrape's samples.
func scrapeNames(t *testing.T, url string) map[string]bool {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	out := map[string]bool{}
	for _, m := range sampleName.FindAllSubmatch(body, -1) {
		if !bytes.HasPrefix(m[0], []byte("#")) {
			out[string(m[1])] = true
		}
	}
	return out
}

// TestEveryAlertHasARunbook: each alert's runbook annotation points at a
// heading of docs/operations.md.
func TestEveryAlertHasARunbook(t *testing.T) {
	doc, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#+ (.+)$`).FindAllSubmatch(doc, -1) {
		anchors[strings.ToLower(strings.ReplaceAll(strings.TrimSpace(string(m[1])), " ", "-"))] = true
	}
	for _, r := range alertRules(t) {
		rb := r.Annotations["runbook"]
		anchor, ok := strings.CutPrefix(rb, "docs/operations.md#")
		if !ok || !anchors[anchor] {
			t.Errorf("%s: runbook %q is not a heading of docs/operations.md", r.Alert, rb)
		}
	}
}
