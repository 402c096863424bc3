package access

import (
	"context"
	"github.com/xecm-bridge/xecm-bridge/internal/simtest"
	"testing"
	"time"

	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// A look-up within the TTL asks neither system again; one after the TTL,
// or after Forget, does.
func TestResolverCachesLookupsForTheTTL(t *testing.T) {
	sims := simtest.Start(t)
	cs, ot, conf, otcs := sims.ConfSim, sims.OTSim, sims.Conf, sims.OTCS
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &Resolver{Confluence: conf, OTCS: otcs, now: func() time.Time { return now }}
	ctx := context.Background()
	if _, err := otcs.FindGroup(ctx, "DefaultGroup"); err != nil { // sign in, so counts below are look-ups only
		t.Fatal(err)
	}

	// lookUp resolves Legal on both sides and returns the requests it took.
	lookUp := func(step string) (confReqs, otReqs int) {
		t.Helper()
		c0, o0 := cs.Requests(), ot.Requests()
		if id, found, err := r.OpenTextGroupID(ctx, "Legal"); err != nil || !found || id != opentextsim.LegalGroupID {
			t.Fatalf("%s: OTCS Legal = %d %t %v", step, id, found, err)
		}
		if _, found, err := r.ConfluenceGroupID(ctx, "legal"); err != nil || !found {
			t.Fatalf("%s: Confluence legal = %t %v", step, found, err)
		}
		return cs.Requests() - c0, ot.Requests() - o0
	}
	for _, step := range []struct {
		name   string
		before func()
		asks   int // requests per system
	}{
		{"first", func() {}, 1},
		{"within the TTL", func() { now = now.Add(DefaultTTL - time.Second) }, 0},
		{"after the TTL", func() { now = now.Add(2 * time.Second) }, 1},
		{"cached again", func() {}, 0},
		{"after Forget", r.Forget, 1},
	} {
		step.before()
		if c, o := lookUp(step.name); c != step.asks || o != step.asks {
			t.Errorf("%s: %d Confluence and %d OTCS requests, want %d each", step.name, c, o, step.asks)
		}
	}
}
