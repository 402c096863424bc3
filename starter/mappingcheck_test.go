package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/internal/simtest"
)

// mappingCheckEnv points the starter at both simulators.
func mappingCheckEnv(t *testing.T) {
	t.Helper()
	sims := simtest.Start(t)
	for k, v := range map[string]string{
		"CONFLUENCE_BASE_URL": sims.ConfURL, "CONFLUENCE_EMAIL": simtest.ConfluenceEmail, "CONFLUENCE_API_TOKEN": simtest.ConfluenceToken,
		"OTCS_BASE_URL": sims.OTURL, "OTCS_USERNAME": simtest.OTCSUser, "OTCS_PASSWORD": simtest.OTCSPassword,
		"BRIDGE_HTTP_RETRY_MAX": "0",
	} {
		t.Setenv(k, v)
	}
}

// mapping check passes the demo mapping and names file, line and rule of
// a principal that does not exist.
func TestMappingCheckResolvesPrincipals(t *testing.T) {
	mappingCheckEnv(t)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"mapping", "check", "--file", "../mapping.yaml"}, &out, &errOut); code != exitOK {
		t.Fatalf("demo mapping: exit %d, stderr %q", code, errOut.String())
	}
	data, err := os.ReadFile("../mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "mapping.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(string(data), "legal: Legal", "legal: Legall", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	code := run(context.Background(), []string{"mapping", "check", "--file", bad}, &out, &errOut)
	if want := bad + `:13: access.groups.legal: OTCS group "Legall" does not exist`; code != exitFailed || !strings.Contains(errOut.String(), want) {
		t.Fatalf("exit %d, stderr %q, want %q", code, errOut.String(), want)
	}
}
