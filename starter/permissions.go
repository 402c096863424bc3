package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/internal/temporalclient"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// schedulePermissions is `schedule permissions [--every D] [--pause] [--trigger]`.
func schedulePermissions(ctx context.Context, args []string, stdout io.Writer) error {
	var tc settings.Temporal
	var pc settings.Permissions
	if err := settings.Load(&tc, &pc); err != nil {
		return err
	}
	fs := newFlags("schedule permissions")
	every := fs.Duration("every", pc.Every, "how often the permission sweep runs (env BRIDGE_PERMISSIONS_EVERY)")
	pause := fs.Bool("pause", false, "create or leave the schedule paused")
	trigger := fs.Bool("trigger", false, "also run it once now")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageFor(fs, "schedule permissions takes only flags")
	}
	c, err := dialQuiet(tc)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := control.EnsurePermissionsSchedule(ctx, c, *every, *pause); err != nil {
		return fmt.Errorf("schedule %s: %w", workflows.SyncPermissionsScheduleID, err)
	}
	state := "running"
	if *pause {
		state = "paused"
	}
	fmt.Fprintf(stdout, "schedule: %s every %s (%s)\n", workflows.SyncPermissionsScheduleID, every.String(), state)
	if *trigger {
		if err := c.ScheduleClient().GetHandle(ctx, workflows.SyncPermissionsScheduleID).Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
			return fmt.Errorf("trigger %s: %w", workflows.SyncPermissionsScheduleID, err)
		}
		fmt.Fprintln(stdout, "triggered one run now")
	}
	return nil
}

// syncPermissions is `sync permissions [--now] [--json]`: without --now it
// triggers the Schedule's next run; with --now it runs the sweep at once
// and waits for it.
func syncPermissions(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("sync permissions")
	now := fs.Bool("now", false, "run the permission sweep now and wait for it (default: trigger the Schedule's next run)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageFor(fs, "sync permissions takes only flags")
	}
	p, tc, closeTemporal, err := newControl()
	if err != nil {
		return err
	}
	defer closeTemporal()
	if !*now {
		if err := p.Temporal.ScheduleClient().GetHandle(ctx, workflows.SyncPermissionsScheduleID).Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
			return fmt.Errorf("trigger %s: %w (create it with `starter schedule permissions`, or use --now)", workflows.SyncPermissionsScheduleID, err)
		}
		fmt.Fprintf(stdout, "triggered one run of schedule %s\n", workflows.SyncPermissionsScheduleID)
		return nil
	}
	st, err := p.SyncPermissionsNow(ctx, requester())
	if err != nil {
		return err
	}
	var res workflows.PermissionTotals
	werr := st.Run.Get(ctx, &res)
	url := temporalclient.WorkflowURL(tc, st.WorkflowID)
	err = printRun(stdout, st, url, *asJSON, werr, res, func() {
		fmt.Fprintf(stdout, "document pages checked: %d, restricted: %d, restrictions rewritten: %d\nOTCS requests: %d, Confluence requests: %d\n",
			res.Pages, res.Restricted, res.Changed, res.OTCSRequests, res.ConfRequests)
		if len(res.Refused) > 0 {
			fmt.Fprintf(stdout, "refused (readers the bridge cannot map; pages kept to the bridge and the kept groups):\n  %s\n", strings.Join(res.Refused, "\n  "))
		}
	})
	if err != nil {
		return err
	}
	if werr != nil {
		return failedError{"permission sweep failed: " + workflows.DescribeFailure(werr)}
	}
	return nil
}
