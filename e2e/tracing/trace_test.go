// Package tracing_test follows one document through the bridge with
// tracing on: a signed webhook delivery, the RouteEvent run, the publish
// it starts, every activity and every Confluence and OTCS request must be
// one connected trace, with the ids as attributes and no secret or page
// text in any of them. A real Temporal dev server (one for the package),
// the real workers, receiver and clients, both simulators, and an
// in-memory exporter in place of OTLP.
package tracing_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/devserver"
	"github.com/xecm-bridge/xecm-bridge/internal/logging"
	"github.com/xecm-bridge/xecm-bridge/internal/roles"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/internal/simtest"
	"github.com/xecm-bridge/xecm-bridge/internal/temporalclient"
	"github.com/xecm-bridge/xecm-bridge/internal/tracing"
	"github.com/xecm-bridge/xecm-bridge/internal/webhook"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	"github.com/xecm-bridge/xecm-bridge/simulators/faults"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

var (
	server   *testsuite.DevServer
	exporter = tracetest.NewInMemoryExporter()
)

// TestMain starts the package's one dev server and installs a tracer
// provider that records every ended span in memory, synchronously.
func TestMain(m *testing.M) {
	devserver.Main("e2e/tracing", func() (int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		zl, _ := logging.New("error", io.Discard)
		var err error
		if server, err = devserver.Start(ctx, logging.NewTemporal(zl), nil); err != nil {
			return 0, err
		}
		defer server.Stop()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
		defer tp.Shutdown(context.Background())
		tracing.Install(tp)
		return m.Run(), nil
	})
}

// ticketLog records every OTCS ticket the bridge's client sends or is
// given, to look for them in the spans.
type ticketLog struct {
	mu      sync.Mutex
	tickets map[string]bool
}

func (l *ticketLog) RoundTrip(req *http.Request) (*http.Response, error) {
	l.add(req.Header.Get("OTCSTicket"))
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil {
		l.add(resp.Header.Get("OTCSTicket"))
	}
	return resp, err
}

func (l *ticketLog) add(t string) {
	if t == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tickets[t] = true
}

func (l *ticketLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for t := range l.tickets {
		out = append(out, t)
	}
	return out
}

// published is the trace of one publish, set up once for the tests.
type published struct {
	pageID, publishID, routeID string
	trace                      []sdktrace.ReadOnlySpan // the delivery's trace
	all                        []sdktrace.ReadOnlySpan // every span recorded meanwhile
	secrets                    []string
}

var (
	once   sync.Once
	result *published
	setErr error
)

const (
	webhookSecret = "trace-test-webhook-secret-5d1e"
	// bodyText is in the page's body only: no span may carry it.
	bodyText = "Confidential paragraph 9c41 that no span may carry"
)

// publishOnce publishes one page through a signed webhook delivery with
// tracing on, with the first Confluence and the first OTCS request
// throttled (a 429 each, retried by the clients), and returns its trace.
func publishOnce(t *testing.T) *published {
	t.Helper()
	once.Do(func() { result, setErr = publish(t) })
	if setErr != nil {
		t.Fatal(setErr)
	}
	return result
}

