package main

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"time"

	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// The scenarios: Confluence → OpenText (publishes) and OpenText →
// Confluence (document sync).
const (
	ScenarioC2O = "c2o"
	ScenarioO2C = "o2c"
)

// o2cFigures is what the O→C scenario adds to a Result.
type o2cFigures struct {
	Documents    int // seeded in the watched folder
	Folder       int64
	Syncs        []syncRun // started during the chaos phase
	MaxOpen      int       // most syncs open at once
	StartRetries int
	Edits        editFigures
	Settle       syncRun
	Second       []syncRun // after the settle sync: must write nothing
	SecondWrites secondWrites
	// Confluence and OTCS writes (not GET) during the chaos phase, and
	// how many of them were answered 429 / 503.
	ConfWrites, ConfWrites429, ConfWrites503 int
	OTWrites, OTWrites429, OTWrites503       int
	FaultsUntil                              time.Duration // the faults stayed on this long, for Confluence writes to meet them
}

// confWriteFaults is how many Confluence writes must have been answered
// 429 or 503 before the faults go off.
const confWriteFaults = 5

// holdFaults keeps the faults on after the chaos phase (kills, restart and
// outage are over) until confWriteFaults Confluence writes have met one,
// for at most bound more: the first syncs spend the chaos phase reading
// OTCS and waiting out killed workers' heartbeats, so without it their
// page writes would all land after the faults. It returns when the
// faults went off.
func (w *world) holdFaults(ctx context.Context, bound time.Duration) time.Duration {
	until := time.Now().Add(bound)
	for {
		_, n429, n503 := w.confTap.counts()
		if n429+n503 >= confWriteFaults || time.Now().After(until) || ctx.Err() != nil {
			return time.Since(w.t0)
		}
		w.driver.tick()
		sleep(ctx, time.Second)
	}
}

