package webhook

import (
	"errors"
	"testing"
)

// FuzzParse checks that no body makes the parser panic, and that what it
// accepts is usable: a page event always has a page id, and any page id is
// a Confluence content id (digits only, so it is safe in a workflow id).
// Seeds live in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte(labelEvent), "")
	f.Add([]byte(`{"page":{"idAsString":"1","id":1,"spaceKey":"POL"}}`), "page_updated")
	f.Add([]byte(`{"event":"page_updated","timestamp":"1768246501113","page":{"id":"1:route/../2"}}`), "")
	f.Add([]byte(`{"event":"page_updated","timestamp":-1,"page":{"id":-1}}`), "")
	f.Add([]byte(`{"event":"label_added","labelled":{"id":"99999999999999999999"}}`), "")
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
		if ev.PageID != "" && !ValidPageID(ev.PageID) {
			t.Fatalf("accepted page id %q", ev.PageID)
		}
		for _, c := range ev.PageID {
			if c < '0' || c > '9' {
				t.Fatalf("page id %q has a non-digit", ev.PageID)
			}
		}
		if ev.Timestamp < 0 {
			t.Fatalf("accepted timestamp %d", ev.Timestamp)
		}
	})
}
