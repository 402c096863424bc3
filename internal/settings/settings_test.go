package settings_test

import (
	"os"
	"slices"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/internal/settings"
)

// TestTLSAndCodecSettings: the new variables land in the structs every
// binary loads (the codec keys inside Temporal, so every process that dials
// Temporal gets them) and the codec server's defaults are safe.
func TestTLSAndCodecSettings(t *testing.T) {
	t.Setenv("TEMPORAL_TLS", "true")
	t.Setenv("TEMPORAL_TLS_CA", "/etc/temporal/ca.pem")
	t.Setenv("TEMPORAL_TLS_SERVER_NAME", "temporal.internal")
	t.Setenv("BRIDGE_CODEC_KEYS", "k1:AAAA")
	for _, n := range []string{"BRIDGE_CODEC_ADDR", "BRIDGE_CODEC_CORS_ORIGINS", "BRIDGE_CODEC_AUTH_TOKEN", "BRIDGE_CODEC_ALLOW_UNAUTHENTICATED"} {
		t.Setenv(n, "") // restored after the test
		os.Unsetenv(n)  // defaults apply only to unset variables
	}
	var tc settings.Temporal
	var cs settings.CodecServer
	var kc settings.Codec
	if err := settings.Load(&tc, &cs, &kc); err != nil {
		t.Fatal(err)
	}
	if !tc.TLS || tc.TLSCA != "/etc/temporal/ca.pem" || tc.TLSServerName != "temporal.internal" || tc.Codec.Keys != "k1:AAAA" || kc.Keys != "k1:AAAA" {
		t.Fatalf("Temporal = %+v", tc)
	}
	if cs.Addr != "127.0.0.1:8089" || !slices.Equal(cs.CORSOrigins, []string{"http://localhost:8233", "http://127.0.0.1:8233"}) || cs.AllowUnauthenticated || cs.AuthToken != "" {
		t.Fatalf("CodecServer defaults = %+v", cs)
	}

	t.Setenv("TEMPORAL_TLS", "maybe")
	if err := settings.Load(&tc); err == nil {
		t.Error("TEMPORAL_TLS=maybe accepted")
	}

	names := settings.Names()
	for _, n := range []string{"TEMPORAL_TLS", "TEMPORAL_TLS_CA", "TEMPORAL_TLS_SERVER_NAME", "BRIDGE_CODEC_KEYS",
		"BRIDGE_CODEC_ADDR", "BRIDGE_CODEC_CORS_ORIGINS", "BRIDGE_CODEC_AUTH_TOKEN", "BRIDGE_CODEC_ALLOW_UNAUTHENTICATED",
		"BRIDGE_CODEC_TLS_CERT", "BRIDGE_CODEC_TLS_KEY"} {
		if !slices.Contains(names, n) {
			t.Errorf("Names() lacks %s", n)
		}
	}
}
