package metrics

import (
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