func publish(t *testing.T) (*published, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sims := simtest.Start(t)
	rules, err := mapping.LoadFile("../../mapping.yaml")
	if err != nil {
		return nil, err
	}
	tickets := &ticketLog{tickets: map[string]bool{}}
	otcs, err := opentext.New(opentext.Config{BaseURL: sims.OTURL, Username: simtest.OTCSUser, Password: simtest.OTCSPassword,
		HTTPClient: &http.Client{Transport: tickets}, Retry: rest.RetryConfig{Max: 2, WaitMin: 10 * time.Millisecond, WaitMax: 100 * time.Millisecond}})
	if err != nil {
		return nil, err
	}
	// The client as the binaries dial it: tracing.Install ran, so it
	// carries the tracing interceptors, and so do its workers.
	zl, _ := logging.New("error", io.Discard)
	c, err := temporalclient.Dial(settings.Temporal{Address: server.FrontendHostPort(), Namespace: "default"}, logging.NewTemporal(zl), nil)
	if err != nil {
		return nil, err
	}
	t.Cleanup(c.Close)
	cfg := settings.Worker{ConfluenceRate: 100, OpenTextRate: 100, ConfluenceConcurrency: 4, OpenTextConcurrency: 2, WorkflowConcurrency: 20}
	ws, err := roles.New(c, roles.All, cfg, roles.Deps{Confluence: sims.Conf, OpenText: otcs, Rules: rules})
	if err != nil {
		return nil, err
	}
	for _, w := range ws {
		if err := w.Start(); err != nil {
			return nil, err
		}
		t.Cleanup(w.Stop)
	}
	handler, err := webhook.New(webhook.Config{Secret: webhookSecret, MaxBody: 64 << 10, Rules: rules,
		IgnoreActors: []string{"557058:bridge"}, Router: control.WebhookRouter{Client: &control.Client{Temporal: c}}})
	if err != nil {
		return nil, err
	}
	hook := httptest.NewServer(handler)
	t.Cleanup(hook.Close)
	sims.ConfSim.RegisterWebhook(hook.URL+"/webhook", webhookSecret, "label_added")

	exporter.Reset()
	sims.ConfSim.Faults().Set(faults.Config{RateLimitBurst: 1, RetryAfter: 10 * time.Millisecond})
	sims.OTSim.Faults().Set(faults.Config{RateLimitBurst: 1, RetryAfter: 10 * time.Millisecond})
	page := sims.ConfSim.CreatePage("POL", "Traced Policy", "<p>"+bodyText+"</p>", "557058:ivan", "dept-legal")
	if err := sims.ConfSim.AddLabel(page.ID, "approved"); err != nil {
		return nil, err
	}
	p := &published{pageID: page.ID, publishID: workflows.PublishPageWorkflowID(page.ID, 1)}
	if err := waitCompleted(ctx, c, p.publishID); err != nil {
		return nil, err
	}
	for _, f := range []*faults.Injector{sims.ConfSim.Faults(), sims.OTSim.Faults()} {
		if f.Injected()[http.StatusTooManyRequests] != 1 {
			return nil, fmt.Errorf("the simulators throttled %v, want one 429 each", f.Injected())
		}
	}
	// The bridge's own label and property writes cause deliveries the
	// receiver ignores; let them and the last spans end.
	time.Sleep(time.Second)
	p.all = exporter.GetSpans().Snapshots()

	var root sdktrace.ReadOnlySpan
	for _, s := range p.all {
		if s.Name() == "POST /webhook" && attr(s, tracing.PageID) == page.ID && attr(s, "xecm.webhook.outcome") == "accepted" {
			if root != nil {
				return nil, fmt.Errorf("two accepted deliveries of page %s", page.ID)
			}
			root = s
		}
	}
	if root == nil {
		return nil, fmt.Errorf("no accepted delivery span for page %s among %d spans: %v", page.ID, len(p.all), names(p.all))
	}
	for _, s := range p.all {
		if s.SpanContext().TraceID() == root.SpanContext().TraceID() {
			p.trace = append(p.trace, s)
		}
	}
	for _, s := range p.trace {
		if s.Name() == "RunWorkflow:RouteEvent" {
			p.routeID = attr(s, "temporalWorkflowID")
		}
	}
	email, token := simtest.ConfluenceEmail, simtest.ConfluenceToken
	p.secrets = append([]string{webhookSecret, bodyText, "Confidential paragraph", simtest.OTCSPassword, token,
		base64.StdEncoding.EncodeToString([]byte(email + ":" + token))}, tickets.all()...)
	if len(tickets.all()) == 0 {
		return nil, fmt.Errorf("the OTCS client was given no ticket")
	}
	return p, nil
}

