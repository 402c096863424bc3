package main

import (
	"fmt"
	"strings"
)

// rowsBefore are the O→C rows in front of the shared ones (kills, restart,
// outage, faults).
func (f *o2cFigures) rowsBefore(row func(k, format string, args ...any), r *Result) {
	row("documents synced (approved 1.0, Document Control, watched folder)", "%d in folder %d, plus the demo seed's", f.Documents, f.Folder)
	demand, sched, full := 0, 0, 0
	for _, s := range f.Syncs {
		if s.Kind == "on demand" {
			demand++
		} else {
			sched++
		}
		if s.Result != nil && s.Result.Full {
			full++
		}
	}
	row("syncs during the chaos", "%d: %d on demand (`sync now`, full sweep), %d scheduled (every %dth a full sweep); %d full sweeps; at most %d at once",
		len(f.Syncs), demand, sched, r.Cfg.FullEvery, full, f.MaxOpen)
	var lines []string
	for _, s := range f.Syncs {
		lines = append(lines, fmt.Sprintf("%s %s–%s %s", strings.TrimPrefix(s.ID, "xecm-bridge-"), secs(s.Started), secs(s.Close), s.Status))
	}
	row("sync runs (id start–close status)", "%s", strings.Join(lines, " · "))
	e := f.Edits
	row("edits in OTCS while the syncs ran (simulator Go API, as Admin)", "%d new major versions, %d new minor versions (drafts), %d Owner edits on %d documents (one every %s until the last sync of the chaos closed, at %s); %d refused",
		e.Major, e.Minor, e.Metadata, len(e.Edited), r.Cfg.EditEvery, secs(e.Last), e.Refused)
	row("chaos phase", "%s after the first sync; faults on from the start until %s (held on after the chaos until %d Confluence writes had met one, for at most %s)",
		secs(r.ChaosEnd), secs(f.FaultsUntil), confWriteFaults, r.Cfg.FaultHold)
}

// rowsAfter follow the fault rows.
func (f *o2cFigures) rowsAfter(row func(k, format string, args ...any), r *Result) {
	row("writes hit by faults, Confluence", "%d × 429, %d × 503 of %d writes (POST/PUT/DELETE) in the chaos phase", f.ConfWrites429, f.ConfWrites503, f.ConfWrites)
	row("writes hit by faults, OTCS", "%d × 429, %d × 503 of %d writes in the chaos phase", f.OTWrites429, f.OTWrites503, f.OTWrites)
	row("sync starts retried (dev server down)", "%d", f.StartRetries)
}

// rowsSettle describe the settle sync and the syncs that must write nothing.
func (f *o2cFigures) rowsSettle(row func(k, format string, args ...any)) {
	row("settle sync (full sweep after the chaos)", "%s in %s: %s", f.Settle.Status, secs(f.Settle.Close-f.Settle.Started), syncLine(f.Settle.Result))
	var parts []string
	for _, s := range f.Second {
		parts = append(parts, fmt.Sprintf("%s %s (%s)", s.Kind, s.Status, syncLine(s.Result)))
	}
	sw := f.SecondWrites
	row("second syncs (full sweep, then scheduled)", "%s; %d page(s) changed in Confluence, %d OTCS write(s)", strings.Join(parts, "; "), sw.Pages, sw.OTCS)
}
