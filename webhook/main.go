// Command webhook runs the webhook receiver: POST /webhook takes Confluence
// events (Data Center webhooks signed with X-Hub-Signature, or Cloud
// Automation requests carrying X-Automation-Secret) and records each
// accepted one as a RouteEvent run in Temporal. Every delivery must carry a
// timestamp no older than BRIDGE_WEBHOOK_MAX_AGE; a replayed body finds the
// run of the original. GET /healthz and /readyz serve probes (/readyz
// answers "not ready" and logs the cause); metrics are on
// BRIDGE_METRICS_ADDR (loopback unless set). It stops gracefully on
// SIGINT/SIGTERM, finishing requests in flight.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/logging"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/internal/temporalclient"
	"github.com/xecm-bridge/xecm-bridge/internal/tracing"
	"github.com/xecm-bridge/xecm-bridge/internal/webhook"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "webhook:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		tc settings.Temporal
		wh settings.Webhook
		wc settings.Worker
		mc settings.Metrics
		lc settings.Logging
		tr settings.Tracing
	)
	if err := settings.Load(&tc, &wh, &wc, &mc, &lc, &tr); err != nil {
		return err
	}
	zl, err := logging.New(lc.Level, os.Stderr)
	if err != nil {
		return err
	}
	// Before Temporal: each delivery is the root of its trace (none
	// without an OTLP endpoint).
	stopTracing, err := tracing.Setup(context.Background(), tr, "xecm-bridge-webhook")
	if err != nil {
		return err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := stopTracing(ctx); err != nil {
			zl.Warn().Err(err).Msg("Could not flush traces")
		}
	}()
	rules, err := mapping.LoadFile(wc.MappingFile)
	if err != nil {
		return err
	}
	c, ms, closeAll, err := temporalclient.DialWithMetrics(tc, logging.NewTemporal(zl), mc.Addr)
	if err != nil {
		return err
	}
	defer closeAll()
	handler, err := webhook.New(webhook.Config{
		Secret: wh.Secret, AutomationSecret: wh.AutomationSecret, MaxBody: wh.MaxBody, MaxAge: wh.MaxAge,
		IgnoreActors: wh.IgnoreActors, Rules: rules, Router: control.WebhookRouter{Client: &control.Client{Temporal: c}}, Metrics: ms.Handler,
		Ready:  func(ctx context.Context) error { _, err := c.CheckHealth(ctx, nil); return err },
		Logger: &zl,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", wh.Addr)
	if err != nil {
		return fmt.Errorf("BRIDGE_WEBHOOK_ADDR %s: %w", wh.Addr, err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	zl.Info().Str("addr", ln.Addr().String()).Str("metrics", ms.Addr).Bool("tracing", tracing.Enabled()).Msg("Webhook receiver listening")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case s := <-sig:
		zl.Info().Str("signal", s.String()).Msg("Shutting down")
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(ctx)
}
