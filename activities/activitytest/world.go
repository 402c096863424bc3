// Package activitytest starts the world the activity packages' tests run
// in: the Confluence and OTCS simulators, the bridge's clients of them and
// a parsed mapping, without Temporal. Only tests import it; each test
// package wires the activity structs it exercises to these clients.
package activitytest

import (
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/internal/simtest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// World is both simulators, the bridge's clients of them and the rules.
type World struct {
	*simtest.World
	Rules *mapping.Rules
}

// New starts the seeded simulators (stopped when the test ends) and the
// bridge's clients of them, which retry twice, up to a second, and parses
// rulesYAML.
func New(t testing.TB, rulesYAML string) *World {
	t.Helper()
	w := &World{World: simtest.StartWith(t, rest.RetryConfig{Max: 2, WaitMin: 10 * time.Millisecond, WaitMax: time.Second})}
	var err error
	if w.Rules, err = mapping.Parse("test.yaml", []byte(rulesYAML)); err != nil {
		t.Fatal(err)
	}
	return w
}
