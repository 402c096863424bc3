package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// seededDoc is a document the O→C scenario filed in the watched folder.
type seededDoc struct {
	ID   int64
	Name string
}

// editFigures count what the editor changed in OTCS during the chaos.
type editFigures struct {
	Major, Minor, Metadata int
	Refused                int             // edits the simulator refused (none expected: nothing is on hold)
	Added                  map[int64]int   // versions added per document
	Last                   time.Duration   // the last edit
	Edited                 map[int64]bool  // documents edited at least once
	ByDoc                  map[int64][]int // the kinds of edits per document, for the violation messages
}

// Edit kinds.
const (
	editMajor    = iota // a new approved version (x.0)
	editMinor           // a new draft (x.y): the page keeps the approved one
	editMetadata        // a new Owner in Document Control
)

// editor changes documents the way people in OTCS do, through the
// simulator's Go API (as Admin, never fault-injected, so every edit
// lands): new major and minor versions and metadata edits, one every
// `every`, on documents picked at random (fixed seed, same order every run).
type editor struct {
	w     *world
	docs  []seededDoc
	every time.Duration
	rng   *rand.Rand

	mu  sync.Mutex
	fig editFigures
}

func newEditor(w *world, docs []seededDoc, every time.Duration) *editor {
	return &editor{w: w, docs: docs, every: every, rng: rand.New(rand.NewPCG(24, 2)),
		fig: editFigures{Added: map[int64]int{}, Edited: map[int64]bool{}, ByDoc: map[int64][]int{}}}
}

// run edits until ctx ends.
func (e *editor) run(ctx context.Context) {
	if e.every <= 0 || len(e.docs) == 0 {
		return
	}
	t := time.NewTicker(e.every)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d := e.docs[e.rng.IntN(len(e.docs))]
		kind := editMetadata
		switch r := e.rng.IntN(10); {
		case r < 4:
			kind = editMajor
		case r < 6:
			kind = editMinor
		}
		err := e.edit(d, kind, n)
		e.mu.Lock()
		if err != nil {
			e.fig.Refused++
			e.w.logf("edit of %d refused: %v", d.ID, err)
		} else {
			switch kind {
			case editMajor:
				e.fig.Major++
				e.fig.Added[d.ID]++
			case editMinor:
				e.fig.Minor++
				e.fig.Added[d.ID]++
			default:
				e.fig.Metadata++
			}
			e.fig.Edited[d.ID] = true
			e.fig.ByDoc[d.ID] = append(e.fig.ByDoc[d.ID], kind)
			e.fig.Last = time.Since(e.w.t0)
		}
		e.mu.Unlock()
	}
}

func (e *editor) edit(d seededDoc, kind, n int) error {
	switch kind {
	case editMetadata:
		return e.w.otSim.SetCategoryValue(d.ID, opentextsim.DocumentControlCategoryID, "Owner", fmt.Sprintf("Chaos owner %d", n))
	default:
		body := fmt.Sprintf("%%PDF-1.4\n%% %s, edit %d\n%%%%EOF\n", d.Name, n)
		_, err := e.w.otSim.AddVersion(d.ID, d.Name, "application/pdf", []byte(body), kind == editMajor)
		return err
	}
}

// figures returns a copy of the counts.
func (e *editor) figures() editFigures {
	e.mu.Lock()
	defer e.mu.Unlock()
	f := e.fig
	return f
}
