package settings_test

import (
	"net"
	"os"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/internal/settings"
)

// unset removes name from the environment for the test (envconfig uses a
// default only for a variable that is not set at all).
func unset(t *testing.T, name string) {
	t.Helper()
	t.Setenv(name, "")
	if err := os.Unsetenv(name); err != nil {
		t.Fatal(err)
	}
}

// TestMetricsListenOnLoopbackByDefault: without BRIDGE_METRICS_ADDR a
// process serves /metrics on loopback only; exposing it is the operator's
// explicit choice, and an explicit address is used exactly.
func TestMetricsListenOnLoopbackByDefault(t *testing.T) {
	unset(t, "BRIDGE_METRICS_ADDR")
	var m settings.Metrics
	if err := settings.Load(&m); err != nil {
		t.Fatal(err)
	}
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil {
		t.Fatalf("default %q: %v", m.Addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		t.Fatalf("default BRIDGE_METRICS_ADDR %q listens beyond loopback", m.Addr)
	}
	t.Setenv("BRIDGE_METRICS_ADDR", "0.0.0.0:9464")
	if err := settings.Load(&m); err != nil || m.Addr != "0.0.0.0:9464" {
		t.Fatalf("explicit address: %q %v", m.Addr, err)
	}
}

// TestWebhookMaxAgeHasABoundedDefault: a captured delivery is accepted for
// a bounded time only, shorter than Temporal's minimum retention (1 day)
// so a replay inside the window always finds the original run.
func TestWebhookMaxAgeHasABoundedDefault(t *testing.T) {
	unset(t, "BRIDGE_WEBHOOK_MAX_AGE")
	var w settings.Webhook
	if err := settings.Load(&w); err != nil {
		t.Fatal(err)
	}
	if w.MaxAge <= 0 || w.MaxAge >= 24*time.Hour {
		t.Fatalf("default BRIDGE_WEBHOOK_MAX_AGE %s", w.MaxAge)
	}
}
