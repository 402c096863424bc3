package triggers

import (
	"context"
	"strings"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
	confluencesim "github.com/xecm-bridge/xecm-bridge/simulators/confluence"
)

// pageTree makes an approved POL page with a child and a grandchild, and
// an approved page beside them.
func pageTree(t *testing.T, w *world) (root, child, grandchild, outside confluencesim.Page) {
	t.Helper()
	root = w.ConfSim.CreatePage("POL", "Tree root", "<p>r</p>", "557058:editor", "approved", "dept-legal")
	var err error
	if child, err = w.ConfSim.CreateChildPage(root.ID, "Tree child", "<p>c</p>", "557058:editor"); err != nil {
		t.Fatal(err)
	}
	if grandchild, err = w.ConfSim.CreateChildPage(child.ID, "Tree grandchild", "<p>g</p>", "557058:editor"); err != nil {
		t.Fatal(err)
	}
	outside = w.ConfSim.CreatePage("POL", "Outside the tree", "<p>o</p>", "557058:editor", "approved", "dept-legal")
	return root, child, grandchild, outside
}

func TestBackfillOfAPageTreeDecidesTheRootAndItsDescendantsOnly(t *testing.T) {
	w := newWorld(t, activitytest.RepoMapping(t))
	b, _ := w.backfill()
	root, child, grandchild, outside := pageTree(t, w)
	in := activities.BackfillBatchInput{SpaceKey: "POL", RootPageID: root.ID, Limit: 1}
	var got []string
	for i := 0; ; i++ {
		batch, err := b.BackfillBatch(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range batch.Pages {
			got = append(got, p.PageID)
		}
		if !batch.More {
			break
		}
		if i > 10 {
			t.Fatal("the cursor does not advance")
		}
		in.After = batch.Next
	}
	want := []string{root.ID, child.ID, grandchild.ID}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("decided %v, want %v (not %s)", got, want, outside.ID)
	}
}
