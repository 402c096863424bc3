package pages

import (
	"testing"

	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
	"github.com/xecm-bridge/xecm-bridge/activities/records"
)

// world is both simulators and the activity structs these tests call,
// wired to them without Temporal: the tests call activities directly, as
// a retry would.
type world struct {
	*activitytest.World
	conf *ConfluenceActivities
	ot   *records.OpenTextActivities
}

func newWorld(t *testing.T, rulesYAML string) *world {
	t.Helper()
	w := &world{World: activitytest.New(t, rulesYAML)}
	w.conf = &ConfluenceActivities{Confluence: w.Conf, Rules: w.Rules}
	w.ot = &records.OpenTextActivities{OTCS: w.OTCS, Confluence: w.Conf, Rules: w.Rules}
	return w
}

// accessWorld is a world with the repository's mapping (its access:
// section maps legal to Legal and keeps RM Administrators).
func accessWorld(t *testing.T) *world {
	t.Helper()
	return newWorld(t, activitytest.RepoMapping(t))
}
