package metrics

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestStartListensExactlyWhereTold: the operator's address is used as
// given (here loopback, an ephemeral port), and /metrics serves there.
func TestStartListensExactlyWhereTold(t *testing.T) {
	s, err := Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil || host != "127.0.0.1" {
		t.Fatalf("listening on %q (%v), want 127.0.0.1", s.Addr, err)
	}
	s.Handler.Counter(WebhookEvents).Inc(1)
	resp, err := http.Get("http://" + s.Addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "ok") {
		t.Fatalf("healthz: %d %q", resp.StatusCode, body)
	}
}

func TestStartOffServesNothing(t *testing.T) {
	for _, addr := range []string{"", "off"} {
		s, err := Start(addr)
		if err != nil || s.Addr != "" || s.Handler == nil {
			t.Fatalf("%q: %+v %v", addr, s, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStartReportsABadAddress(t *testing.T) {
	if _, err := Start("not-an-address"); err == nil || !strings.Contains(err.Error(), "BRIDGE_METRICS_ADDR") {
		t.Fatalf("got %v", err)
	}
}

// TestReadyzFollowsTheCheck: /readyz is 503 until the process says how to
// check readiness, then follows the check (its error in the body), and 503
// again once the process says it stops.
func TestReadyzFollowsTheCheck(t *testing.T) {
	s, err := Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	probe := func() (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + s.Addr + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if st, body := probe(); st != 503 || !strings.Contains(body, "starting") {
		t.Errorf("before SetReady: %d %q", st, body)
	}
	var down error
	s.SetReady(func(ctx context.Context) error {
		if _, ok := ctx.Deadline(); !ok {
			return errors.New("the check has no deadline")
		}
		return down
	})
	if st, body := probe(); st != 200 || !strings.Contains(body, "ready") {
		t.Errorf("ready: %d %q", st, body)
	}
	down = errors.New("temporal: connection refused")
	if st, body := probe(); st != 503 || !strings.Contains(body, "not ready") || strings.Contains(body, "refused") {
		t.Errorf("check failing (503, without the cause): %d %q", st, body)
	}
	s.SetNotReady("stopping")
	if st, body := probe(); st != 503 || !strings.Contains(body, "stopping") {
		t.Errorf("stopping: %d %q", st, body)
	}
}
