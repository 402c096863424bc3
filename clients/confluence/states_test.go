package confluence_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/simulators/faults"
)

// xsrfHeaderLog records the X-Atlassian-Token header of every request,
// by method and path.
type xsrfHeaderLog struct {
	mu  sync.Mutex
	got map[string]string
}

func (l *xsrfHeaderLog) RoundTrip(r *http.Request) (*http.Response, error) {
	l.mu.Lock()
	l.got[r.Method+" "+r.URL.Path] = r.Header.Get("X-Atlassian-Token")
	l.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (l *xsrfHeaderLog) token(key string) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, ok := l.got[key]
	return v, ok
}

func TestContentStates(t *testing.T) {
	log := &xsrfHeaderLog{got: map[string]string{}}
	e := newEnv(t, confluence.Cloud, log)
	ctx := context.Background()
	seed, err := e.c.GetPage(ctx, "100001", confluence.GetPageOptions{BodyFormat: "storage"})
	if err != nil {
		t.Fatal(err)
	}

	st, err := e.c.ContentState(ctx, "100001")
	if err != nil || st != nil {
		t.Fatalf("no state yet: %+v, %v", st, err)
	}

	// A custom state: Confluence publishes a new version by the caller with
	// the body unchanged. A 503 on the way is retried.
	e.sim.Faults().Set(faults.Config{ServerErrorBurst: 1})
	set, err := e.c.SetContentState(ctx, "100001", "Approved", "#57d9a3")
	e.sim.Faults().Set(faults.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if set.Name != "Approved" || set.Color != "#57d9a3" || set.ID < 10 || set.UpdatedAt.IsZero() {
		t.Errorf("set = %+v", set)
	}
	page, err := e.c.GetPage(ctx, "100001", confluence.GetPageOptions{BodyFormat: "storage"})
	if err != nil {
		t.Fatal(err)
	}
	if page.Version.Number != 2 || page.Version.AuthorID != "557058:bridge" || page.Body != seed.Body || page.Title != seed.Title {
		t.Errorf("page after the state change: v%d by %s, body changed %v", page.Version.Number, page.Version.AuthorID, page.Body != seed.Body)
	}
	got, err := e.c.ContentState(ctx, "100001")
	if err != nil || got == nil || *got != *set {
		t.Errorf("read back %+v, %v; set %+v", got, err, set)
	}

	// A default space state by id.
	rfr, err := e.c.SetSpaceContentState(ctx, "100001", 2)
	if err != nil || rfr.ID != 2 || rfr.Name != "Ready for review" {
		t.Errorf("space state = %+v, %v", rfr, err)
	}

	// A named user sets a state in the simulator; the client reads it.
	v, err := e.sim.SetContentState("100001", "Verified", "#57d9a3", "557058:carol")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := e.c.ContentState(ctx, "100001"); got == nil || got.Name != "Verified" {
		t.Errorf("state set by carol = %+v", got)
	}
	if p, _ := e.c.GetPage(ctx, "100001", confluence.GetPageOptions{}); p.Version.Number != v || p.Version.AuthorID != "557058:carol" {
		t.Errorf("carol's version = %+v", p.Version)
	}

	if err := e.c.RemoveContentState(ctx, "100001"); err != nil {
		t.Fatal(err)
	}
	if got, err := e.c.ContentState(ctx, "100001"); err != nil || got != nil {
		t.Errorf("after remove: %+v, %v", got, err)
	}
	if p, _ := e.sim.Page("100001"); p.Version != v+1 || p.ContentState != nil {
		t.Errorf("after remove: v%d %+v", p.Version, p.ContentState)
	}

	// The XSRF header goes with both writes, as Atlassian's clients send it.
	for _, k := range []string{"PUT /wiki/rest/api/content/100001/state", "DELETE /wiki/rest/api/content/100001/state"} {
		if tok, ok := log.token(k); !ok || tok != "no-check" {
			t.Errorf("%s: X-Atlassian-Token %q (sent: %v)", k, tok, ok)
		}
	}

	// Bad input never reaches the server; the server's refusals keep their kind.
	before := e.sim.Requests()
	for _, tc := range [][2]string{{strings.Repeat("x", 21), "#57d9a3"}, {"Approved", "green"}, {"", "#57d9a3"}} {
		if _, err := e.c.SetContentState(ctx, "100001", tc[0], tc[1]); !rest.IsKind(err, rest.KindBadRequest) {
			t.Errorf("SetContentState(%q, %q): %v", tc[0], tc[1], err)
		}
	}
	if e.sim.Requests() != before {
		t.Error("invalid states were sent")
	}
	if _, err := e.c.SetContentState(ctx, "100001", strings.Repeat("é", 20), "#57D9A3"); err != nil {
		t.Errorf("20-character name: %v", err)
	}
	if _, err := e.c.SetSpaceContentState(ctx, "100001", 99); !rest.IsKind(err, rest.KindBadRequest) || restErr(t, err).StatusCode != 400 {
		t.Errorf("unknown state id: %v", err)
	}
	if _, err := e.c.ContentState(ctx, "999999"); !rest.IsKind(err, rest.KindNotFound) {
		t.Errorf("unknown page: %v", err)
	}
	if err := e.sim.SetRestriction("100002", "update", []string{"557058:editor"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.SetSpaceContentState(ctx, "100002", 1); !rest.IsKind(err, rest.KindForbidden) {
		t.Errorf("restricted page: %v", err)
	}
	if err := e.c.RemoveContentState(ctx, ""); !rest.IsKind(err, rest.KindBadRequest) {
		t.Errorf("empty page id: %v", err)
	}
}

func TestContentStatesDataCenter(t *testing.T) {
	e := newEnv(t, confluence.DataCenter, nil)
	ctx := context.Background()
	before := e.sim.Requests()
	st, err := e.c.ContentState(ctx, "100001")
	if err != nil || st != nil {
		t.Errorf("DC ContentState = %+v, %v", st, err)
	}
	if e.sim.Requests() != before {
		t.Error("DC ContentState called the server")
	}
	if _, err := e.c.SetContentState(ctx, "100001", "Approved", "#57d9a3"); !rest.IsKind(err, rest.KindBadRequest) ||
		!strings.Contains(err.Error(), "Data Center") {
		t.Errorf("DC SetContentState: %v", err)
	}
	if _, err := e.c.SetSpaceContentState(ctx, "100001", 1); !rest.IsKind(err, rest.KindBadRequest) {
		t.Errorf("DC SetSpaceContentState: %v", err)
	}
	if err := e.c.RemoveContentState(ctx, "100001"); !rest.IsKind(err, rest.KindBadRequest) {
		t.Errorf("DC RemoveContentState: %v", err)
	}
}
