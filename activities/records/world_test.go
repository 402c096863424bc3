package records

import (
	"context"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
)

// world is both simulators and the activity structs these tests call,
// wired to them without Temporal: the tests call activities directly, as
// a retry would.
type world struct {
	*activitytest.World
	conf *pages.ConfluenceActivities
	ot   *OpenTextActivities
}

func newWorld(t *testing.T, rulesYAML string) *world {
	t.Helper()
	w := &world{World: activitytest.New(t, rulesYAML)}
	w.conf = &pages.ConfluenceActivities{Confluence: w.Conf, Rules: w.Rules}
	w.ot = &OpenTextActivities{OTCS: w.OTCS, Confluence: w.Conf, Rules: w.Rules}
	return w
}

// accessWorld is a world with the repository's mapping (its access:
// section maps legal to Legal and keeps RM Administrators).
func accessWorld(t *testing.T) *world {
	t.Helper()
	return newWorld(t, activitytest.RepoMapping(t))
}

// read is the current version of a page as the publish flow reads it.
func (w *world) read(t *testing.T, pageID string) *activities.PageSnapshot {
	t.Helper()
	snap := w.readAs(t, pageID, 0, "")
	return &snap
}

// readAs is a version of a page (0: the current one) read for purpose.
func (w *world) readAs(t *testing.T, pageID string, version int, purpose activities.Purpose) activities.PageSnapshot {
	t.Helper()
	snap, err := w.conf.ReadPage(context.Background(), activities.ReadPageInput{PageID: pageID, Version: version, Purpose: purpose})
	if err != nil {
		t.Fatal(err)
	}
	return *snap
}
