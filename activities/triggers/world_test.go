package triggers

import (
	"testing"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest/publishing"
)

// world is the publishing world (both simulators and the publish
// activities) with what these tests add to it.
type world struct{ *publishing.World }

func newWorld(t *testing.T, rulesYAML string) *world {
	t.Helper()
	return &world{publishing.New(t, rulesYAML)}
}

// read is the current version of a page as the publish flow reads it.
func (w *world) read(t *testing.T, pageID string) *activities.PageSnapshot {
	t.Helper()
	snap := w.ReadAs(t, pageID, 0, "")
	return &snap
}
