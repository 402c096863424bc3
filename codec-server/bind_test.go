package main

import (
	"encoding/base64"
	"strings"
	"testing"
)

// Without a token the codec server decrypts for anyone who reaches it, so
// it refuses any address but loopback.
func TestUnauthenticatedModeBindsLoopbackOnly(t *testing.T) {
	t.Setenv("BRIDGE_CODEC_KEYS", "k1:"+base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32))))
	t.Setenv("BRIDGE_CODEC_ALLOW_UNAUTHENTICATED", "true")
	t.Setenv("BRIDGE_CODEC_AUTH_TOKEN", "")
	t.Setenv("BRIDGE_CODEC_ADDR", "0.0.0.0:0")
	err := run()
	if err == nil || !strings.Contains(err.Error(), "loopback address only") {
		t.Fatalf("unauthenticated on 0.0.0.0: %v, want a refusal naming loopback", err)
	}
}
