package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	confluencesim "github.com/xecm-bridge/xecm-bridge/simulators/confluence"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// mappingCheckEnv points the starter at both simulators.
func mappingCheckEnv(t *testing.T) {
	t.Helper()
	conf := confluencesim.New(confluencesim.Options{Seed: true})
	confHTTP := httptest.NewServer(conf.Handler())
	t.Cleanup(confHTTP.Close)
	conf.SetBaseURL(confHTTP.URL)
	ot, err := opentextsim.New(opentextsim.Options{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ot.Close() })
	otHTTP := httptest.NewServer(ot.Handler())
	t.Cleanup(otHTTP.Close)
	for k, v := range map[string]string{
		"CONFLUENCE_BASE_URL": confHTTP.URL, "CONFLUENCE_EMAIL": "bridge@example.com", "CONFLUENCE_API_TOKEN": "demo-token",
		"OTCS_BASE_URL": otHTTP.URL + "/otcs/cs.exe", "OTCS_USERNAME": "bridge", "OTCS_PASSWORD": "bridge-secret",
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
