// Command workers runs the bridge's Temporal workers. Roles are chosen with
// --queues (workflows, confluence, opentext or all); each role polls its own
// task queue. It stops gracefully on SIGINT/SIGTERM, letting running
// activities finish.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/internal/logging"
	"github.com/xecm-bridge/xecm-bridge/internal/monitor"
	"github.com/xecm-bridge/xecm-bridge/internal/roles"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/internal/temporalclient"
	"github.com/xecm-bridge/xecm-bridge/internal/tracing"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	"github.com/xecm-bridge/xecm-bridge/rendition/pdfa"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "workers:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		tc settings.Temporal
		cc settings.Confluence
		oc settings.OpenText
		hc settings.HTTP
		wc settings.Worker
		mc settings.Metrics
		lc settings.Logging
		rc settings.Render
		tr settings.Tracing
	)
	if err := settings.Load(&tc, &cc, &oc, &hc, &wc, &mc, &lc, &rc, &tr); err != nil {
		return err
	}
	queues := flag.String("queues", wc.Queues, "worker roles: workflows, confluence, opentext or all (env BRIDGE_WORKER_QUEUES)")
	mappingFile := flag.String("mapping", wc.MappingFile, "mapping file (env BRIDGE_MAPPING_FILE)")
	flag.Parse()

	zl, err := logging.New(lc.Level, os.Stderr)
	if err != nil {
		return err
	}
	rs, err := roles.Parse(*queues)
	if err != nil {
		return err
	}
	// Before the clients and Temporal: both trace through the provider
	// installed here (none without an OTLP endpoint).
	stopTracing, err := tracing.Setup(context.Background(), tr, "xecm-bridge-workers")
	if err != nil {
		return err
	}
	defer flushTraces(stopTracing, zl)
	var deps roles.Deps
	if roles.Needs(rs) {
		if deps.Rules, err = mapping.LoadFile(*mappingFile); err != nil {
			return err
		}
		deps.PDF = rc.PDF()
		if err := checkRenderTools(rs, deps.Rules, rc); err != nil {
			return err
		}
		if deps.Confluence, err = settings.ConfluenceClient(cc, hc); err != nil {
			return fmt.Errorf("confluence settings: %w", err)
		}
		if deps.OpenText, err = settings.OpenTextClient(oc, hc); err != nil {
			return fmt.Errorf("opentext settings: %w", err)
		}
		if err := checkMapping(deps, zl); err != nil {
			return err
		}
	}
	c, ms, closeAll, err := temporalclient.DialWithMetrics(tc, logging.NewTemporal(zl), mc.Addr)
	if err != nil {
		return err
	}
	defer closeAll()
	ws, err := roles.New(c, rs, wc, deps)
	if err != nil {
		return err
	}
	for i, w := range ws {
		if err := w.Start(); err != nil {
			for _, started := range ws[:i] {
				started.Stop()
			}
			return fmt.Errorf("start %s worker: %w", rs[i], err)
		}
	}
	// Ready (GET /readyz on the metrics address) once every role polls
	// and while the Temporal frontend answers.
	ms.SetReady(func(ctx context.Context) error {
		_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
		if err != nil {
			zl.Warn().Err(err).Msg("Not ready: Temporal health check failed")
		}
		return err
	})
	// The workflow role also reports the queues', Schedules' and stuck
	// runs' gauges (internal/monitor) the dashboard and alerts use.
	monitorCtx, stopMonitor := context.WithCancel(context.Background())
	defer stopMonitor()
	if slices.Contains(rs, roles.Workflows) {
		go (&monitor.Collector{Client: c, Namespace: tc.Namespace, Metrics: ms.Handler}).Run(monitorCtx)
	}
	zl.Info().Strs("roles", rs).Str("temporal", tc.Address).Str("namespace", tc.Namespace).Str("metrics", ms.Addr).
		Str("deployment", wc.DeploymentName).Str("build_id", wc.BuildID).Bool("tracing", tracing.Enabled()).Msg("Workers started")
	// Stop polling on SIGINT/SIGTERM; Stop waits for running activities
	// (up to BRIDGE_WORKER_STOP_TIMEOUT) so no attempt is cut off midway.
	<-worker.InterruptCh()
	ms.SetNotReady("stopping")
	zl.Info().Msg("Stopping workers")
	for _, w := range ws {
		w.Stop()
	}
	zl.Info().Msg("Workers stopped")
	return nil
}

// flushTraces sends the spans still buffered before the process exits.
func flushTraces(stop func(context.Context) error, zl zerolog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := stop(ctx); err != nil {
		zl.Warn().Err(err).Msg("Could not flush traces")
	}
}

// checkRenderTools refuses to start an opentext worker for a mapping that
// files records as PDF when Chromium or Ghostscript is missing: every such
// publish would fail, so the operator hears it now, with the tool named.
func checkRenderTools(rs []string, rules *mapping.Rules, rc settings.Render) error {
	need := rules.NeedsPDF()
	if len(need) == 0 || !slices.Contains(rs, roles.OpenText) {
		return nil
	}
	if err := pdfa.CheckTools(rc.Chromium, rc.Ghostscript); err != nil {
		return fmt.Errorf("the mapping files records as PDF (%s), but %w", strings.Join(need, ", "), err)
	}
	return nil
}

// checkMapping validates the mapping at start-up against the live OTCS
// category definitions and watched containers, and every principal it
// names against both systems. A mapping that disagrees with them stops the
// worker; a system that cannot be reached only warns, since the activities
// retry until it is back.
func checkMapping(deps roles.Deps, zl zerolog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cats := activities.CategorySource{OTCS: deps.OpenText, NodeID: deps.Rules.Root}
	err := deps.Rules.CheckCategories(ctx, cats)
	if err == nil {
		err = deps.Rules.CheckDocuments(ctx, activities.WatchSource{OTCS: deps.OpenText}, cats)
	}
	if err == nil {
		err = deps.Rules.CheckPrincipals(ctx, activities.PrincipalSource{Confluence: deps.Confluence, OTCS: deps.OpenText})
	}
	var bad mapping.Errors
	switch {
	case errors.As(err, &bad):
		return fmt.Errorf("the mapping does not match OTCS or Confluence:\n%w", err)
	case err != nil:
		zl.Warn().Err(err).Msg("Could not check the mapping against OTCS and Confluence now; continuing")
	}
	return nil
}
