package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// printTable writes the figures as Markdown.
func (r *Result) printTable(out io.Writer) {
	c := r.Cfg
	if r.O2C != nil {
		fmt.Fprintf(out, "Scenario o2c (OpenText → Confluence document sync). ")
	} else {
		fmt.Fprintf(out, "Scenario c2o (Confluence → OpenText publishing). ")
	}
	fmt.Fprintf(out, "Machine: %s; Temporal CLI dev server (SQLite file), simulators in-process, %d worker processes (roles all)\n\n", r.Machine, c.Workers)
	fmt.Fprintln(out, "| figure | value |")
	fmt.Fprintln(out, "|---|---|")
	row := func(k, format string, args ...any) {
		fmt.Fprintf(out, "| %s | %s |\n", k, fmt.Sprintf(format, args...))
	}
	if r.O2C != nil {
		r.O2C.rowsBefore(row, r)
	} else {
		row("pages published (approved, space POL)", "%d, at most %d runs open at once", r.Pages, c.Concurrency)
		row("chaos phase", "%s after the first publish (faults on throughout)", secs(r.ChaosEnd))
	}
	kills := make([]string, len(r.Kills))
	for i, k := range r.Kills {
		kills[i] = fmt.Sprintf("%.0f", k.Seconds())
	}
	row("worker SIGKILLs", "%d (every %s, alternating, each restarted at once; at %s s)", len(r.Kills), c.KillEvery, strings.Join(kills, ", "))
	row("worker processes started", "%d (%d restarts after an exit of their own, e.g. no Temporal to dial)", r.WorkerStarts, r.WorkerSelfExits)
	if r.Restarts > 0 {
		how := "SIGTERM"
		if r.RestartSIGKILL {
			how = "SIGTERM, then SIGKILL"
		}
		row("dev-server restarts", "%d at %s (%s: stopped in %s; frontend back and client re-dialled %s after the stop began)", r.Restarts, secs(r.RestartAt), how, secs(r.RestartStop), secs(r.RestartDown))
	} else {
		row("dev-server restarts", "0")
	}
	if r.OutageTo > 0 {
		row("OTCS outage (`down`)", "%s to %s (%s)", secs(r.OutageFrom), secs(r.OutageTo), secs(r.OutageTo-r.OutageFrom))
	}
	row("fault mix while on", "`ratelimit-every=%d` (429), topped up every 1 s with `ratelimit-burst` (429) and `5xx-burst` (503) to %d %% each of the requests so far", r.FaultEvery, c.FaultPercent/2)
	for _, b := range r.Backends {
		down := ""
		if b.Down > 0 || b.DownReqs > 0 {
			down = fmt.Sprintf(", %d × 503 while down (%d requests)", b.Down, b.DownReqs)
		}
		row("faults injected, "+b.Name, "%d × 429, %d × 503 = %s of %d requests while on%s; %d API requests in the chaos phase",
			b.TooMany, b.Unavailable, b.share(), b.RequestsOn, down, b.Requests)
	}
	if r.O2C != nil {
		r.O2C.rowsAfter(row, r)
	} else {
		row("publish starts retried (dev server down)", "%d", r.StartRetries)
	}
	statuses := []string{}
	for st, n := range r.Statuses {
		statuses = append(statuses, fmt.Sprintf("%d %s", n, st))
	}
	row("runs", "%s", strings.Join(statuses, ", "))
	rt := r.Retries
	row("retries (from the histories)", "%d of %d activities retried (%d extra attempts); the last retry after a timeout (killed worker) for %d, after a backend error for %d; %d workflow tasks timed out",
		rt.Retried, rt.Activities, rt.ExtraAttempts, rt.ByTimeout, rt.ByBackend, rt.WorkflowTimeouts)
	row("completions per 10 s", "%s", r.buckets())
	if len(r.Kills) > 0 {
		row("**drain time after the last kill** (last kill → last completion)", "**%s** (last kill at %s, last completion at %s)", secs(r.Drain()), secs(r.LastKill()), secs(r.LastCompletion))
	}
	if r.O2C != nil {
		r.O2C.rowsSettle(row)
	}
	first := "publish"
	if r.O2C != nil {
		first = "sync"
	}
	row("wall time", "%s from the first %s to the last completion; %s in all (set-up %s, checks included)", secs(r.LastCompletion), first, secs(r.Total), secs(r.Setup))
	held, checked := 0, 0
	for _, ch := range r.Checks {
		checked++
		if ch.Held == ch.Checked {
			held++
		}
	}
	row("invariants held", "%d/%d", held, checked)
	for _, ch := range r.Checks {
		mark := "held"
		if ch.Held != ch.Checked {
			mark = "**VIOLATED**"
		}
		row("invariant: "+ch.Name, "%s (%d/%d)", mark, ch.Held, ch.Checked)
	}
	if len(r.Violations) == 0 {
		row("**every invariant held**", "**yes**")
	} else {
		row("**every invariant held**", "**no: %d violation(s)**", len(r.Violations))
	}
	if len(r.Violations) > 0 {
		fmt.Fprintln(out)
		for i, v := range r.Violations {
			if i == 20 {
				fmt.Fprintf(out, "- … and %d more\n", len(r.Violations)-20)
				break
			}
			fmt.Fprintf(out, "- %s\n", v)
		}
	}
}

// buckets renders the completions per 10 s from the first publish.
func (r *Result) buckets() string {
	if len(r.Completions) == 0 {
		return "none"
	}
	n := int(r.Completions[len(r.Completions)-1]/(10*time.Second)) + 1
	counts := make([]int, n)
	for _, c := range r.Completions {
		counts[int(c/(10*time.Second))]++
	}
	parts := make([]string, n)
	for i, k := range counts {
		parts[i] = fmt.Sprintf("%d–%d s: %d", i*10, i*10+10, k)
	}
	return strings.Join(parts, " · ")
}

func machine() string {
	model := runtime.GOARCH
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		s := bufio.NewScanner(f)
		for s.Scan() {
			if rest, ok := strings.CutPrefix(s.Text(), "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), ":"))
				break
			}
		}
		f.Close()
	}
	return fmt.Sprintf("%s, %d cores, %s", model, runtime.NumCPU(), runtime.Version())
}
