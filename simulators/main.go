// Command simulators runs the Confluence and OpenText Content Server
// simulators with the demo seed, for the demo and for trying the bridge
// without licences. Listen addresses come from CONFLUENCE_SIM_ADDR and
// OPENTEXT_SIM_ADDR; faults from CONFLUENCE_SIM_FAULTS and
// OPENTEXT_SIM_FAULTS (e.g. "latency=50ms,ratelimit-every=10").
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

	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	confluencesim "github.com/xecm-bridge/xecm-bridge/simulators/confluence"
	"github.com/xecm-bridge/xecm-bridge/simulators/faults"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "simulators:", err)
		os.Exit(1)
	}
}

func run() error {
	var cfg settings.Simulators
	if err := settings.Load(&cfg); err != nil {
		return err
	}
	confAddr, otAddr := cfg.ConfluenceAddr, cfg.OpenTextAddr
	confFaults, err := faults.ParseSpec(cfg.ConfluenceFaults)
	if err != nil {
		return fmt.Errorf("CONFLUENCE_SIM_FAULTS: %w", err)
	}
	otFaults, err := faults.ParseSpec(cfg.OpenTextFaults)
	if err != nil {
		return fmt.Errorf("OPENTEXT_SIM_FAULTS: %w", err)
	}
	conf := confluencesim.New(confluencesim.Options{Seed: true, Faults: confFaults})
	ot, err := opentextsim.New(opentextsim.Options{Seed: true, Faults: otFaults})
	if err != nil {
		return err
	}
	defer ot.Close()

	confLn, err := net.Listen("tcp", confAddr)
	if err != nil {
		return fmt.Errorf("CONFLUENCE_SIM_ADDR %s: %w", confAddr, err)
	}
	otLn, err := net.Listen("tcp", otAddr)
	if err != nil {
		return fmt.Errorf("OPENTEXT_SIM_ADDR %s: %w", otAddr, err)
	}
	public := cfg.ConfluenceURL
	if public == "" {
		public = "http://" + confLn.Addr().String()
	}
	conf.SetBaseURL(public)
	servers := []*http.Server{
		{Handler: conf.Handler(), ReadHeaderTimeout: 10 * time.Second},
		{Handler: ot.Handler(), ReadHeaderTimeout: 10 * time.Second},
	}
	errc := make(chan error, 2)
	go func() { errc <- servers[0].Serve(confLn) }()
	go func() { errc <- servers[1].Serve(otLn) }()
	fmt.Printf("Confluence simulator: http://%s (Basic bridge@example.com:demo-token, Bearer demo-pat)\n", confLn.Addr())
	fmt.Printf("OpenText simulator:   http://%s/otcs/cs.exe (bridge / bridge-secret, Admin / livelink)\n", otLn.Addr())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-sig:
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range servers {
		_ = s.Shutdown(ctx)
	}
	return nil
}
