package confluence_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	sim "github.com/xecm-bridge/xecm-bridge/simulators/confluence"
)

func TestTemplatesRoundTrip(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		req := confluence.TemplateRequest{Name: "Controlled document", Description: "Made by the bridge",
			SpaceKey: "DOCS", Labels: []string{"doc-page", "bridge"}, StorageBody: "<p>{{title}}</p>"}
		created, err := e.c.CreateTemplate(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		want := confluence.Template{ID: created.ID, Name: req.Name, Description: req.Description, SpaceKey: "DOCS",
			Labels: []string{"doc-page", "bridge"}, Body: req.StorageBody}
		if created.ID == "" || !sameTemplate(*created, want) {
			t.Errorf("created = %+v", created)
		}
		got, err := e.c.GetTemplate(ctx, created.ID)
		if err != nil || !sameTemplate(*got, want) {
			t.Errorf("GetTemplate = %+v, %v", got, err)
		}
		if st, ok := e.sim.TemplateByName("DOCS", req.Name); !ok || st.Body != req.StorageBody {
			t.Errorf("simulator has %+v, %v", st, ok)
		}

		// Labels nil keeps them; the description may be cleared.
		up, err := e.c.UpdateTemplate(ctx, created.ID, confluence.TemplateRequest{Name: "Controlled document",
			SpaceKey: "DOCS", StorageBody: "<p>v2</p>"})
		if err != nil || up.Body != "<p>v2</p>" || up.Description != "" || len(up.Labels) != 2 {
			t.Errorf("update = %+v, %v", up, err)
		}
		up, err = e.c.UpdateTemplate(ctx, created.ID, confluence.TemplateRequest{Name: "Controlled document",
			SpaceKey: "DOCS", StorageBody: "<p>v3</p>", Labels: []string{}})
		if err != nil || len(up.Labels) != 0 {
			t.Errorf("update clearing labels = %+v, %v", up, err)
		}
		if st, _ := e.sim.TemplateByName("DOCS", req.Name); st.Updates != 2 || st.Body != "<p>v3</p>" {
			t.Errorf("simulator after updates: %+v", st)
		}
		// A space template cannot move: Confluence's 400 comes through.
		if _, err := e.c.UpdateTemplate(ctx, created.ID, confluence.TemplateRequest{Name: "x", StorageBody: "x"}); !rest.IsKind(err, rest.KindBadRequest) {
			t.Errorf("update without the space: %v", err)
		}

		if err := e.c.DeleteTemplate(ctx, created.ID); err != nil {
			t.Fatal(err)
		}
		_, getErr := e.c.GetTemplate(ctx, created.ID)
		_, putErr := e.c.UpdateTemplate(ctx, created.ID, req)
		delErr := e.c.DeleteTemplate(ctx, created.ID)
		for name, err := range map[string]error{"get": getErr, "update": putErr, "delete": delErr} {
			if re := restErr(t, err); re.Kind != rest.KindForbidden || re.StatusCode != 403 || !confluence.IsUnknownTemplate(err) {
				t.Errorf("%s of a deleted template: %+v", name, re)
			}
		}
	})
}

func sameTemplate(a, b confluence.Template) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Description == b.Description && a.SpaceKey == b.SpaceKey &&
		a.Body == b.Body && strings.Join(a.Labels, ",") == strings.Join(b.Labels, ",")
}

