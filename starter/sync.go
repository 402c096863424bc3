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

// feedCommand is a command of one change feed: `schedule documents`,
// `sync templates`...
func feedCommand(cmd func(context.Context, control.Feed, []string, io.Writer) error, feed control.Feed) handler {
	return func(ctx context.Context, args []string, stdout io.Writer) error { return cmd(ctx, feed, args, stdout) }
}

// syncFeed is `sync documents|templates [--now] [--json]`: without --now
// it triggers the Schedule's next run (changes since its cursor); with
// --now it runs a full sweep at once and waits for it.
func syncFeed(ctx context.Context, feed control.Feed, args []string, stdout io.Writer) error {
	fs := newFlags("sync " + feed.Name)
	now := fs.Bool("now", false, "run a full sweep now and wait for it (default: trigger the Schedule's next run)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
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
