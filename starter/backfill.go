package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/temporalclient"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// sinceLayouts are the forms --since accepts (UTC unless a zone is given).
var sinceLayouts = []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"}

// backfillStart is `backfill`: decide every page of a space and start
// what each needs (or find the backfill that runs).
func backfillStart(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("backfill")
	space := fs.String("space", "", "Confluence space `KEY` (required)")
	asJSON := fs.Bool("json", false, "print JSON")
	since := fs.String("since", "", "only pages last modified since `DATE` (2006-01-02, \"2006-01-02 15:04\" or RFC 3339; UTC)")
	concurrency := fs.Int("concurrency", workflows.DefaultBackfillConcurrency, "flows in flight at most")
	batch := fs.Int("batch", workflows.DefaultBackfillBatch, "pages decided per batch")
	dryRun := fs.Bool("dry-run", false, "decide every page and print the counts and reasons; start and change nothing")
	wait := fs.Bool("wait", false, "wait for the backfill to finish and print its counters")
	if err := parseSpace(fs, args, space); err != nil {
		return err
	}
	req := control.BackfillRequest{SpaceKey: *space, Concurrency: *concurrency, BatchSize: *batch, DryRun: *dryRun, RequestedBy: requester()}
	if *concurrency < 1 || *concurrency > workflows.MaxBackfillConcurrency || *batch < 1 || *batch > workflows.MaxBackfillBatch {
		return usageFor(fs, fmt.Sprintf("--concurrency must be 1 to %d and --batch 1 to %d", workflows.MaxBackfillConcurrency, workflows.MaxBackfillBatch))
	}
	if *since != "" {
		var err error
		if req.Since, err = parseSince(*since); err != nil {
			return err
		}
	}
	// A dry run is only worth its printout: it is always waited for.
	return startBackfill(ctx, req, *wait || *dryRun, *asJSON, stdout)
}

// backfillSteer is `backfill status|pause|resume|cancel`: act on the
// running backfill. It takes other flags than starting one, so it has its
// own flag set.
func backfillSteer(sub string) handler {
	return func(ctx context.Context, args []string, stdout io.Writer) error {
		fs := newFlags("backfill " + sub)
		space := fs.String("space", "", "Confluence space `KEY` (required)")
		asJSON := fs.Bool("json", false, "print JSON")
		if err := parseSpace(fs, args, space); err != nil {
			return err
		}
		return steerBackfill(ctx, sub, *space, *asJSON, stdout)
	}
}

// parseSpace parses a backfill command's flags: --space is required and
// nothing but flags is taken.
func parseSpace(fs *flag.FlagSet, args []string, space *string) error {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *space == "" || len(pos) > 0 {
		return usageFor(fs, "backfill needs --space KEY and takes no other arguments")
	}
	return nil
}

