package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"go.temporal.io/sdk/temporal"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
	"github.com/xecm-bridge/xecm-bridge/activities/records"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// dryRunFlow prints the writes a publish or filing would make, using the
// activities' own lookups with reads only, and never touches Temporal.
func dryRunFlow(ctx context.Context, kind workflows.PageFlow, pageID string, version int, stdout io.Writer) error {
	b, err := loadBackends()
	if err != nil {
		return err
	}
	rules, err := mapping.LoadFile(b.mappingFile)
	if err != nil {
		return err
	}
	conf, otcs := b.conf, b.otcs
	purpose := activities.PurposePublish
	if kind.Name == workflows.FileFlow.Name {
		purpose = activities.PurposeRecord
	}
	ca := &pages.ConfluenceActivities{Confluence: conf, Rules: rules}
	oa := &records.OpenTextActivities{OTCS: otcs, Confluence: conf, Rules: rules}
	page, err := ca.ReadPage(ctx, activities.ReadPageInput{PageID: pageID, Version: version, Purpose: purpose})
	if err == nil {
		var plan *activities.Plan
		if plan, err = records.PlanWrites(ctx, oa, page); err == nil {
			fmt.Fprintf(stdout, "dry run: %s page %s v%d %q (space %s, rule %s); nothing was written\n", kind.Name, page.PageID, page.Version, page.Title, page.SpaceKey, page.Rule)
			for i, w := range plan.Writes {
				fmt.Fprintf(stdout, "%2d. %s\n", i+1, w)
			}
			return nil
		}
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.NonRetryable() {
		return failedError{fmt.Sprintf("dry run: the %s would fail: %s", kind.Name, workflows.DescribeFailure(err))}
	}
	return err
}
