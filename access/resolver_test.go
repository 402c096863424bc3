package access

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/internal/simtest"

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

// Twenty concurrent look-ups of one group on a fresh worker ask each
// system once between them.
func TestResolverSharesConcurrentLookups(t *testing.T) {
	sims := simtest.Start(t)
	r := &Resolver{Confluence: sims.Conf, OTCS: sims.OTCS}
	ctx := context.Background()
	if _, err := sims.OTCS.FindGroup(ctx, "DefaultGroup"); err != nil { // sign in first
		t.Fatal(err)
	}
	c0, o0 := sims.ConfSim.Requests(), sims.OTSim.Requests()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, found, err := r.OpenTextGroupID(ctx, "Legal"); err != nil || !found {
				t.Errorf("OTCS Legal: %t %v", found, err)
			}
			if _, found, err := r.ConfluenceGroupID(ctx, "legal"); err != nil || !found {
				t.Errorf("Confluence legal: %t %v", found, err)
			}
		})
	}
	wg.Wait()
	if c, o := sims.ConfSim.Requests()-c0, sims.OTSim.Requests()-o0; c != 1 || o != 1 {
		t.Errorf("20 concurrent look-ups: %d Confluence and %d OTCS requests, want 1 and 1", c, o)
	}
}
