// Package tracing turns on OpenTelemetry tracing of the bridge's work: one
// trace per document, from the signed webhook delivery through the
// RouteEvent run, the flow it starts, each activity and each Confluence
// and OTCS request (clients/rest).
//
// It is off by default: without an OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT
// or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) Setup installs nothing, the
// Temporal client gets no tracing interceptor, and the clients' spans are
// the OpenTelemetry API's no-ops. With an endpoint, the OTLP exporter
// (http/protobuf, or grpc per OTEL_EXPORTER_OTLP_PROTOCOL) and the SDK read
// the other standard OTEL_* variables themselves (headers, TLS, timeout,
// sampler, batch limits, resource attributes).
//
// Spans carry ids only: the page id and version, the OTCS node id and
// version, workflow and activity ids, HTTP method, host, path and status.
// Never a body, a query string, a header, a credential or a ticket.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
)

// Settings are the standard OpenTelemetry variables the bridge's binaries
// honour. The decision to trace is Setup's (an endpoint set, the SDK not
// disabled); the exporter and the SDK read the values themselves. Headers
// may carry the collector's credentials: never logged.
type Settings struct {
	Endpoint           string `envconfig:"OTEL_EXPORTER_OTLP_ENDPOINT"`        // e.g. http://otel-collector:4318; tracing is off without it (or the next)
	TracesEndpoint     string `envconfig:"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"` // the traces endpoint alone (a full URL for http/protobuf)
	Protocol           string `envconfig:"OTEL_EXPORTER_OTLP_PROTOCOL"`        // http/protobuf (default) or grpc
	TracesProtocol     string `envconfig:"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"`
	Headers            string `envconfig:"OTEL_EXPORTER_OTLP_HEADERS"` // key=value,… sent to the collector (a secret)
	Insecure           string `envconfig:"OTEL_EXPORTER_OTLP_INSECURE"`
	ServiceName        string `envconfig:"OTEL_SERVICE_NAME"` // default: the binary's (xecm-bridge-workers, -webhook, -starter)
	ResourceAttributes string `envconfig:"OTEL_RESOURCE_ATTRIBUTES"`
	Sampler            string `envconfig:"OTEL_TRACES_SAMPLER"` // default parentbased_always_on
	SamplerArg         string `envconfig:"OTEL_TRACES_SAMPLER_ARG"`
	SDKDisabled        string `envconfig:"OTEL_SDK_DISABLED"` // "true" turns tracing off whatever the endpoint
}

// On reports whether s asks for traces.
func (s Settings) On() bool {
	return (strings.TrimSpace(s.Endpoint) != "" || strings.TrimSpace(s.TracesEndpoint) != "") &&
		!strings.EqualFold(strings.TrimSpace(s.SDKDisabled), "true")
}

func (s Settings) protocol() string {
	if p := strings.TrimSpace(s.TracesProtocol); p != "" {
		return p
	}
	if p := strings.TrimSpace(s.Protocol); p != "" {
		return p
	}
	return "http/protobuf"
}

var enabled atomic.Bool

// Enabled reports whether a tracer provider was installed (Setup with
// tracing on, or Install).
func Enabled() bool { return enabled.Load() }

// Setup installs the OTLP exporter when s asks for traces, with
// defaultService as service.name unless OTEL_SERVICE_NAME says otherwise.
// Call it before dialling Temporal. The returned function flushes and
// stops the exporter (call it on exit); with tracing off it does nothing.
func Setup(ctx context.Context, s Settings, defaultService string) (func(context.Context) error, error) {
	if !s.On() {
		return func(context.Context) error { return nil }, nil
	}
	var exp sdktrace.SpanExporter
	var err error
	switch p := s.protocol(); p {
	case "http/protobuf":
		exp, err = otlptracehttp.New(ctx)
	case "grpc":
		exp, err = otlptracegrpc.New(ctx)
	default:
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL %q: use http/protobuf or grpc", p)
	}
	if err != nil {
		return nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	// Later options win: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
	// override the binary's default name.
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", defaultService)),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(),
	)
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	Install(tp)
	return tp.Shutdown, nil
}

// Install makes tp the process's tracer provider (tests install one with
// an in-memory exporter) and W3C trace context its propagator.
func Install(tp trace.TracerProvider) {
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	enabled.Store(true)
}

// Interceptors are what a Temporal client gets with tracing on (nil when
// off): the SDK's OpenTelemetry interceptor, which starts a span for each
// workflow start, workflow run, activity start and activity run and
// carries the trace context in the Temporal headers, and Attributes'
// interceptor, which adds the ids of each run's input and result to its
// span. Workers made from the client use both.
func Interceptors() []interceptor.ClientInterceptor {
	if !Enabled() {
		return nil
	}
	ti, err := temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{
		// Queries are operators reading state (starter status, the Web
		// UI), not part of a document's way.
		DisableQueryTracing: true,
	})
	if err != nil {
		// NewTracingInterceptor fails only on options this code does not
		// set; without tracing the bridge still works.
		otel.Handle(err)
		return nil
	}
	return []interceptor.ClientInterceptor{ti, &idsInterceptor{}}
}

// scope is the instrumentation scope of the bridge's own spans.
const scope = "github.com/xecm-bridge/xecm-bridge"

// Handler returns h with each request recorded as a new root server span
// named "<METHOD> <route>": its method, route and response status, never
// its query, headers or body. A traceparent the caller sends is not
// followed: a delivery starts its own trace. With tracing off it is h.
func Handler(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !Enabled() {
			h.ServeHTTP(w, r)
			return
		}
		ctx, span := otel.Tracer(scope).Start(r.Context(), r.Method+" "+route,
			trace.WithNewRoot(), trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("http.route", route)))
		defer span.End()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r.WithContext(ctx))
		span.SetAttributes(attribute.Int("http.response.status_code", sw.status))
		if sw.status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(sw.status))
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
