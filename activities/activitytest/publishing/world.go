// Package publishing is the activity tests' world with the publish
// activities of both queues, pages.ConfluenceActivities and
// records.OpenTextActivities, wired to the simulators. The tests of the
// other activity packages use it; those of pages and records cannot (it
// imports them) and wire their own.
package publishing

import (
	"context"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
	"github.com/xecm-bridge/xecm-bridge/activities/records"
)

// World is both simulators, the bridge's clients of them, the rules and
// the publish activities, called directly (as a retry would) without
// Temporal.
type World struct {
	*activitytest.World
	Pages   *pages.ConfluenceActivities
	Records *records.OpenTextActivities
}

// New starts the world with rulesYAML as the mapping.
func New(t testing.TB, rulesYAML string) *World {
	t.Helper()
	w := &World{World: activitytest.New(t, rulesYAML)}
	w.Pages = &pages.ConfluenceActivities{Confluence: w.Conf, Rules: w.Rules}
	w.Records = &records.OpenTextActivities{OTCS: w.OTCS, Confluence: w.Conf, Rules: w.Rules}
	return w
}

// ReadAs is a version of a page (0: the current one) read for purpose, as
// the publish flow reads it.
func (w *World) ReadAs(t testing.TB, pageID string, version int, purpose activities.Purpose) activities.PageSnapshot {
	t.Helper()
	snap, err := w.Pages.ReadPage(context.Background(), activities.ReadPageInput{PageID: pageID, Version: version, Purpose: purpose})
	if err != nil {
		t.Fatal(err)
	}
	return *snap
}
