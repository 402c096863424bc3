package main

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/internal/roles"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	confluencesim "github.com/xecm-bridge/xecm-bridge/simulators/confluence"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// simulatorDeps are clients of both simulators with rules parsed from yaml.
func simulatorDeps(t *testing.T, yaml string) roles.Deps {
	t.Helper()
	cs := confluencesim.New(confluencesim.Options{Seed: true})
	confHTTP := httptest.NewServer(cs.Handler())
	t.Cleanup(confHTTP.Close)
	cs.SetBaseURL(confHTTP.URL)
	ot, err := opentextsim.New(opentextsim.Options{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ot.Close() })
	otHTTP := httptest.NewServer(ot.Handler())
	t.Cleanup(otHTTP.Close)
	retry := rest.RetryConfig{Max: 1, WaitMin: 10 * time.Millisecond, WaitMax: 100 * time.Millisecond}
	var deps roles.Deps
	if deps.Confluence, err = confluence.New(confluence.Config{BaseURL: confHTTP.URL, Email: "bridge@example.com", APIToken: "demo-token", Retry: retry}); err != nil {
		t.Fatal(err)
	}
	if deps.OpenText, err = opentext.New(opentext.Config{BaseURL: otHTTP.URL + "/otcs/cs.exe", Username: "bridge", Password: "bridge-secret", Retry: retry}); err != nil {
		t.Fatal(err)
	}
	if deps.Rules, err = mapping.Parse("mapping.yaml", []byte(yaml)); err != nil {
		t.Fatal(err)
	}
	return deps
}

// A worker refuses to start when the access: section names a group one
// side does not have, naming the line; the demo mapping starts.
func TestWorkerRefusesToStartWithAMissingGroup(t *testing.T) {
	var log bytes.Buffer
	if err := checkMapping(simulatorDeps(t, mustRead(t)), zerolog.New(&log)); err != nil || log.Len() > 0 {
		t.Fatalf("demo mapping: %v %s", err, log.String())
	}
	bad := strings.Replace(mustRead(t), "records-admins: RM Administrators", "record-admins: RM Administrators", 1)
	err := checkMapping(simulatorDeps(t, bad), zerolog.Nop())
	if err == nil || !strings.Contains(err.Error(), `mapping.yaml:14: access.groups.record-admins: Confluence group "record-admins" does not exist`) {
		t.Fatalf("got %v", err)
	}
}
