package tracing_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"

	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/internal/tracing"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

func TestAttributesTakeIdsOnly(t *testing.T) {
	type nested struct {
		Body   string
		NodeID int64
	}
	type input struct {
		PageID  string
		Version int
		Title   string
		Token   string
		Inner   *nested
	}
	got := tracing.Attributes(input{PageID: "300001", Version: 3, Title: "Secret title", Token: "s3cr3t", Inner: &nested{Body: "<p>text</p>", NodeID: 4000}})
	want := []attribute.KeyValue{tracing.PageID.String("300001"), tracing.PageVersion.Int64(3), tracing.NodeID.Int64(4000)}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %v, want %v", got[i], want[i])
		}
	}
	// A workflow's own result type.
	res := tracing.Attributes(&workflows.PublishPageResult{PageID: "7", PageVersion: 2, NodeID: 9, OTCSVersion: 4, Title: "t", SHA256: "abc"})
	if len(res) != 4 || res[3] != tracing.NodeVersion.Int64(4) {
		t.Errorf("PublishPageResult: %v", res)
	}
	// Not an id: refused. A Version without a PageID beside it is not a
	// page version. Zero values and nil pointers are nothing.
	for _, v := range []any{
		struct{ PageID string }{"<script>alert(1)</script>"},
		struct{ PageID string }{strings.Repeat("1", 65)},
		struct{ Version int }{5},
		struct{ NodeID int64 }{0},
		(*workflows.PublishPageResult)(nil),
		"300001", 42, nil,
	} {
		if a := tracing.Attributes(v); len(a) != 0 {
			t.Errorf("Attributes(%#v) = %v, want none", v, a)
		}
	}
}

func TestTracingIsOffWithoutAnEndpoint(t *testing.T) {
	for _, s := range []tracing.Settings{
		{},
		{Protocol: "grpc", ServiceName: "x"},
		{Endpoint: "http://collector:4318", SDKDisabled: "true"},
	} {
		if s.On() {
			t.Errorf("%+v turns tracing on", s)
		}
	}
	for _, s := range []tracing.Settings{{Endpoint: "http://collector:4318"}, {TracesEndpoint: "http://collector:4318/v1/traces"}} {
		if !s.On() {
			t.Errorf("%+v leaves tracing off", s)
		}
	}
	stop, err := tracing.Setup(context.Background(), tracing.Settings{}, "x")
	if err != nil || stop(context.Background()) != nil {
		t.Fatal(err)
	}
	if tracing.Enabled() || tracing.Interceptors() != nil {
		t.Fatal("tracing is on without an endpoint")
	}
	if _, err := tracing.Setup(context.Background(), tracing.Settings{Endpoint: "http://127.0.0.1:1", Protocol: "http/json"}, "x"); err == nil {
		t.Error("an unsupported protocol was accepted")
	}
}

// TestSetupExportsOverOTLPHTTP: with OTEL_EXPORTER_OTLP_ENDPOINT set (read
// from the environment as the binaries read it), spans reach that
// collector over OTLP/HTTP under the service name OTEL_SERVICE_NAME
// gives, once the process flushes. Last in this file: it turns tracing on
// for the rest of the package.
func TestSetupExportsOverOTLPHTTP(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	var bodies []byte
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		paths = append(paths, r.URL.Path)
		bodies = append(bodies, b...)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_SERVICE_NAME", "bridge-under-test")
	var s settings.Tracing
	if err := settings.Load(&s); err != nil {
		t.Fatal(err)
	}
	stop, err := tracing.Setup(context.Background(), s, "xecm-bridge-workers")
	if err != nil {
		t.Fatal(err)
	}
	if !tracing.Enabled() || len(tracing.Interceptors()) != 2 {
		t.Fatal("tracing is off with an endpoint set")
	}
	_, span := otel.Tracer("test").Start(context.Background(), "exported-span")
	span.End()
	if err := stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(paths) == 0 || paths[0] != "/v1/traces" {
		t.Fatalf("the collector got %v, want a POST to /v1/traces", paths)
	}
	for _, want := range []string{"exported-span", "bridge-under-test"} {
		if !strings.Contains(string(bodies), want) {
			t.Errorf("the export lacks %q", want)
		}
	}
}
