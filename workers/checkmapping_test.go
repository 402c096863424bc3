package main

import (
	"bytes"
	"github.com/xecm-bridge/xecm-bridge/internal/simtest"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/xecm-bridge/xecm-bridge/internal/roles"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// simulatorDeps are clients of both simulators with rules parsed from yaml.
func simulatorDeps(t *testing.T, yaml string) roles.Deps {
	t.Helper()
	sims := simtest.Start(t)
	deps := roles.Deps{Confluence: sims.Conf, OpenText: sims.OTCS}
	var err error
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
