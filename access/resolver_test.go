package access

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	confluencesim "github.com/xecm-bridge/xecm-bridge/simulators/confluence"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// A look-up within the TTL asks neither system again; one after the TTL,
// or after Forget, does.
func TestResolverCachesLookupsForTheTTL(t *testing.T) {
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
	conf, err := confluence.New(confluence.Config{BaseURL: confHTTP.URL, Email: "bridge@example.com", APIToken: "demo-token", Retry: retry})
	if err != nil {
		t.Fatal(err)
	}
	otcs, err := opentext.New(opentext.Config{BaseURL: otHTTP.URL + "/otcs/cs.exe", Username: "bridge", Password: "bridge-secret", Retry: retry})
	if err != nil {
		t.Fatal(err)
	}
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
