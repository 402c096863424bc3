package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/temporalclient"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// closeStart is `close`: file every page of a space that needs it, seal
// the space's record set and, when the mapping says so, make its pages
// read-only (or find the closure that runs).
func closeStart(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("close")
	space := fs.String("space", "", "Confluence space `KEY` (required unless --page)")
	page := fs.String("page", "", "close only the page tree under page `ID` (the page and every page below it)")
	asJSON := fs.Bool("json", false, "print JSON")
	concurrency := fs.Int("concurrency", workflows.DefaultBackfillConcurrency, "the backfill's flows in flight at most")
	batch := fs.Int("batch", workflows.DefaultCloseBatch, "pages per batch")
	wait := fs.Bool("wait", false, "wait for the closure to finish and print the record set")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if (*space == "" && *page == "") || len(pos) > 0 {
		return usageFor(fs, "close needs --space KEY or --page ID and takes no other arguments")
	}
	if *concurrency < 1 || *concurrency > workflows.MaxBackfillConcurrency || *batch < 1 || *batch > workflows.MaxCloseBatch {
		return usageFor(fs, fmt.Sprintf("--concurrency must be 1 to %d and --batch 1 to %d", workflows.MaxBackfillConcurrency, workflows.MaxCloseBatch))
	}
	p, tc, closeTemporal, err := newControl()
	if err != nil {
		return err
	}
	defer closeTemporal()
	st, err := p.Close(ctx, control.CloseRequest{SpaceKey: *space, RootPageID: *page, Concurrency: *concurrency, BatchSize: *batch, RequestedBy: requester()})
	if err != nil {
		return err
	}
	out := map[string]any{"workflowId": st.WorkflowID, "runId": st.RunID, "existing": st.Existing, "url": temporalclient.WorkflowURL(tc, st.WorkflowID)}
	if !*asJSON {
		fmt.Fprintf(stdout, "workflow: %s\nrun: %s\nexisting: %t\nweb UI: %s\n", st.WorkflowID, st.RunID, st.Existing, out["url"])
	}
	if !*wait {
		if *asJSON {
			return json.NewEncoder(stdout).Encode(out)
		}
		follow := "--space " + *space
		if *page != "" {
			follow = "--page " + *page
		}
		fmt.Fprintf(stdout, "follow it with: starter close status %s\n", follow)
		return nil
	}
	var res workflows.CloseProgress
	werr := st.Run.Get(ctx, &res)
	if werr != nil {
		out["error"] = workflows.DescribeFailure(werr)
	} else {
		out["result"] = res
	}
	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(out); err != nil {
			return err
		}
	} else if werr == nil {
		printClose(stdout, &res)
	}
	if werr != nil {
		return failedError{fmt.Sprintf("%s failed: %s", st.WorkflowID, workflows.DescribeFailure(werr))}
	}
	return nil
}

// closeStatus is `close status`: the progress or the result of a space's
// latest closure.
func closeStatus(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("close status")
	space := fs.String("space", "", "Confluence space `KEY` (required unless --page)")
	page := fs.String("page", "", "the closure of the page tree under page `ID`")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if (*space == "" && *page == "") || len(pos) > 0 {
		return usageFor(fs, "close status needs --space KEY or --page ID and takes no other arguments")
	}
	p, tc, closeTemporal, err := newControl()
	if err != nil {
		return err
	}
	defer closeTemporal()
	if *space == "" {
		pg, err := p.Confluence.GetPage(ctx, *page, confluence.GetPageOptions{})
		if err != nil {
			return fmt.Errorf("read page %s: %w", *page, err)
		}
		*space = pg.SpaceKey
	}
	st, err := p.CloseStatus(ctx, *space, *page)
	var none *control.NoClosureError
	if errors.As(err, &none) {
		return failedError{none.Error()}
	}
	if err != nil {
		return err
	}
	url := temporalclient.WorkflowURL(tc, st.WorkflowID)
	if *asJSON {
		return json.NewEncoder(stdout).Encode(struct {
			*control.CloseStatus
			URL string `json:"url"`
		}{st, url})
	}
	fmt.Fprintf(stdout, "workflow: %s\nstatus: %s\nweb UI: %s\n", st.WorkflowID, st.Status, url)
	if st.Error != "" {
		fmt.Fprintf(stdout, "error: %s\n", st.Error)
	}
	if st.ProgressError != "" {
		fmt.Fprintf(stdout, "progress: unavailable (%s)\n", st.ProgressError)
	}
	if st.Progress != nil {
		printClose(stdout, st.Progress)
	}
	return nil
}

// printClose prints where a closure stands and its record set.
func printClose(w io.Writer, pr *workflows.CloseProgress) {
	fmt.Fprintf(w, "space: %s\n", pr.SpaceKey)
	if pr.RootPageID != "" {
		fmt.Fprintf(w, "page tree: %s %s\n", pr.RootPageID, pr.RootTitle)
	}
	fmt.Fprintf(w, "state: %s\n", pr.State)
	if pr.Existing {
		fmt.Fprintln(w, "the record set was sealed by an earlier closure: nothing was filed or changed in OTCS")
	}
	if b := pr.Backfill; b != nil {
		fmt.Fprintf(w, "backfill: %d pages, %d published, %d filed, %d already recorded, %d already started, %d skipped, %d failed\n",
			b.Total, b.Published, b.Filed, b.AlreadyRecorded, b.AlreadyStarted, b.Skipped, b.Failed)
	}
	fmt.Fprintf(w, "records in the set: %d (pages listed %d, without a record %d)\n", pr.Members, pr.Listed, pr.Unrecorded)
	if s := pr.Set; s.FolderID != 0 {
		fmt.Fprintf(w, "record set: node %d %s\n", s.FolderID, s.URL)
		if s.Sealed {
			fmt.Fprintf(w, "manifest: node %d, %d records, SHA-256 %s, RM %s\n", s.ManifestID, s.Members, s.SHA256, s.Classification)
		}
	}
	if pr.ReadOnly {
		fmt.Fprintf(w, "pages made read-only: %d\n", pr.Restricted)
	}
}
