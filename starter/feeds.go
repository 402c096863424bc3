package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/internal/launch"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/internal/temporalclient"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// feedByName is the change feed a command names: documents or templates.
func feedByName(cmd string, args []string) (launch.Feed, error) {
	if len(args) > 0 {
		switch args[0] {
		case launch.DocumentsFeed.Name:
			return launch.DocumentsFeed, nil
		case launch.TemplatesFeed.Name:
			return launch.TemplatesFeed, nil
		}
	}
	return launch.Feed{}, usageError{cmd + " needs what to sync: documents or templates"}
}

// syncFeed is `sync documents|templates [--now] [--json]`: without --now
// it triggers the Schedule's next run (changes since its cursor); with
// --now it runs a full sweep at once and waits for it.
func syncFeed(ctx context.Context, args []string, stdout io.Writer) error {
	feed, err := feedByName("sync", args)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("sync "+feed.Name, flag.ContinueOnError)
	now := fs.Bool("now", false, "run a full sweep now and wait for it (default: trigger the Schedule's next run)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{"sync " + feed.Name + " takes only flags"}
	}
	p, tc, closeTemporal, err := newPublisher()
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
	if *asJSON {
		out := map[string]any{"workflowId": st.WorkflowID, "runId": st.RunID, "existing": st.Existing, "url": url}
		if werr != nil {
			out["error"] = describeFailure(werr)
		} else {
			out["result"] = res.Totals
		}
		if err := json.NewEncoder(stdout).Encode(out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "workflow: %s\nrun: %s\nexisting: %t\nweb UI: %s\n", st.WorkflowID, st.RunID, st.Existing, url)
		if werr == nil {
			t := res.Totals
			fmt.Fprintf(stdout, "%s read: %d\npages created: %d, updated: %d, archived: %d, restored: %d, flagged: %d, without approved version: %d, failed: %d\n",
				feed.Name, t.Documents, t.Created, t.Changed, t.Archived, t.Restored, t.Flagged, t.Skipped, t.Failed)
			if feed.Name == launch.DocumentsFeed.Name {
				fmt.Fprintf(stdout, "back links written: %d, kept in Confluence only (hold or record): %d\n", t.BackLinks, t.KeptInConfl)
			}
		}
	}
	if werr != nil {
		return failedError{"sync failed: " + describeFailure(werr)}
	}
	return nil
}

// scheduleFeed is `schedule documents|templates`.
func scheduleFeed(ctx context.Context, feed launch.Feed, args []string, stdout io.Writer) error {
	var tc settings.Temporal
	var dc settings.Documents
	var tpl settings.Templates
	if err := settings.Load(&tc, &dc, &tpl); err != nil {
		return err
	}
	every, fullEvery, env := dc.Every, dc.FullEvery, "BRIDGE_DOCUMENTS"
	if feed.Name == launch.TemplatesFeed.Name {
		every, fullEvery, env = tpl.Every, tpl.FullEvery, "BRIDGE_TEMPLATES"
	}
	fs := flag.NewFlagSet("schedule "+feed.Name, flag.ContinueOnError)
	everyFlag := fs.Duration("every", every, "how often the feed runs (env "+env+"_EVERY)")
	fullFlag := fs.Int("full-every", fullEvery, "every Nth run is a full sweep; 0 = never (env "+env+"_FULL_EVERY)")
	pause := fs.Bool("pause", false, "create or leave the schedule paused")
	trigger := fs.Bool("trigger", false, "also run it once now")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *fullFlag < 0 {
		return usageError{"schedule " + feed.Name + " takes only flags; --full-every must be 0 or more"}
	}
	c, err := dialQuiet(tc)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := launch.EnsureFeedSchedule(ctx, c, feed, *everyFlag, *fullFlag, *pause); err != nil {
		return fmt.Errorf("schedule %s: %w", feed.ScheduleID, err)
	}
	state := "running"
	if *pause {
		state = "paused"
	}
	fmt.Fprintf(stdout, "schedule: %s every %s (%s), every %d. run a full sweep\n", feed.ScheduleID, everyFlag.String(), state, *fullFlag)
	if *trigger {
		if err := c.ScheduleClient().GetHandle(ctx, feed.ScheduleID).Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
			return fmt.Errorf("trigger %s: %w", feed.ScheduleID, err)
		}
		fmt.Fprintln(stdout, "triggered one run now")
	}
	return nil
}