func TestTemplatesInSpacePagesAndGlobal(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const n = 57 // more than one list page
		for i := range n {
			if _, err := e.c.CreateTemplate(ctx, confluence.TemplateRequest{Name: "T" + strconv.Itoa(i), SpaceKey: "DOCS",
				StorageBody: "<p>" + strconv.Itoa(i) + "</p>"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.c.CreateTemplate(ctx, confluence.TemplateRequest{Name: "Global", StorageBody: "<p>g</p>"}); err != nil {
			t.Fatal(err)
		}
		before := e.sim.Requests()
		list, err := e.c.TemplatesInSpace(ctx, "DOCS")
		if err != nil || len(list) != n {
			t.Fatalf("TemplatesInSpace = %d templates, %v", len(list), err)
		}
		if reqs := e.sim.Requests() - before; reqs != 2 {
			t.Errorf("listing %d templates took %d requests, want 2", n, reqs)
		}
		for i, tp := range list {
			if tp.Name != "T"+strconv.Itoa(i) || tp.Body != "<p>"+strconv.Itoa(i)+"</p>" || tp.SpaceKey != "DOCS" {
				t.Fatalf("list[%d] = %+v", i, tp)
			}
		}
		global, err := e.c.TemplatesInSpace(ctx, "")
		if err != nil || len(global) != 1 || global[0].Name != "Global" || global[0].SpaceKey != "" || global[0].Body != "<p>g</p>" {
			t.Errorf("global = %+v, %v", global, err)
		}
		if empty, err := e.c.TemplatesInSpace(ctx, "POL"); err != nil || len(empty) != 0 || empty == nil {
			t.Errorf("POL = %#v, %v", empty, err)
		}
		if _, err := e.c.TemplatesInSpace(ctx, "NOPE"); !rest.IsKind(err, rest.KindBadRequest) {
			t.Errorf("unknown space: %v", err)
		}
	})
}

func TestTemplateInputCheckedBeforeSending(t *testing.T) {
	e := newEnv(t, confluence.Cloud, nil)
	ctx := context.Background()
	before := e.sim.Requests()
	tooLong := strings.Repeat("ü", confluence.MaxTemplateDescriptionCreate+1) // characters count, not bytes
	checks := map[string]error{}
	_, checks["create: description"] = e.c.CreateTemplate(ctx, confluence.TemplateRequest{Name: "x", Description: tooLong})
	_, checks["create: name"] = e.c.CreateTemplate(ctx, confluence.TemplateRequest{Name: " "})
	_, checks["update: description"] = e.c.UpdateTemplate(ctx, "600001", confluence.TemplateRequest{Name: "x",
		Description: strings.Repeat("ü", confluence.MaxTemplateDescriptionUpdate+1)})
	_, checks["update: id"] = e.c.UpdateTemplate(ctx, "", confluence.TemplateRequest{Name: "x"})
	_, checks["get: id"] = e.c.GetTemplate(ctx, "")
	checks["delete: id"] = e.c.DeleteTemplate(ctx, "")
	for name, err := range checks {
		if re := restErr(t, err); re.Kind != rest.KindBadRequest || re.StatusCode != 0 {
			t.Errorf("%s: %+v", name, re)
		}
	}
	if n := e.sim.Requests() - before; n != 0 {
		t.Errorf("%d requests sent for bad input", n)
	}
	// The limits themselves are fine: 255 on create, 100 on update.
	c, err := e.c.CreateTemplate(ctx, confluence.TemplateRequest{Name: "x", Description: tooLong[:len(tooLong)-len("ü")]})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.UpdateTemplate(ctx, c.ID, confluence.TemplateRequest{Name: "x",
		Description: strings.Repeat("ü", confluence.MaxTemplateDescriptionUpdate)}); err != nil {
		t.Error(err)
	}
}

func TestTemplateWritesSendNoCheck(t *testing.T) {
	log := &xsrfHeaderLog{got: map[string]string{}}
	e := newEnv(t, confluence.Cloud, log)
	ctx := context.Background()
	c, err := e.c.CreateTemplate(ctx, confluence.TemplateRequest{Name: "x", StorageBody: "<p/>"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.UpdateTemplate(ctx, c.ID, confluence.TemplateRequest{Name: "y", StorageBody: "<p/>"}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"POST /wiki/rest/api/template", "PUT /wiki/rest/api/template"} {
		if tok, ok := log.token(k); tok != "no-check" {
			t.Errorf("%s: X-Atlassian-Token %q (sent: %v)", k, tok, ok)
		}
	}
}

// rootGate answers 404 for every path under one template root, the way a
// Data Center site that does not serve it would, and counts requests by
// root.
type rootGate struct {
	next    http.Handler
	blocked atomic.Value // string: the root answered with 404
	mu      sync.Mutex
	hits    map[string]int
}

func (g *rootGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for _, root := range []string{"/rest/api/template", "/rest/experimental/template", "/wiki/rest/api/template"} {
		if strings.HasPrefix(r.URL.Path, root) {
			g.mu.Lock()
			g.hits[root]++
			g.mu.Unlock()
			if b, _ := g.blocked.Load().(string); b == root || b == "both" {
				http.NotFound(w, r)
				return
			}
		}
	}
	g.next.ServeHTTP(w, r)
}

func (g *rootGate) count(root string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.hits[root]
}

func newGatedEnv(t *testing.T, flavor confluence.Flavor, blocked string) (*confluence.Client, *sim.Server, *rootGate) {
	t.Helper()
	s := sim.New(sim.Options{Seed: true})
	g := &rootGate{next: s.Handler(), hits: map[string]int{}}
	g.blocked.Store(blocked)
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	s.SetBaseURL(srv.URL)
	cfg := confluence.Config{BaseURL: srv.URL, Flavor: flavor, Token: "demo-pat",
		Retry: rest.RetryConfig{Max: 2, WaitMin: time.Millisecond, WaitMax: 10 * time.Millisecond}}
	c, err := confluence.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, s, g
}

func TestTemplatesDCFallsBackToExperimental(t *testing.T) {
	c, s, g := newGatedEnv(t, confluence.DataCenter, "/rest/api/template")
	ctx := context.Background()
	created, err := c.CreateTemplate(ctx, confluence.TemplateRequest{Name: "Doc", SpaceKey: "DOCS", StorageBody: "<p/>"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.TemplateByName("DOCS", "Doc"); !ok || g.count("/rest/api/template") != 1 || g.count("/rest/experimental/template") != 1 {
		t.Fatalf("after create: api %d, experimental %d", g.count("/rest/api/template"), g.count("/rest/experimental/template"))
	}
	// The working root is remembered, also under concurrent use.
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			if _, err := c.GetTemplate(ctx, created.ID); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	list, err := c.TemplatesInSpace(ctx, "DOCS")
	if err != nil || len(list) != 1 {
		t.Errorf("list = %+v, %v", list, err)
	}
	if err := c.DeleteTemplate(ctx, created.ID); err != nil {
		t.Error(err)
	}
	if n := g.count("/rest/api/template"); n != 1 {
		t.Errorf("/rest/api/template was asked %d times, want only the first probe", n)
	}
	// An unknown id on the experimental root is a 403, not a reason to
	// probe again.
	if _, err := c.GetTemplate(ctx, created.ID); !confluence.IsUnknownTemplate(err) || g.count("/rest/api/template") != 1 {
		t.Errorf("deleted: %v (api probes %d)", err, g.count("/rest/api/template"))
	}

	// The site changes its mind (an upgrade): the other root is probed
	// again and then preferred.
	g.blocked.Store("/rest/experimental/template")
	if _, err := c.TemplatesInSpace(ctx, "DOCS"); err != nil {
		t.Fatal(err)
	}
	exp := g.count("/rest/experimental/template")
	if _, err := c.TemplatesInSpace(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if g.count("/rest/experimental/template") != exp {
		t.Error("the experimental root is still asked after /rest/api answered")
	}
}

func TestTemplatesNoRootServed(t *testing.T) {
	c, _, g := newGatedEnv(t, confluence.DataCenter, "both")
	_, err := c.GetTemplate(context.Background(), "600001")
	re := restErr(t, err)
	if re.StatusCode != 404 || re.Kind != rest.KindNotFound || re.Path != "/rest/api/template/600001" || confluence.IsUnknownTemplate(err) {
		t.Errorf("error = %+v", re)
	}
	// Nothing was learnt: the next call starts at /rest/api again.
	_, _ = c.GetTemplate(context.Background(), "600001")
	if a, x := g.count("/rest/api/template"), g.count("/rest/experimental/template"); a != 2 || x != 2 {
		t.Errorf("probes: api %d, experimental %d", a, x)
	}

	// Cloud has one root and never tries another.
	cc, _, cg := newGatedEnv(t, confluence.Cloud, "/wiki/rest/api/template")
	if _, err := cc.GetTemplate(context.Background(), "600001"); !rest.IsKind(err, rest.KindNotFound) ||
		cg.count("/wiki/rest/api/template") != 1 || cg.count("/rest/experimental/template") != 0 {
		t.Errorf("Cloud: %v", err)
	}
}

func TestIsUnknownTemplate(t *testing.T) {
	e := func(method, path string, status int) error {
		return &rest.Error{Service: "confluence", Method: method, Path: path, StatusCode: status, Kind: rest.KindForStatus(status)}
	}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{e("GET", "/wiki/rest/api/template/123", 403), true},
		{e("DELETE", "/confluence/rest/api/template/123", 403), true},
		{e("GET", "/rest/experimental/template/123", 403), true},
		{e("PUT", "/wiki/rest/api/template", 403), true},
		{e("GET", "/wiki/rest/api/template/123", 404), false},
		{e("GET", "/wiki/rest/api/template/page", 403), false},
		{e("GET", "/wiki/rest/api/template/blueprint", 403), false},
		{e("POST", "/wiki/rest/api/template", 403), false},
		{e("PUT", "/wiki/rest/api/template/123", 403), false},
		{e("GET", "/wiki/rest/api/templates/123", 403), false},
		{e("GET", "/wiki/rest/api/content/123", 403), false},
		{nil, false},
	} {
		if got := confluence.IsUnknownTemplate(tc.err); got != tc.want {
			t.Errorf("IsUnknownTemplate(%v) = %v", tc.err, got)
		}
	}
}
