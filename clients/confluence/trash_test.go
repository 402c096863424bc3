package confluence_test

import (
	"context"
	"testing"
)

func TestTrashPageMovesItToTheTrashOnce(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		p := e.sim.CreatePage("POL", "Disposable", "<p>x</p>", "557058:editor")
		for range 2 { // a retry after the first call landed is no error
			if err := e.c.TrashPage(context.Background(), p.ID); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := e.sim.Page(p.ID); got.Status != "trashed" {
			t.Errorf("status %q, want trashed", got.Status)
		}
	})
}
