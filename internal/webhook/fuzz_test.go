package webhook

import (
	"errors"
	"testing"
)

// FuzzParse checks that no body makes the parser panic, and that what it
// accepts is usable: a page event always has a page id. Seeds live in
// testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte(labelEvent), "")
	f.Add([]byte(`{"page":{"idAsString":"1","id":1,"spaceKey":"POL"}}`), "page_updated")
	f.Fuzz(func(t *testing.T, body []byte, hint string) {
		ev, err := Parse(body, hint)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if ev.Type == "" {
			t.Fatal("accepted an event without a type")
		}
		if pageEvents[ev.Type] && ev.PageID == "" {
			t.Fatalf("accepted %s without a page id", ev.Type)
		}
	})
}
