package pages

import (
	"context"
	"sync"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
)

// A worker that starts with many publishes in flight reads the space's
// viewers and its own account once between them, not once per publish:
// twenty concurrent reads of a page's readers cost one cold read and
// nineteen warm ones.
func TestConcurrentReadersShareTheColdReads(t *testing.T) {
	w := accessWorld(t)
	ctx := context.Background()
	id := w.ApprovedPage(t, "Readers policy", "<p>x</p>")
	page, err := w.Conf.GetPage(ctx, id, confluence.GetPageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sp, err := w.Conf.GetSpace(ctx, page.SpaceID)
	if err != nil {
		t.Fatal(err)
	}
	read := func(a *ConfluenceActivities, callers int) int {
		before := w.ConfSim.Requests()
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				if _, err := a.readersOf(ctx, id, sp.ID, sp.Key); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		return w.ConfSim.Requests() - before
	}
	first := &ConfluenceActivities{Confluence: w.Conf, Rules: w.Rules}
	cold, warm := read(first, 1), read(first, 1)
	if cold <= warm {
		t.Fatalf("a cold read costs %d requests, a warm one %d: nothing is cached to share", cold, warm)
	}
	fresh := &ConfluenceActivities{Confluence: w.Conf, Rules: w.Rules}
	if got, want := read(fresh, 20), cold+19*warm; got != want {
		t.Errorf("20 concurrent reads on a fresh worker sent %d requests, want %d (one cold, 19 warm)", got, want)
	}
}