func parseSince(s string) (time.Time, error) {
	for _, layout := range sinceLayouts {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, usageError{msg: fmt.Sprintf("--since %q is not a date (2006-01-02, \"2006-01-02 15:04\" or RFC 3339)", s)}
}

// startBackfill starts (or finds) the backfill and reports it; with wait,
// its counters too. Failed flows make the command fail, naming them.
func startBackfill(ctx context.Context, req control.BackfillRequest, wait, asJSON bool, stdout io.Writer) error {
	p, tc, closeTemporal, err := newControl()
	if err != nil {
		return err
	}
	defer closeTemporal()
	st, err := p.Backfill(ctx, req)
	if err != nil {
		return err
	}
	out := map[string]any{"workflowId": st.WorkflowID, "runId": st.RunID, "existing": st.Existing, "url": temporalclient.WorkflowURL(tc, st.WorkflowID)}
	if !asJSON {
		fmt.Fprintf(stdout, "workflow: %s\nrun: %s\nexisting: %t\nweb UI: %s\n", st.WorkflowID, st.RunID, st.Existing, out["url"])
		if st.Existing {
			fmt.Fprintln(stdout, "a backfill of this space was already running: this command's flags were not applied")
		}
	}
	if !wait {
		if asJSON {
			return json.NewEncoder(stdout).Encode(out)
		}
		fmt.Fprintf(stdout, "follow it with: starter backfill status --space %s\n", req.SpaceKey)
		return nil
	}
	var res workflows.BackfillProgress
	werr := st.Run.Get(ctx, &res)
	if werr != nil {
		out["error"] = workflows.DescribeFailure(werr)
	} else {
		out["result"] = res
	}
	if asJSON {
		if err := json.NewEncoder(stdout).Encode(out); err != nil {
			return err
		}
	} else if werr == nil {
		printBackfill(stdout, &res)
	}
	switch {
	case werr != nil:
		return failedError{fmt.Sprintf("%s failed: %s", st.WorkflowID, workflows.DescribeFailure(werr))}
	case res.Failed > 0:
		return failedError{fmt.Sprintf("%s: %d flows failed (%s)", st.WorkflowID, res.Failed, strings.Join(res.FailedIDs, ", "))}
	}
	return nil
}

// steerBackfill is status, pause, resume and cancel of a space's backfill.
func steerBackfill(ctx context.Context, cmd, space string, asJSON bool, stdout io.Writer) error {
	c, tc, err := dialTemporal()
	if err != nil {
		return err
	}
	defer c.Close()
	p := &control.Client{Temporal: c}
	id := workflows.BackfillWorkflowID(space)
	url := temporalclient.WorkflowURL(tc, id)
	var none *control.NoBackfillError
	if cmd == "status" {
		st, err := p.BackfillStatus(ctx, space)
		if errors.As(err, &none) {
			return failedError{none.Error()}
		}
		if err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(stdout).Encode(struct {
				*control.BackfillStatus
				URL string `json:"url"`
			}{st, url})
		}
		fmt.Fprintf(stdout, "workflow: %s\nstatus: %s\nweb UI: %s\n", id, st.Status, url)
		if st.Error != "" {
			fmt.Fprintf(stdout, "error: %s\n", st.Error)
		}
		if st.ProgressError != "" {
			fmt.Fprintf(stdout, "progress: unavailable (%s)\n", st.ProgressError)
		}
		if st.Progress != nil {
			printBackfill(stdout, st.Progress)
		}
		return nil
	}
	var note string
	switch cmd {
	case "pause":
		err, note = p.PauseBackfill(ctx, space), "no new batch or flow will start; flows in flight finish"
	case "resume":
		err, note = p.ResumeBackfill(ctx, space), "the backfill goes on where it stopped"
	default:
		err, note = p.CancelBackfill(ctx, space), "the flows it started are not cancelled: each finishes on its own"
	}
	if errors.As(err, &none) {
		return failedError{none.Error()}
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", cmd, id, err)
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{"workflowId": id, "sent": cmd, "url": url})
	}
	fmt.Fprintf(stdout, "%s sent to %s: %s\nweb UI: %s\n", cmd, id, note, url)
	return nil
}

// printBackfill prints a backfill's counters, reasons and failures.
func printBackfill(w io.Writer, pr *workflows.BackfillProgress) {
	would := ""
	if pr.DryRun {
		would = "would be "
	}
	fmt.Fprintf(w, "space: %s\nstate: %s\npages: %d (%d batches)\n", pr.SpaceKey, pr.State, pr.Total, pr.Batches)
	fmt.Fprintf(w, "%spublished: %d\n%sfiled: %d\n%ssubmitted for review: %d\n", would, pr.Published, would, pr.Filed, would, pr.Submitted)
	fmt.Fprintf(w, "already recorded: %d\nalready started: %d\nskipped: %d\n", pr.AlreadyRecorded, pr.AlreadyStarted, pr.Skipped)
	for _, r := range pr.SkippedBy {
		fmt.Fprintf(w, "  %5d  %s\n", r.Pages, r.Reason)
	}
	fmt.Fprintf(w, "failed: %d\n", pr.Failed)
	for _, id := range pr.FailedIDs {
		fmt.Fprintf(w, "  %s\n", id)
	}
	if pr.DryRun && len(pr.SkippedPages) > 0 {
		fmt.Fprintf(w, "skipped pages (the first %d):\n", len(pr.SkippedPages))
		for _, sp := range pr.SkippedPages {
			fmt.Fprintf(w, "  %s v%d: %s\n", sp.PageID, sp.Version, sp.Reason)
		}
	}
	if pr.InFlight > 0 {
		fmt.Fprintf(w, "in flight: %d\n", pr.InFlight)
	}
}
