// Package e2e runs the bridge end to end: a real Temporal dev server, real
// workers on their task queues, and both simulators over HTTP. One dev
// server is shared by every test in the package.
package e2e

import (
	"context"
	"flag"
	"io"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/devserver"
	"github.com/xecm-bridge/xecm-bridge/internal/logging"
	"github.com/xecm-bridge/xecm-bridge/internal/roles"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	confluencesim "github.com/xecm-bridge/xecm-bridge/simulators/confluence"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// harness is the shared world of the e2e tests.
type harness struct {
	server    *testsuite.DevServer
	temporal  client.Client
	confSim   *confluencesim.Server
	otSim     *opentextsim.Server
	conf      *confluence.Client
	otcs      *opentext.Client
	rules     *mapping.Rules
	publisher *control.Client
	workers   []worker.Worker
	otURL     string // the OTCS simulator's base URL, for clients acting as other users
	confURL   string // the Confluence simulator's base URL
}

var h *harness

// TestMain starts the shared world once. Without the Temporal CLI it
// skips the package with one line (see devserver.SkipReason), unless
// XECM_REQUIRE_TOOLS=1 makes the missing CLI fail the run.
func TestMain(m *testing.M) {
	devserver.Main("e2e", func() (int, error) { return runTests(m) })
}

func runTests(m *testing.M) (int, error) {
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// SDK logs (expected activity errors included) only with -v.
	var logs io.Writer = io.Discard
	if testing.Verbose() {
		logs = os.Stderr
	}
	zl, _ := logging.New("error", logs)
	logger := logging.NewTemporal(zl)
	server, err := devserver.Start(ctx, logger, nil)
	if err != nil {
		return 0, err
	}
	defer server.Stop()

	h = &harness{server: server, temporal: server.Client()}
	h.confSim = confluencesim.New(confluencesim.Options{Seed: true})
	confHTTP := httptest.NewServer(h.confSim.Handler())
	defer confHTTP.Close()
	h.confSim.SetBaseURL(confHTTP.URL)
	h.confURL = confHTTP.URL
	h.otSim, err = opentextsim.New(opentextsim.Options{Seed: true})
	if err != nil {
		return 0, err
	}
	defer h.otSim.Close()
	otHTTP := httptest.NewServer(h.otSim.Handler())
	defer otHTTP.Close()

	retry := rest.RetryConfig{Max: 3, WaitMin: 10 * time.Millisecond, WaitMax: 2 * time.Second}
	if h.conf, err = confluence.New(confluence.Config{BaseURL: confHTTP.URL, Email: "bridge@example.com", APIToken: "demo-token", Retry: retry}); err != nil {
		return 0, err
	}
	h.otURL = otHTTP.URL + "/otcs/cs.exe"
	if h.otcs, err = opentext.New(opentext.Config{BaseURL: h.otURL, Username: "bridge", Password: "bridge-secret", Retry: retry}); err != nil {
		return 0, err
	}
	if h.rules, err = loadMapping("../mapping.yaml"); err != nil {
		return 0, err
	}
	h.publisher = &control.Client{Temporal: h.temporal, Confluence: h.conf}
	cfg := settings.Worker{ConfluenceRate: 1000, OpenTextRate: 1000, ConfluenceConcurrency: 8, OpenTextConcurrency: 4, WorkflowConcurrency: 50}
	h.workers, err = roles.New(h.temporal, roles.All, cfg, roles.Deps{Confluence: h.conf, OpenText: h.otcs, Rules: h.rules})
	if err != nil {
		return 0, err
	}
	for _, w := range h.workers {
		if err := w.Start(); err != nil {
			return 0, err
		}
		defer w.Stop()
	}
	return m.Run(), nil
}

// saveVersion makes a new version of a page with the same body, as saving
// in the editor after inserting a file does.
func saveVersion(t *testing.T, pageID string) {
	t.Helper()
	time.Sleep(2 * time.Millisecond)
	p, ok := h.confSim.Page(pageID)
	if !ok {
		t.Fatalf("page %s not found", pageID)
	}
	if _, err := h.confSim.UpdatePage(pageID, p.Title, p.Body, p.AuthorID); err != nil {
		t.Fatal(err)
	}
}

// otcsAhead is how far the OTCS simulator's clock runs ahead of the real
// one (settleOTCS moves it; never back, as dates must not go backwards).
var otcsAhead atomic.Int64

// settleOTCS moves OTCS's clock on by three seconds, as waiting would: the
// next change run lists every document at least two seconds after its
// modify date, so it counts them as read (activities/documentsources).
func settleOTCS() {
	otcsAhead.Add(int64(3 * time.Second))
	h.otSim.SetClock(func() time.Time { return time.Now().Add(time.Duration(otcsAhead.Load())) })
}
