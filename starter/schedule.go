package main

import (
	"context"
	"fmt"
	"io"

	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// scheduleReconcile is `schedule reconcile`: create or update the
// reconciliation Schedule. The other Schedules: scheduleFeed and
// schedulePermissions.
func scheduleReconcile(ctx context.Context, args []string, stdout io.Writer) error {
	var tc settings.Temporal
	var rc settings.Reconcile
	if err := settings.Load(&tc, &rc); err != nil {
		return err
	}
	fs := newFlags("schedule reconcile")
	every := fs.Duration("every", rc.Every, "how often reconciliation runs (env BRIDGE_RECONCILE_EVERY)")
	lookback := fs.Duration("lookback", rc.Lookback, "how far back the first run looks (env BRIDGE_RECONCILE_LOOKBACK)")
	statusEvery := fs.Int("status-every", rc.StatusEvery, "sweep the records' status onto their pages every N runs; negative: never (env BRIDGE_RECONCILE_STATUS_EVERY)")
	pause := fs.Bool("pause", false, "create or leave the schedule paused")
	trigger := fs.Bool("trigger", false, "also run it once now")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageFor(fs, "schedule reconcile takes only flags")
	}
	c, err := dialQuiet(tc)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := control.EnsureReconcileSchedule(ctx, c, *every, workflows.ReconcileInput{Lookback: *lookback, StatusEvery: *statusEvery}, *pause); err != nil {
		return fmt.Errorf("schedule %s: %w", workflows.ReconcileScheduleID, err)
	}
	state := "running"
	if *pause {
		state = "paused"
	}
	fmt.Fprintf(stdout, "schedule: %s every %s (%s), first run looks back %s, records' status every %d runs\n", workflows.ReconcileScheduleID, *every, state, *lookback, *statusEvery)
	if *trigger {
		if err := c.ScheduleClient().GetHandle(ctx, workflows.ReconcileScheduleID).Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
			return fmt.Errorf("trigger %s: %w", workflows.ReconcileScheduleID, err)
		}
		fmt.Fprintln(stdout, "triggered one run now")
	}
	return nil
}

// scheduleFeed is `schedule documents|templates`.
func scheduleFeed(ctx context.Context, feed control.Feed, args []string, stdout io.Writer) error {
	var tc settings.Temporal
	var dc settings.Documents
	var tpl settings.Templates
	if err := settings.Load(&tc, &dc, &tpl); err != nil {
		return err
	}
	every, fullEvery, env := dc.Every, dc.FullEvery, "BRIDGE_DOCUMENTS"
	if feed.Name == control.TemplatesFeed.Name {
		every, fullEvery, env = tpl.Every, tpl.FullEvery, "BRIDGE_TEMPLATES"
	}
	fs := newFlags("schedule " + feed.Name)
	everyFlag := fs.Duration("every", every, "how often the feed runs (env "+env+"_EVERY)")
	fullFlag := fs.Int("full-every", fullEvery, "every Nth run is a full sweep; 0 = never (env "+env+"_FULL_EVERY)")
	pause := fs.Bool("pause", false, "create or leave the schedule paused")
	trigger := fs.Bool("trigger", false, "also run it once now")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *fullFlag < 0 {
		return usageFor(fs, "schedule "+feed.Name+" takes only flags; --full-every must be 0 or more")
	}
	c, err := dialQuiet(tc)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := control.EnsureFeedSchedule(ctx, c, feed, *everyFlag, *fullFlag, *pause); err != nil {
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
