package control_test

// The control surface against a real Temporal server: one Temporal CLI dev
// server for the package (TestMain), one worker on the bridge's workflow
// task queue with stand-ins registered under the real workflow type names
// (fakes_test.go), and the Confluence simulator for the current version of
// a page. Each test makes its own pages, so the workflow ids it uses are
// its own on the shared server.

import (
	"context"
	"flag"
	"io"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/devserver"
	"github.com/xecm-bridge/xecm-bridge/internal/logging"
	confluencesim "github.com/xecm-bridge/xecm-bridge/simulators/confluence"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

var (
	tc      client.Client         // the dev server's client
	confSim *confluencesim.Server // pages for resolveVersion and ApprovePublish
	ctl     *control.Client       // what the starter and the webhook receiver use
)

// TestMain starts the shared server once. Without the Temporal CLI the
// package is skipped with one line, unless XECM_REQUIRE_TOOLS=1 makes the
// missing CLI fail the run.
func TestMain(m *testing.M) {
	flag.Parse()
	devserver.Main("control", func() (int, error) { return runTests(m) })
}

func runTests(m *testing.M) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var logs io.Writer = io.Discard
	if testing.Verbose() {
		logs = os.Stderr
	}
	zl, _ := logging.New("error", logs)
	server, err := devserver.Start(ctx, logging.NewTemporal(zl), nil)
	if err != nil {
		return 0, err
	}
	defer server.Stop()
	tc = server.Client()

	confSim = confluencesim.New(confluencesim.Options{})
	confHTTP := httptest.NewServer(confSim.Handler())
	defer confHTTP.Close()
	confSim.SetBaseURL(confHTTP.URL)
	conf, err := confluence.New(confluence.Config{
		BaseURL: confHTTP.URL, Email: "bridge@example.com", APIToken: "demo-token",
		Retry: rest.RetryConfig{Max: 1, WaitMin: 10 * time.Millisecond, WaitMax: 100 * time.Millisecond},
	})
	if err != nil {
		return 0, err
	}
	ctl = &control.Client{Temporal: tc, Confluence: conf}

	w := worker.New(tc, workflows.TaskQueue, worker.Options{})
	registerStandIns(w)
	if err := w.Start(); err != nil {
		return 0, err
	}
	defer w.Stop()
	return m.Run(), nil
}
