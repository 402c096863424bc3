package templates

import (
	"net/http"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest/publishing"
	"github.com/xecm-bridge/xecm-bridge/activities/documentpages"
	"github.com/xecm-bridge/xecm-bridge/activities/documentsources"
)

// world is the publishing world (both simulators and the publish
// activities) with what these tests add to it.
type world struct{ *publishing.World }

func newWorld(t *testing.T, rulesYAML string) *world {
	t.Helper()
	return &world{publishing.New(t, rulesYAML)}
}

// docWorld is a world with the repository's mapping (documents: section)
// and the document activities of both queues.
func docWorld(t *testing.T) (*world, *documentsources.DocumentSourceActivities, *documentpages.DocumentPageActivities) {
	t.Helper()
	w := newWorld(t, activitytest.RepoMapping(t))
	return w, &documentsources.DocumentSourceActivities{OTCS: w.OTCS, Rules: w.Rules}, &documentpages.DocumentPageActivities{Confluence: w.Conf, OTCS: w.OTCS, Rules: w.Rules}
}

// crashingPages are the page activities of a worker that dies at match.
func (w *world) crashingPages(t *testing.T, pages *documentpages.DocumentPageActivities, match func(*http.Request) bool) *documentpages.DocumentPageActivities {
	t.Helper()
	conf := w.ConfluenceVia(t, activitytest.KillOn{Match: match, Next: http.DefaultTransport})
	return &documentpages.DocumentPageActivities{Confluence: conf, OTCS: pages.OTCS, Rules: pages.Rules}
}
