package main

import (
	"context"
	"fmt"
	"io"

	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/temporalclient"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// feedByName is the change feed a command names: documents or templates.
func feedByName(cmd string, args []string) (control.Feed, error) {
	if len(args) > 0 {
		switch args[0] {
		case control.DocumentsFeed.Name:
			return control.DocumentsFeed, nil
		case control.TemplatesFeed.Name:
			return control.TemplatesFeed, nil
		}
	}
	return control.Feed{}, usageError{msg: cmd + " needs what to sync: documents, templates or permissions"}
}

// syncFeed is `sync documents|templates [--now] [--json]`: without --now
// it triggers the Schedule's next run (changes since its cursor); with
// --now it runs a full sweep at once and waits for it.
func syncFeed(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "permissions" {
		return syncPermissions(ctx, args[1:], stdout)
	}
	feed, err := feedByName("sync", args)
	if err != nil {
		return err
	}
	fs := newFlags("sync "+feed.Name, "[--now] [--json]")
	now := fs.Bool("now", false, "run a full sweep now and wait for it (default: trigger the Schedule's next run)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageFor(fs, "sync "+feed.Name+" takes only flags")
	}
	p, tc, closeTemporal, err := newControl()
	if err != nil {
		return err
	}
	defer closeTemporal()
	if !*now {
		if err := p.Temporal.ScheduleClient().GetHandle(ctx, feed.ScheduleID).Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
			return fmt.Errorf("trigger %s: %w (create it with `starter schedule %s`, or use --now)", feed.ScheduleID, err, feed.Name)
		}
		fmt.Fprintf(stdout, "triggered one run of schedule %s (changes since its last run)\n", feed.ScheduleID)
		return nil
	}
	st, err := p.SyncNow(ctx, feed, requester())
	if err != nil {
		return err
	}
	var res workflows.SyncState
	werr := st.Run.Get(ctx, &res)
	url := temporalclient.WorkflowURL(tc, st.WorkflowID)
	err = printRun(stdout, st, url, *asJSON, werr, res.Totals, func() {
		t := res.Totals
		fmt.Fprintf(stdout, "%s read: %d\npages created: %d, updated: %d, archived: %d, restored: %d, flagged: %d, without approved version: %d, failed: %d\n",
			feed.Name, t.Documents, t.Created, t.Changed, t.Archived, t.Restored, t.Flagged, t.Skipped, t.Failed)
		if feed.Name == control.DocumentsFeed.Name {
			fmt.Fprintf(stdout, "back links written: %d, kept in Confluence only (hold or record): %d\n", t.BackLinks, t.KeptInConfl)
			fmt.Fprintf(stdout, "moved back from the archive: %d, missed by the listing but confirmed in OTCS: %d\n", t.Unarchived, t.Unseen)
		}
	})
	if err != nil {
		return err
	}
	if werr != nil {
		return failedError{"sync failed: " + workflows.DescribeFailure(werr)}
	}
	return nil
}
