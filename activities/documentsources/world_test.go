package documentsources

import (
	"net/http"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
	"github.com/xecm-bridge/xecm-bridge/activities/documentpages"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
	"github.com/xecm-bridge/xecm-bridge/activities/records"
)

// world is both simulators and the activity structs these tests call,
// wired to them without Temporal: the tests call activities directly, as
// a retry would.
type world struct {
	*activitytest.World
	conf *pages.ConfluenceActivities
	ot   *records.OpenTextActivities
}

func newWorld(t *testing.T, rulesYAML string) *world {
	t.Helper()
	w := &world{World: activitytest.New(t, rulesYAML)}
	w.conf = &pages.ConfluenceActivities{Confluence: w.Conf, Rules: w.Rules}
	w.ot = &records.OpenTextActivities{OTCS: w.OTCS, Confluence: w.Conf, Rules: w.Rules}
	return w
}

// docWorld is a world with the repository's mapping (documents: section)
// and the document activities of both queues.
func docWorld(t *testing.T) (*world, *DocumentSourceActivities, *documentpages.DocumentPageActivities) {
	t.Helper()
	w := newWorld(t, activitytest.RepoMapping(t))
	return w, &DocumentSourceActivities{OTCS: w.OTCS, Rules: w.Rules}, &documentpages.DocumentPageActivities{Confluence: w.Conf, OTCS: w.OTCS, Rules: w.Rules}
}

// crashingPages are the page activities of a worker that dies at match.
func (w *world) crashingPages(t *testing.T, pages *documentpages.DocumentPageActivities, match func(*http.Request) bool) *documentpages.DocumentPageActivities {
	t.Helper()
	conf := w.ConfluenceVia(t, activitytest.KillOn{Match: match, Next: http.DefaultTransport})
	return &documentpages.DocumentPageActivities{Confluence: conf, OTCS: pages.OTCS, Rules: pages.Rules}
}
