package rest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Every HTTP request a client sends (each attempt: a retried request is
// several) passes through an instrumented transport that
//
//   - records it as one OpenTelemetry client span "<service> <METHOD>",
//     a child of the span in the request's context (the activity's), with
//     the method, scheme, host, port, path and response status only: never
//     the query string, a header (Authorization, OTCSTicket), a body, nor
//     the user information of a URL. With no tracer provider installed
//     (tracing off, the default) the span is a no-op and nothing is added
//     to the request;
//   - tells the Observer of the request's context (see WithObserver), if
//     any, of the answer's status class, so 429s and 5xx that the retries
//     hide are still counted.

// scope is the instrumentation scope of the clients' spans.
const scope = "github.com/xecm-bridge/xecm-bridge/clients/rest"

// Observer hears of every HTTP attempt of a backend client and of every
// retry, e.g. to count them. It must be safe for concurrent use.
type Observer interface {
	// Response is one attempt's outcome: status is the HTTP status, or 0
	// with err set when no answer came.
	Response(service string, status int, err error)
	// Retry is one attempt after the first of the same request.
	Retry(service string)
}

type observerKey struct{}

// WithObserver returns ctx carrying o: requests made with it are reported
// to o. The workers attach one to every activity's context.
func WithObserver(ctx context.Context, o Observer) context.Context {
	return context.WithValue(ctx, observerKey{}, o)
}

func observerFrom(ctx context.Context) Observer {
	o, _ := ctx.Value(observerKey{}).(Observer)
	return o
}

// StatusClass names the class of an attempt's outcome for counting:
// "429", "2xx", "3xx", "4xx", "5xx", or "error" when no answer came.
func StatusClass(status int, err error) string {
	switch {
	case err != nil || status == 0:
		return "error"
	case status == http.StatusTooManyRequests:
		return "429"
	case status >= 100 && status < 600:
		return strconv.Itoa(status/100) + "xx"
	}
	return "error"
}

// StatusClasses are every value StatusClass returns.
var StatusClasses = []string{"2xx", "3xx", "4xx", "429", "5xx", "error"}

// Instrument returns a copy of hc (nil: a zero http.Client) whose transport
// traces and reports every request as described above; a client without
// a transport of its own gets the shared keep-alive pool (see Pooled). An hc that is
// already instrumented is returned as it is. The caller's client is never
// modified.
func Instrument(hc *http.Client, service string) *http.Client {
	var cp http.Client
	if hc != nil {
		if _, ok := hc.Transport.(*instrumented); ok {
			return hc
		}
		cp = *hc
	}
	next := cp.Transport
	if next == nil {
		next = pooled
	}
	cp.Transport = &instrumented{service: service, next: next}
	return &cp
}

type instrumented struct {
	service string
	next    http.RoundTripper
}

func (t *instrumented) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, span := otel.Tracer(scope).Start(req.Context(), t.service+" "+req.Method, trace.WithSpanKind(trace.SpanKindClient))
	if span.IsRecording() {
		span.SetAttributes(requestAttributes(t.service, req)...)
		// A RoundTripper must not change the caller's request: the span's
		// context and the traceparent header go on a copy.
		req = req.Clone(ctx)
		propagation.TraceContext{}.Inject(ctx, propagation.HeaderCarrier(req.Header))
	}
	resp, err := t.next.RoundTrip(req)
	status := 0
	if err == nil && resp != nil {
		status = resp.StatusCode
	}
	if o := observerFrom(ctx); o != nil {
		o.Response(t.service, status, err)
	}
	if span.IsRecording() {
		switch {
		case err != nil:
			// The error's text can name the URL with its query: only
			// its kind is recorded.
			span.SetAttributes(attribute.String("error.type", errorType(err)))
			span.SetStatus(codes.Error, "no answer")
		default:
			span.SetAttributes(attribute.Int("http.response.status_code", status))
			if status >= 400 {
				span.SetAttributes(attribute.String("error.type", strconv.Itoa(status)))
				span.SetStatus(codes.Error, http.StatusText(status))
			}
		}
	}
	span.End()
	return resp, err
}

// requestAttributes are what a span records of a request: nothing that
// can carry a credential or content.
func requestAttributes(service string, req *http.Request) []attribute.KeyValue {
	u := req.URL
	attrs := []attribute.KeyValue{
		attribute.String("xecm.backend", service),
		attribute.String("http.request.method", req.Method),
		attribute.String("url.scheme", u.Scheme),
		attribute.String("server.address", u.Hostname()),
		attribute.String("url.path", u.Path),
	}
	port := u.Port()
	if port == "" {
		port = defaultPort(u.Scheme)
	}
	if p, err := strconv.Atoi(port); err == nil {
		attrs = append(attrs, attribute.Int("server.port", p))
	}
	return attrs
}

// errorType is the kind of a transport failure, never its message.
func errorType(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline_exceeded"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return "transport"
}