// runO2C performs one chaos run of the O→C scenario: several hundred
// approved documents in a watched folder are synced to document pages by
// full and incremental SyncDocuments runs, while documents get new
// versions and metadata edits, workers are SIGKILLed, the dev server
// restarts, OTCS goes down and both simulators answer ~20 % 429/503.
func runO2C(ctx context.Context, cfg Config) (_ *Result, err error) {
	began := time.Now()
	cfg.FaultPercent = cfg.DocFaultPercent
	fig := &o2cFigures{Documents: cfg.Documents}
	res := &Result{Cfg: cfg, Scenario: ScenarioO2C, Machine: machine(), Statuses: map[string]int{}, O2C: fig}
	var docs []seededDoc
	w, down, err := up(ctx, cfg, res, func(ctx context.Context, w *world) error {
		var err error
		rules, err := loadDocumentRules(cfg.Root)
		if err != nil {
			return err
		}
		fig.Folder = rules.folder
		if docs, err = w.seedDocuments(ctx, rules.folder); err != nil {
			return err
		}
		w.logf("seeded %d approved documents in OTCS folder %d (%d … %d)", len(docs), rules.folder, docs[0].ID, docs[len(docs)-1].ID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	defer func() { down(err != nil || len(res.Violations) > 0) }()
	res.Setup = time.Since(began)

	confT, otT := w.armFaults(res, cfg.FaultPercent)
	w.confTap.start()
	w.otTap.start()
	w.logf("syncing %d documents (on-demand sweeps and a scheduled chain, %s apart), editing one every %s; chaos for %s", len(docs), cfg.SyncPause, cfg.EditEvery, cfg.Chaos)
	deadline, cancelDeadline := context.WithDeadline(ctx, w.t0.Add(cfg.Deadline))
	defer cancelDeadline()
	chaosCtx, endChaos := context.WithCancel(deadline)
	defer endChaos()
	// People keep editing while any sync of the chaos phase runs: syncs
	// start only during the chaos, but they drain after it, and an edit
	// in the middle of a sweep is what a sweep must survive.
	editCtx, endEdits := context.WithCancel(deadline)
	defer endEdits()
	sd := &syncDriver{w: w, fullEvery: cfg.FullEvery}
	ed := newEditor(w, docs, cfg.EditEvery)
	syncsDone := make(chan struct{})
	go func() { defer close(syncsDone); sd.during(deadline, chaosCtx, cfg.SyncPause) }()
	editsDone := make(chan struct{})
	go func() { defer close(editsDone); ed.run(editCtx) }()

	w.chaos(deadline, res, otT)
	endChaos()
	res.ChaosEnd = time.Since(w.t0)
	fig.FaultsUntil = w.holdFaults(deadline, cfg.FaultHold)
	w.driver.stop()
	w.confTap.stop()
	w.otTap.stop()
	res.Backends = []backendFigures{confT.figures(), otT.figures()}
	fig.ConfWrites, fig.ConfWrites429, fig.ConfWrites503 = w.confTap.counts()
	fig.OTWrites, fig.OTWrites429, fig.OTWrites503 = w.otTap.counts()
	w.logf("chaos over after %d kills and %d dev-server restart(s); faults off at %s; waiting for the syncs, still editing", len(res.Kills), res.Restarts, secs(fig.FaultsUntil))
	<-syncsDone
	endEdits()
	<-editsDone
	fig.Edits = ed.figures()
	fig.Syncs = sd.snapshot()
	for _, r := range fig.Syncs {
		if r.Status == "" {
			res.violate("sync %s was still open at the deadline (%s after the first sync)", r.ID, cfg.Deadline)
			continue
		}
		res.Completions = append(res.Completions, r.Close)
	}
	sort.Slice(res.Completions, func(i, j int) bool { return res.Completions[i] < res.Completions[j] })
	if n := len(res.Completions); n > 0 {
		res.LastCompletion = res.Completions[n-1]
	}
	res.WorkerStarts, res.WorkerSelfExits = w.pool.counts()

	// The settle sync: a full sweep on a quiet system, as an operator
	// runs after an incident. Then two more (a sweep and a scheduled run)
	// that must write nothing.
	w.logf("every sync closed; settle sync (full sweep)")
	fig.Settle = *sd.once(deadline, "on demand", 0)
	before := w.writeState()
	fig.Second = append(fig.Second, *sd.once(deadline, "on demand", 0), *sd.once(deadline, "scheduled", len(fig.Syncs)+1))
	fig.SecondWrites = before.diff(w.writeState())
	sd.mu.Lock()
	fig.MaxOpen, fig.StartRetries = sd.maxOpen, sd.retries
	sd.mu.Unlock()
	res.StartRetries = fig.StartRetries
	w.logf("checking invariants")

	checkCtx, cancelCheck := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelCheck()
	runs := w.checkO2C(checkCtx, docs, res)
	if res.Retries, err = w.readRetries(checkCtx, runs); err != nil {
		w.logf("could not read every history: %v", err)
		err = nil
	}
	res.Total = time.Since(began)
	return res, nil
}

// seedDocuments files the documents through the OTCS simulator's seed
// endpoint: approved (one major version, 1.0) with Document Control values.
func (w *world) seedDocuments(ctx context.Context, folder int64) ([]seededDoc, error) {
	q := url.Values{"parent": {fmt.Sprint(folder)}, "documents": {fmt.Sprint(w.cfg.Documents)}, "prefix": {"Chaos procedure"},
		"category": {fmt.Sprint(opentextsim.DocumentControlCategoryID)},
		"values":   {"Document Type:Standard Operating Procedure,Owner:Chaos team,Approval Status:Approved,Approved By:reviewer1"}}
	var out struct {
		Documents []opentextsim.SeededDocument `json:"documents"`
	}
	if err := postSeed(ctx, w.otURL+"/__sim/seed?"+q.Encode(), "seed documents", &out); err != nil {
		return nil, err
	}
	if len(out.Documents) != w.cfg.Documents {
		return nil, fmt.Errorf("seed documents: asked for %d, got %d", w.cfg.Documents, len(out.Documents))
	}
	docs := make([]seededDoc, len(out.Documents))
	for i, d := range out.Documents {
		docs[i] = seededDoc{ID: d.ID, Name: d.Name}
	}
	return docs, nil
}