func waitCompleted(ctx context.Context, c client.Client, id string) error {
	for {
		d, err := c.DescribeWorkflowExecution(ctx, id, "")
		if err == nil {
			switch st := d.GetWorkflowExecutionInfo().GetStatus(); st {
			case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
				return nil
			case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
			default:
				return fmt.Errorf("%s ended %s", id, st)
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not complete: %v", id, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func attr(s sdktrace.ReadOnlySpan, key attribute.Key) string {
	for _, a := range s.Attributes() {
		if a.Key == key {
			return a.Value.Emit()
		}
	}
	return ""
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name())
	}
	return out
}

// TestOnePublishIsOneConnectedTrace: the delivery is the trace's only
// root, every other span's parent is in the trace, the expected spans
// are there, and every span of the two runs and every backend request
// recorded meanwhile belongs to it.
func TestOnePublishIsOneConnectedTrace(t *testing.T) {
	devserver.RequireCLI(t)
	p := publishOnce(t)
	ids := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, s := range p.trace {
		ids[s.SpanContext().SpanID()] = s
	}
	var roots []string
	for _, s := range p.trace {
		if !s.Parent().IsValid() {
			roots = append(roots, s.Name())
			continue
		}
		if s.Parent().TraceID() != s.SpanContext().TraceID() {
			t.Errorf("%s: parent in another trace", s.Name())
		}
		if _, ok := ids[s.Parent().SpanID()]; !ok {
			t.Errorf("%s: parent span %s is not in the trace", s.Name(), s.Parent().SpanID())
		}
	}
	if !slices.Equal(roots, []string{"POST /webhook"}) {
		t.Errorf("roots %v, want the delivery only", roots)
	}

	got := map[string]int{}
	for _, s := range p.trace {
		got[s.Name()]++
	}
	for _, want := range []string{"POST /webhook", "StartWorkflow:RouteEvent", "RunWorkflow:RouteEvent",
		"StartActivity:RoutePage", "RunActivity:RoutePage", "StartWorkflow:PublishPage", "RunWorkflow:PublishPage",
		"confluence GET", "opentext GET", "opentext POST"} {
		if got[want] == 0 {
			t.Errorf("no %q span in the trace", want)
		}
	}
	activities := 0
	for n := range got {
		if strings.HasPrefix(n, "RunActivity:") {
			activities++
		}
	}
	if activities < 4 {
		t.Errorf("only %d kinds of activity in the trace", activities)
	}

	// Connected: every span of the two runs, and every request to a
	// backend, is in this one trace.
	inTrace := map[trace.SpanID]bool{}
	for id := range ids {
		inTrace[id] = true
	}
	for _, s := range p.all {
		wf := attr(s, "temporalWorkflowID")
		backend := attr(s, "xecm.backend")
		if (wf == p.publishID || wf == p.routeID || backend != "") && !inTrace[s.SpanContext().SpanID()] {
			t.Errorf("%s (workflow %q, backend %q) is in another trace", s.Name(), wf, backend)
		}
	}

	// The throttled requests are spans of their own, with their status.
	throttled := map[string]bool{}
	for _, s := range p.trace {
		if attr(s, "http.response.status_code") == "429" {
			throttled[attr(s, "xecm.backend")] = true
		}
	}
	if !throttled["confluence"] || !throttled["opentext"] {
		t.Errorf("429 spans of %v, want both backends", throttled)
	}

	// The ids, where known.
	for _, s := range p.trace {
		switch s.Name() {
		case "POST /webhook", "RunWorkflow:RouteEvent", "RunActivity:RoutePage":
			if attr(s, tracing.PageID) != p.pageID {
				t.Errorf("%s: page id %q, want %s", s.Name(), attr(s, tracing.PageID), p.pageID)
			}
		case "RunWorkflow:PublishPage":
			if attr(s, tracing.PageID) != p.pageID || attr(s, tracing.PageVersion) != "1" || attr(s, tracing.NodeID) == "" {
				t.Errorf("%s: page %q v%q node %q, want page %s v1 and its node", s.Name(),
					attr(s, tracing.PageID), attr(s, tracing.PageVersion), attr(s, tracing.NodeID), p.pageID)
			}
		}
	}

	printTree(t, p.trace)
}

// TestNoSpanCarriesASecretOrContent: no name, attribute, event or status
// of any span recorded during the publish holds a credential (the
// Confluence API token and its Basic header, the OTCS password and every
// ticket the client held), the webhook secret or the page's text; no
// request span records a query string, a header or a full URL.
func TestNoSpanCarriesASecretOrContent(t *testing.T) {
	devserver.RequireCLI(t)
	p := publishOnce(t)
	if len(p.all) < 20 {
		t.Fatalf("only %d spans recorded", len(p.all))
	}
	for _, s := range p.all {
		for _, problem := range leaks(s, p.secrets) {
			t.Errorf("span %s: %s", s.Name(), problem)
		}
	}
	// The check itself finds what it looks for.
	planted := tracetest.SpanStub{Name: "confluence GET", Attributes: []attribute.KeyValue{
		attribute.String("xecm.note", "ticket "+p.secrets[len(p.secrets)-1]), attribute.String("url.full", "http://x/y?token=1")}}.Snapshot()
	if n := len(leaks(planted, p.secrets)); n != 2 {
		t.Errorf("the check found %d problems in a span with a ticket and a full URL, want 2", n)
	}
}

// leaks are what a span records that it must not.
func leaks(s sdktrace.ReadOnlySpan, secrets []string) []string {
	var out []string
	texts := []string{s.Name(), s.Status().Description}
	for _, a := range s.Attributes() {
		texts = append(texts, string(a.Key)+"="+a.Value.Emit())
		switch k := string(a.Key); {
		case k == "url.full", k == "url.query", strings.HasPrefix(k, "http.request.header"), strings.HasPrefix(k, "http.response.header"), k == "http.request.body", k == "http.response.body":
			out = append(out, "records "+k)
		case strings.HasPrefix(k, "url.") && strings.ContainsAny(a.Value.Emit(), "?#@"):
			out = append(out, fmt.Sprintf("%s=%q carries more than a path", k, a.Value.Emit()))
		}
	}
	for _, e := range s.Events() {
		texts = append(texts, e.Name)
		for _, a := range e.Attributes {
			texts = append(texts, a.Value.Emit())
		}
	}
	for _, text := range texts {
		for _, secret := range secrets {
			if strings.Contains(text, secret) {
				out = append(out, fmt.Sprintf("carries a secret or the page's text: %q", text))
			}
		}
	}
	return out
}

// printTree logs the trace as an indented tree in start order (for the
// record: these are the span names of one publish).
func printTree(t *testing.T, spans []sdktrace.ReadOnlySpan) {
	children := map[trace.SpanID][]sdktrace.ReadOnlySpan{}
	var roots []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.Parent().IsValid() {
			children[s.Parent().SpanID()] = append(children[s.Parent().SpanID()], s)
		} else {
			roots = append(roots, s)
		}
	}
	var b strings.Builder
	var walk func(s sdktrace.ReadOnlySpan, depth int)
	walk = func(s sdktrace.ReadOnlySpan, depth int) {
		extra := ""
		for _, k := range []attribute.Key{tracing.PageID, tracing.PageVersion, tracing.NodeID, "http.response.status_code"} {
			if v := attr(s, k); v != "" {
				extra += " " + string(k) + "=" + v
			}
		}
		fmt.Fprintf(&b, "%s%s%s\n", strings.Repeat("  ", depth), s.Name(), extra)
		kids := children[s.SpanContext().SpanID()]
		sort.Slice(kids, func(i, j int) bool { return kids[i].StartTime().Before(kids[j].StartTime()) })
		for _, k := range kids {
			walk(k, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	t.Logf("%d spans in one trace:\n%s", len(spans), b.String())
	if dir := os.Getenv("XECM_TRACE_TREE"); dir != "" {
		_ = os.WriteFile(dir, []byte(b.String()), 0o644)
	}
}
