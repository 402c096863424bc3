package records

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/internal/simtest"
)

// publishSteps runs ReadPage, StoreRecord and WriteBack for a fresh
// approved page, as one PublishPage run does.
func publishSteps(t *testing.T, w *world, conf *pages.ConfluenceActivities, ot *OpenTextActivities, title string) {
	t.Helper()
	ctx := context.Background()
	id := w.ConfSim.CreatePage("POL", title, "<p>Body.</p>", "557058:bench", "approved", "dept-bench").ID
	page, err := conf.ReadPage(ctx, activities.ReadPageInput{PageID: id, Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	st, err := ot.StoreRecord(ctx, activities.StoreInput{Page: *page})
	if err != nil {
		t.Fatal(err)
	}
	link := activities.RecordLink{NodeID: st.Upload.NodeID, Version: st.Upload.Version, PageVersion: page.Version, URL: st.Upload.URL, SHA256: st.Upload.SHA256}
	if _, err := conf.WriteBack(ctx, activities.WriteBackInput{PageID: page.PageID, Label: page.PublishedLabel, Record: link, Property: page.RecordProperty}); err != nil {
		t.Fatal(err)
	}
}

// A warm worker's publishes reuse its keep-alive connections to both
// backends: it opens none, with the clients' default transport and with
// the one the workers build from settings (an http.Client with only a
// timeout).
func TestWarmPublishOpensNoNewConnection(t *testing.T) {
	const parallel = 8
	for name, hc := range map[string]func() *http.Client{"default": func() *http.Client { return nil }, "settings": func() *http.Client { return &http.Client{} }} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, activitytest.RepoMapping(t))
			c, err := confluence.New(confluence.Config{BaseURL: w.ConfURL, Email: simtest.ConfluenceEmail, APIToken: simtest.ConfluenceToken, HTTPClient: hc()})
			if err != nil {
				t.Fatal(err)
			}
			o, err := opentext.New(opentext.Config{BaseURL: w.OTURL, Username: simtest.OTCSUser, Password: simtest.OTCSPassword, HTTPClient: hc()})
			if err != nil {
				t.Fatal(err)
			}
			conf := &pages.ConfluenceActivities{Confluence: c, Rules: w.Rules}
			ot := &OpenTextActivities{OTCS: o, Confluence: c, Rules: w.Rules}
			// A worker runs many activities at once: the connections of
			// one concurrent round are kept for the next.
			round := func(name string) {
				var wg sync.WaitGroup
				for i := range parallel {
					wg.Add(1)
					go func() {
						defer wg.Done()
						publishSteps(t, w, conf, ot, fmt.Sprintf("%s page %d", name, i))
					}()
				}
				wg.Wait()
			}
			round("Warm-up")
			c0, o0 := w.Connections()
			// Then one publish after another: each needs no more
			// connections at once than the concurrent round kept, so
			// any new one is a connection not reused. (A second
			// concurrent round could peak higher than the first on a
			// loaded machine and open one honestly.)
			for i := range parallel {
				publishSteps(t, w, conf, ot, fmt.Sprintf("Warm page %d", i))
			}
			c1, o1 := w.Connections()
			if c1 != c0 || o1 != o0 {
				t.Errorf("%d warm publishes at once opened %d Confluence and %d OTCS connections; want none (keep-alive)", parallel, c1-c0, o1-o0)
			}
		})
	}
}

// countingRT counts the requests it sends.
type countingRT struct {
	mu   sync.Mutex
	n    int
	seen []string
	next http.RoundTripper
}

func (c *countingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n++
	c.seen = append(c.seen, r.Method+" "+r.URL.Path)
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

func (c *countingRT) take() (int, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, seen := c.n, c.seen
	c.n, c.seen = 0, nil
	return n, seen
}

// The first publish of a page, by a warm worker, with the repository's
// mapping (category and RM classification): what each step costs in
// requests. The bound is issue 21's; the counts are today's.
func TestFirstPublishRequestCount(t *testing.T) {
	w := newWorld(t, activitytest.RepoMapping(t))
	crt, ort := &countingRT{next: http.DefaultTransport}, &countingRT{next: http.DefaultTransport}
	c := w.ConfluenceVia(t, crt)
	conf := &pages.ConfluenceActivities{Confluence: c, Rules: w.Rules}
	ot := &OpenTextActivities{OTCS: w.OTCSVia(t, ort), Confluence: c, Rules: w.Rules}
	publishSteps(t, w, conf, ot, "Warm-up page")
	crt.take()
	ort.take()
	publishSteps(t, w, conf, ot, "Counted page")
	cn, cs := crt.take()
	on, os := ort.take()
	t.Logf("Confluence %d: %v", cn, cs)
	t.Logf("OTCS %d: %v", on, os)
	// OTCS: create (with the category), nickname, read back, category
	// values with the checksum, RM apply.
	if on > 5 {
		t.Errorf("a first publish made %d OTCS requests, want at most 5: %v", on, os)
	}
	if cn+on > 11 {
		t.Errorf("a first publish made %d requests in all, want at most 11", cn+on)
	}
}

// waitFor holds the requests match accepts until seen is closed (or a
// few seconds pass: then the request fails, so a sequential caller shows).
type waitFor struct {
	match func(*http.Request) bool
	seen  chan struct{}
}

func (w waitFor) RoundTrip(r *http.Request) (*http.Response, error) {
	if w.match(r) {
		select {
		case <-w.seen:
		case <-time.After(5 * time.Second):
			return nil, fmt.Errorf("%s %s was sent alone: the other read never came", r.Method, r.URL.Path)
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// signal closes seen when a request match accepts is sent.
type signal struct {
	match func(*http.Request) bool
	seen  chan struct{}
	once  *sync.Once
}

func (s signal) RoundTrip(r *http.Request) (*http.Response, error) {
	if s.match(r) {
		s.once.Do(func() { close(s.seen) })
	}
	return http.DefaultTransport.RoundTrip(r)
}

// A later version's StoreRecord looks the record up by its nickname
// (OTCS) while it reads the page body (Confluence): the body read is held
// until the lookup is under way, which a sequential upload never reaches.
func TestStoreRecordLooksTheRecordUpWhileReadingThePage(t *testing.T) {
	w := newWorld(t, activitytest.RepoMapping(t))
	ctx := context.Background()
	publishSteps(t, w, w.conf, w.ot, "Twice published")
	var id string
	for _, p := range w.ConfSim.Pages() {
		if p.Title == "Twice published" {
			id = p.ID
		}
	}
	if _, err := w.ConfSim.UpdatePage(id, "Twice published", "<p>Second.</p>", "557058:bench"); err != nil {
		t.Fatal(err)
	}
	snap := w.readAs(t, id, 2, activities.PurposePublish)
	seen := make(chan struct{})
	conf := w.ConfluenceVia(t, waitFor{seen: seen, match: func(r *http.Request) bool { return r.URL.Query().Get("body-format") == "export_view" }})
	ot := w.OTCSVia(t, signal{seen: seen, once: &sync.Once{}, match: func(r *http.Request) bool { return strings.Contains(r.URL.Path, "/nicknames/") }})
	res, err := (&OpenTextActivities{OTCS: ot, Confluence: conf, Rules: w.Rules}).StoreRecord(ctx, activities.StoreInput{Page: snap})
	if err != nil {
		t.Fatal(err)
	}
	if res.Upload.Created || res.Upload.Version != 2 {
		t.Fatalf("want version 2 of the existing record: %+v", res.Upload)
	}
}
