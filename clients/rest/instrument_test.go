package rest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace/noop"
)

type countingObserver struct {
	mu        sync.Mutex
	responses []string
	retries   int
}

func (o *countingObserver) Response(service string, status int, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.responses = append(o.responses, service+":"+StatusClass(status, err))
}

func (o *countingObserver) Retry(service string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.retries++
}

// TestInstrumentedRetries: a 429 then a 200 are two spans under the
// caller's span, each with its status and none with the query, a header
// or the body; the observer hears both answers and the one retry; the
// server receives the trace context.
func TestInstrumentedRetries(t *testing.T) {
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(noop.NewTracerProvider()) })

	var calls atomic.Int32
	var traceparents []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		traceparents = append(traceparents, r.Header.Get("Traceparent"))
		mu.Unlock()
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		_, _ = w.Write([]byte(`{"secret-body":"the page text"}`))
	}))
	defer srv.Close()

	obs := &countingObserver{}
	ctx, parent := tp.Tracer("test").Start(WithObserver(context.Background(), obs), "activity")
	rc := NewRetryingClient("confluence", nil, RetryConfig{Max: 2, WaitMin: time.Millisecond, WaitMax: 5 * time.Millisecond})
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/wiki/api/v2/pages/42?token=query-secret", []byte("body-secret"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Basic header-secret")
	resp, err := rc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	parent.End()

	spans := sr.Ended()
	var http []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.Name() == "confluence POST" {
			http = append(http, s)
		}
	}
	if len(http) != 2 {
		t.Fatalf("%d request spans, want 2 (one per attempt): %v", len(http), spans)
	}
	var statuses []int64
	for _, s := range http {
		if s.Parent().SpanID() != parent.SpanContext().SpanID() || s.SpanContext().TraceID() != parent.SpanContext().TraceID() {
			t.Errorf("span %s is not a child of the caller's span", s.Name())
		}
		for _, a := range s.Attributes() {
			v := a.Value.Emit()
			for _, secret := range []string{"query-secret", "header-secret", "body-secret", "the page text", "token"} {
				if strings.Contains(v, secret) {
					t.Errorf("attribute %s=%q carries %q", a.Key, v, secret)
				}
			}
			switch a.Key {
			case "http.response.status_code":
				statuses = append(statuses, a.Value.AsInt64())
			case "url.path":
				if v != "/wiki/api/v2/pages/42" {
					t.Errorf("url.path = %q", v)
				}
			}
		}
	}
	if len(statuses) != 2 || statuses[0] != 429 || statuses[1] != 200 {
		t.Errorf("statuses %v, want [429 200]", statuses)
	}
	for i, tp := range traceparents {
		if !strings.Contains(tp, parent.SpanContext().TraceID().String()) {
			t.Errorf("request %d carried traceparent %q, not the trace %s", i, tp, parent.SpanContext().TraceID())
		}
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if strings.Join(obs.responses, ",") != "confluence:429,confluence:2xx" || obs.retries != 1 {
		t.Errorf("observer heard %v and %d retries, want 429, 2xx and 1 retry", obs.responses, obs.retries)
	}
}

// TestInstrumentWithoutTracing: with no tracer provider nothing is added
// to the request, and the caller's client is not changed.
func TestInstrumentWithoutTracing(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() }))
	defer srv.Close()
	base := &http.Client{Timeout: time.Minute}
	hc := Instrument(base, "opentext")
	if base.Transport != nil {
		t.Fatal("Instrument changed the caller's client")
	}
	if hc.Timeout != time.Minute {
		t.Error("Instrument dropped the client's settings")
	}
	if Instrument(hc, "opentext") != hc {
		t.Error("an instrumented client was wrapped twice")
	}
	resp, err := hc.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got.Get("Traceparent") != "" {
		t.Errorf("traceparent %q sent with tracing off", got.Get("Traceparent"))
	}
}

func TestStatusClass(t *testing.T) {
	for _, tc := range []struct {
		status int
		err    error
		want   string
	}{{200, nil, "2xx"}, {204, nil, "2xx"}, {302, nil, "3xx"}, {404, nil, "4xx"}, {429, nil, "429"}, {503, nil, "5xx"}, {0, context.Canceled, "error"}} {
		if got := StatusClass(tc.status, tc.err); got != tc.want {
			t.Errorf("StatusClass(%d, %v) = %s, want %s", tc.status, tc.err, got, tc.want)
		}
	}
}
