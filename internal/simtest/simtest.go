// Package simtest starts both simulators (with the demo seed) on loopback
// HTTP servers for a test, with the bridge's own clients of them: the
// set-up the tests of several packages share.
package simtest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	confluencesim "github.com/xecm-bridge/xecm-bridge/simulators/confluence"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// The bridge's demo credentials on the simulators.
const (
	ConfluenceEmail = "bridge@example.com"
	ConfluenceToken = "demo-token"
	OTCSUser        = "bridge"
	OTCSPassword    = "bridge-secret"
)

// World is both simulators and the bridge's clients of them, closed when
// the test ends.
type World struct {
	ConfSim        *confluencesim.Server
	OTSim          *opentextsim.Server
	ConfURL, OTURL string // the clients' base URLs (OTURL ends in /otcs/cs.exe)
	Conf           *confluence.Client
	OTCS           *opentext.Client

	confConns, otConns atomic.Int64 // connections each server accepted
}

// Connections is how many TCP connections the Confluence and the OTCS
// simulator have accepted so far (every client's): a warm client that
// reuses its keep-alive connections adds none.
func (w *World) Connections() (confluence, otcs int) {
	return int(w.confConns.Load()), int(w.otConns.Load())
}

// serve starts h on a loopback server that counts the connections it accepts.
func serve(t testing.TB, h http.Handler, n *atomic.Int64) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			n.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// Start starts the simulators and makes the clients (one quick retry).
func Start(t testing.TB) *World {
	t.Helper()
	return StartWith(t, rest.RetryConfig{Max: 1, WaitMin: 10 * time.Millisecond, WaitMax: 100 * time.Millisecond})
}

// StartWith is Start with the clients' retry policy given.
func StartWith(t testing.TB, retry rest.RetryConfig) *World {
	t.Helper()
	w := &World{ConfSim: confluencesim.New(confluencesim.Options{Seed: true})}
	confHTTP := serve(t, w.ConfSim.Handler(), &w.confConns)
	w.ConfSim.SetBaseURL(confHTTP.URL)
	w.ConfURL = confHTTP.URL
	var err error
	if w.OTSim, err = opentextsim.New(opentextsim.Options{Seed: true}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.OTSim.Close() })
	otHTTP := serve(t, w.OTSim.Handler(), &w.otConns)
	w.OTURL = otHTTP.URL + "/otcs/cs.exe"
	if w.Conf, err = confluence.New(confluence.Config{BaseURL: w.ConfURL, Email: ConfluenceEmail, APIToken: ConfluenceToken, Retry: retry}); err != nil {
		t.Fatal(err)
	}
	if w.OTCS, err = opentext.New(opentext.Config{BaseURL: w.OTURL, Username: OTCSUser, Password: OTCSPassword, Retry: retry}); err != nil {
		t.Fatal(err)
	}
	return w
}
