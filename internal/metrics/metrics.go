// Package metrics serves Prometheus metrics for a bridge process: the
// Temporal SDK's metrics (through the tally handler) plus the bridge's own
// counters, on /metrics of a small HTTP server that also answers the probes
// /healthz (the process serves) and /readyz (it does its work: see
// Server.SetReady).
package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
)

// The bridge's own counters (Prometheus adds _total).
const (
	DocumentsPublished = "xecm_bridge_documents_published" // tags: space
	RecordsFiled       = "xecm_bridge_records_filed"       // tags: space, record_type
	WebhookEvents      = "xecm_bridge_webhook_events"      // tags: outcome (accepted, rejected, ignored), reason
	BackendErrors      = "xecm_bridge_backend_errors"      // tags: activity, type
	// Every HTTP attempt of the Confluence and OTCS clients, retried ones
	// included, by its answer's class (2xx, 3xx, 4xx, 429, 5xx, error),
	// and every retry the clients made (see BackendInterceptor).
	BackendResponses = "xecm_bridge_backend_responses" // tags: backend, class
	BackendRetries   = "xecm_bridge_backend_retries"   // tags: backend
)

// Server is a running metrics endpoint.
type Server struct {
	// Handler is what to give the Temporal client (client.Options.MetricsHandler)
	// and what the bridge's own counters are recorded on.
	Handler client.MetricsHandler
	// Addr is the address actually listened on ("" when disabled).
	Addr string

	srv    *http.Server
	closer io.Closer
	ready  atomic.Pointer[readiness]
}

// readiness is what /readyz asks; nil check means not ready, with why.
type readiness struct {
	check func(context.Context) error
	why   string
}

// readyTimeout bounds one readiness check, below a probe's usual timeout.
const readyTimeout = 2 * time.Second

// SetReady makes /readyz answer 200 while check passes (it runs on every
// probe, bounded by readyTimeout) and 503 "not ready" when it does not;
// the check's error (addresses, TLS details) is for the process's log,
// not for whoever can reach the probe. Before the first call /readyz
// answers 503 "starting".
func (s *Server) SetReady(check func(context.Context) error) {
	s.ready.Store(&readiness{check: check})
}

// SetNotReady makes /readyz answer 503 with why, e.g. while the process
// stops.
func (s *Server) SetNotReady(why string) {
	s.ready.Store(&readiness{why: why})
}

func (s *Server) serveReady(w http.ResponseWriter, r *http.Request) {
	rd := s.ready.Load()
	switch {
	case rd == nil:
		http.Error(w, "starting", http.StatusServiceUnavailable)
	case rd.check == nil:
		http.Error(w, rd.why, http.StatusServiceUnavailable)
	default:
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := rd.check(ctx); err != nil {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	}
}

// Start serves metrics on addr (host:port); "" or "off" disables them and
// returns a Server whose Handler discards everything.
func Start(addr string) (*Server, error) {
	if addr == "" || addr == "off" {
		return &Server{Handler: client.MetricsNopHandler}, nil
	}
	reg := prom.NewRegistry()
	reporter := tallyprom.NewReporter(tallyprom.Options{
		Registerer:       reg,
		DefaultTimerType: tallyprom.HistogramTimerType,
		OnRegisterError:  func(error) {}, // a clashing registration only loses that series
	})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  reporter,
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &sdktally.PrometheusSanitizeOptions,
	}, time.Second)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		closer.Close()
		return nil, fmt.Errorf("BRIDGE_METRICS_ADDR %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", reporter.HTTPHandler())
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	s := &Server{
		Handler: sdktally.NewMetricsHandler(sdktally.NewPrometheusNamingScope(scope)),
		Addr:    ln.Addr().String(),
		srv:     &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second},
		closer:  closer,
	}
	mux.HandleFunc("/readyz", s.serveReady)
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the process keeps working without metrics
		}
	}()
	return s, nil
}

// Close stops serving and flushes the scope.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	return errors.Join(err, s.closer.Close())
}
