package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"

	"github.com/xecm-bridge/xecm-bridge/internal/devserver"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// devServer is a Temporal CLI dev server run as a child process on fixed
// loopback ports with a database file, so it can be stopped and started
// again on the same ports with the same state.
type devServer struct {
	cli, dbFile, logFile        string
	port, httpPort, metricsPort int
	logger                      log.Logger

	mu sync.Mutex
	p  *proc
}

func newDevServer(cli, dir string, logger log.Logger) (*devServer, error) {
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	return &devServer{
		cli: cli, dbFile: filepath.Join(dir, "chaos.db"), logFile: filepath.Join(dir, "devserver.log"),
		port: ports[0], httpPort: ports[1], metricsPort: ports[2], logger: logger,
	}, nil
}

// freePorts finds n free loopback ports (listen, note the port, close);
// the dev server binds them a moment later, and again after its restart.
func freePorts(n int) ([]int, error) {
	var out []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		out = append(out, ln.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

func (d *devServer) hostPort() string { return "127.0.0.1:" + strconv.Itoa(d.port) }

func (d *devServer) pid() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.p == nil {
		return 0
	}
	return d.p.pid()
}

// start launches the server and waits until its frontend answers.
func (d *devServer) start(ctx context.Context) error {
	args := []string{"server", "start-dev",
		"--ip", "127.0.0.1", "--port", strconv.Itoa(d.port),
		"--http-port", strconv.Itoa(d.httpPort), "--metrics-port", strconv.Itoa(d.metricsPort),
		"--headless", "--db-filename", d.dbFile, "--log-level", "error",
		// no version check: the run talks to loopback only
		"--dynamic-config-value", "frontend.enableServerVersionCheck=false",
	}
	args = append(args, devserver.TuningArgs()...)
	for _, sa := range workflows.SearchAttributes {
		args = append(args, "--search-attribute", sa)
	}
	logs, err := os.OpenFile(d.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logs.Close() // the child holds its own descriptor
	cmd := exec.Command(d.cli, args...)
	cmd.Stdout, cmd.Stderr = logs, logs
	p, err := startProc(cmd)
	if err != nil {
		return fmt.Errorf("start the Temporal dev server: %w", err)
	}
	d.mu.Lock()
	d.p = p
	d.mu.Unlock()
	deadline := time.Now().Add(60 * time.Second)
	for {
		dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		c, err := dial(dctx, d.hostPort(), d.logger)
		cancel()
		if err == nil {
			c.Close()
			return nil
		}
		if p.exited() {
			return fmt.Errorf("the Temporal dev server exited at start-up (%v); see %s", p.err, d.logFile)
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			p.stop(5 * time.Second)
			return fmt.Errorf("the Temporal dev server did not answer within 60 s (%v); see %s", err, d.logFile)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stop sends SIGTERM, then SIGKILL after grace; it reports whether SIGKILL
// was needed.
func (d *devServer) stop(grace time.Duration) bool {
	d.mu.Lock()
	p := d.p
	d.mu.Unlock()
	if p == nil {
		return false
	}
	return p.stop(grace)
}

// dial connects a client with a health check.
func dial(ctx context.Context, hostPort string, logger log.Logger) (client.Client, error) {
	return client.DialContext(ctx, client.Options{HostPort: hostPort, Namespace: "default", Logger: logger})
}

// temporalConn holds the program's client; after the dev server's restart
// it is dialled again and swapped in.
type temporalConn struct {
	hostPort string
	logger   log.Logger
	mu       sync.RWMutex
	c        client.Client
	redials  int
}

func (t *temporalConn) get() client.Client {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.c
}

// redial dials until the server answers (or ctx ends), then replaces the
// client and closes the old one.
func (t *temporalConn) redial(ctx context.Context) error {
	for {
		dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		c, err := dial(dctx, t.hostPort, t.logger)
		cancel()
		if err == nil {
			t.mu.Lock()
			old := t.c
			t.c = c
			t.redials++
			t.mu.Unlock()
			if old != nil {
				old.Close()
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("re-dial Temporal at %s: %w", t.hostPort, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (t *temporalConn) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.c != nil {
		t.c.Close()
		t.c = nil
	}
}
