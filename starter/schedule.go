package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/internal/launch"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// schedule manages the reconciliation Schedule.
func schedule(ctx context.Context, args []string, stdout io.Writer) error {
	if feed, err := feedByName("schedule", args); err == nil {
		return scheduleFeed(ctx, feed, args[1:], stdout)
	}
	if len(args) == 0 || args[0] != "reconcile" {
		return usageError{"schedule needs a schedule name: reconcile, documents or templates"}
	}
	var tc settings.Temporal
	var rc settings.Reconcile
	if err := settings.Load(&tc, &rc); err != nil {
		return err
	}
	fs := flag.NewFlagSet("schedule reconcile", flag.ContinueOnError)
	every := fs.Duration("every", rc.Every, "how often reconciliation runs (env BRIDGE_RECONCILE_EVERY)")
	lookback := fs.Duration("lookback", rc.Lookback, "how far back the first run looks (env BRIDGE_RECONCILE_LOOKBACK)")
	pause := fs.Bool("pause", false, "create or leave the schedule paused")
	trigger := fs.Bool("trigger", false, "also run it once now")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{"schedule reconcile takes only flags"}
	}
	c, err := dialQuiet(tc)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := launch.EnsureReconcileSchedule(ctx, c, *every, *lookback, *pause); err != nil {
		return fmt.Errorf("schedule %s: %w", workflows.ReconcileScheduleID, err)
	}
	state := "running"
	if *pause {
		state = "paused"
	}
	fmt.Fprintf(stdout, "schedule: %s every %s (%s), first run looks back %s\n", workflows.ReconcileScheduleID, *every, state, *lookback)
	if *trigger {
		if err := c.ScheduleClient().GetHandle(ctx, workflows.ReconcileScheduleID).Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
			return fmt.Errorf("trigger %s: %w", workflows.ReconcileScheduleID, err)
		}
		fmt.Fprintln(stdout, "triggered one run now")
	}
	return nil
}
