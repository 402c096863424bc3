package confluence_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	sim "github.com/xecm-bridge/xecm-bridge/simulators/confluence"
)

// editorClient is a second user (557058:editor) on the same simulator.
func editorClient(t *testing.T, e *env) *confluence.Client {
	t.Helper()
	c, err := confluence.New(confluence.Config{BaseURL: e.srv.URL, Flavor: e.flavor,
		Email: "editor@example.com", APIToken: "editor-token",
		Retry: rest.RetryConfig{Max: 1, WaitMin: 10 * time.Millisecond, WaitMax: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestComments(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		got, err := e.c.AddComment(ctx, "100001", "<p>Looks <strong>good</strong> to me</p>")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID == "" || got.PageID != "100001" || got.AuthorID != "557058:bridge" ||
			got.Body != "<p>Looks <strong>good</strong> to me</p>" || got.CreatedAt.IsZero() {
			t.Errorf("added = %+v", got)
		}
		if p, _ := e.sim.Page("100001"); p.Version != 1 {
			t.Errorf("a comment changed the page version to %d", p.Version)
		}
		sc := e.sim.Comments("100001")
		if len(sc) != 1 || sc[0].Body != "Looks good to me" || sc[0].ID != got.ID || sc[0].AuthorID != "557058:bridge" {
			t.Errorf("simulator sees %+v", sc)
		}
		// More than one default page (25) of comments, by another user too.
		if _, err := editorClient(t, e).AddComment(ctx, "100001", "<p>second</p>"); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 28; i++ {
			if _, err := e.sim.AddComment("100001", fmt.Sprintf("<p>c%02d</p>", i), "557058:carol"); err != nil {
				t.Fatal(err)
			}
		}
		list, err := e.c.Comments(ctx, "100001")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 30 {
			t.Fatalf("got %d comments, want 30", len(list))
		}
		if list[0] != *got {
			t.Errorf("first = %+v, want %+v", list[0], *got)
		}
		if list[1].AuthorID != "557058:editor" || list[1].Body != "<p>second</p>" || list[29].Body != "<p>c27</p>" {
			t.Errorf("order/authors: %+v ... %+v", list[1], list[29])
		}
		if cs, err := e.c.Comments(ctx, "100002"); err != nil || len(cs) != 0 {
			t.Errorf("no comments: %v, %v", cs, err)
		}
		if _, err := e.c.AddComment(ctx, "999999", "<p>x</p>"); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("comment on a missing page: %v", err)
		}
		if _, err := e.c.AddComment(ctx, "100001", "  "); !rest.IsKind(err, rest.KindBadRequest) {
			t.Errorf("empty comment: %v", err)
		}
	})
}

func TestUpdatePage(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		p, err := e.c.UpdatePage(ctx, "100002", "Travel Policy", "<p>final</p>", 2, "publish")
		if err != nil {
			t.Fatal(err)
		}
		if p.ID != "100002" || p.Title != "Travel Policy" || p.Version.Number != 2 || p.Version.Message != "publish" ||
			p.Body != "<p>final</p>" || p.BodyFormat != "storage" || p.SpaceKey != "POL" || p.Version.AuthorID != "557058:bridge" {
			t.Errorf("updated = %+v", p)
		}
		if sp, _ := e.sim.Page("100002"); sp.Version != 2 || sp.Body != "<p>final</p>" || sp.Title != "Travel Policy" {
			t.Errorf("stored = %+v", sp)
		}
		// The same version again: someone (we) got there first.
		before := e.sim.Requests()
		_, err = e.c.UpdatePage(ctx, "100002", "Travel Policy", "<p>again</p>", 2, "")
		re := restErr(t, err)
		if re.Kind != rest.KindConflict || re.StatusCode != 409 || !strings.Contains(re.Message, "Version must be incremented") {
			t.Errorf("conflict = %+v", re)
		}
		if n := e.sim.Requests() - before; n != 1 {
			t.Errorf("a 409 was sent %d times", n)
		}
		if _, err := e.c.UpdatePage(ctx, "999999", "X", "<p/>", 2, ""); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("missing page: %v", err)
		}
		if _, err := e.c.UpdatePage(ctx, "100002", "X", "<p/>", 1, ""); !rest.IsKind(err, rest.KindBadRequest) {
			t.Errorf("version 1: %v", err)
		}
	})
}

func TestRestrictions(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ed := editorClient(t, e)
		r, err := e.c.Restrictions(ctx, "100001")
		if err != nil {
			t.Fatal(err)
		}
		if len(r.UpdateUsers)+len(r.UpdateGroups)+len(r.ReadUsers)+len(r.ReadGroups) != 0 {
			t.Errorf("seed restrictions = %+v", r)
		}
		if err := ed.AddLabels(ctx, "100001", "reviewed"); err != nil {
			t.Fatalf("editor before restriction: %v", err)
		}

		if err := e.c.SetUpdateRestriction(ctx, "100001", []string{"557058:bridge"}, nil); err != nil {
			t.Fatal(err)
		}
		r, err = e.c.Restrictions(ctx, "100001")
		if err != nil || !slices.Equal(r.UpdateUsers, []string{"557058:bridge"}) || len(r.UpdateGroups) != 0 || len(r.ReadUsers) != 0 {
			t.Errorf("after set = %+v, %v", r, err)
		}
		if sr, _ := e.sim.Restrictions("100001"); !slices.Equal(sr.UpdateUsers, []string{"557058:bridge"}) {
			t.Errorf("simulator has %+v", sr)
		}

		// The editor can still read but no longer write.
		if _, err := ed.GetPage(ctx, "100001", confluence.GetPageOptions{}); err != nil {
			t.Errorf("editor read: %v", err)
		}
		re := restErr(t, ed.AddLabels(ctx, "100001", "sneaky"))
		if re.Kind != rest.KindForbidden || re.StatusCode != 403 {
			t.Errorf("editor label add = %+v", re)
		}
		if err := ed.RemoveLabel(ctx, "100001", "approved"); !rest.IsKind(err, rest.KindForbidden) {
			t.Errorf("editor label remove: %v", err)
		}
		if _, err := ed.UpdatePage(ctx, "100001", "Hijacked", "<p/>", 2, ""); !rest.IsKind(err, rest.KindForbidden) {
			t.Errorf("editor page update: %v", err)
		}
		if _, err := ed.UploadAttachment(ctx, "100001", "x.txt", "text/plain", strings.NewReader("x"), ""); !rest.IsKind(err, rest.KindForbidden) {
			t.Errorf("editor upload: %v", err)
		}
		if _, err := ed.SetProperty(ctx, "100001", "project", 1); !rest.IsKind(err, rest.KindForbidden) {
			t.Errorf("editor property: %v", err)
		}
		if got := strings.Join(e.sim.Labels("100001"), ","); got != "approved,dept-legal,doctype-policy,reviewed" {
			t.Errorf("labels changed by a forbidden call: %s", got)
		}
		// The bridge still can.
		if err := e.c.AddLabels(ctx, "100001", "frozen"); err != nil {
			t.Errorf("bridge label add: %v", err)
		}

		// A read restriction set by an admin survives update changes.
		if err := e.sim.SetRestriction("100001", "read", []string{"557058:bridge", "557058:editor"}, nil); err != nil {
			t.Fatal(err)
		}
		if err := e.c.SetUpdateRestriction(ctx, "100001", nil, []string{"records-admins"}); err != nil {
			t.Fatal(err)
		}
		r, err = e.c.Restrictions(ctx, "100001")
		if err != nil || len(r.UpdateUsers) != 0 || !slices.Equal(r.UpdateGroups, []string{"records-admins"}) ||
			!slices.Equal(r.ReadUsers, []string{"557058:bridge", "557058:editor"}) {
			t.Errorf("group restriction = %+v, %v", r, err)
		}
		if err := ed.AddLabels(ctx, "100001", "x"); !rest.IsKind(err, rest.KindForbidden) {
			t.Errorf("editor (not in records-admins): %v", err)
		}
		if err := e.c.AddLabels(ctx, "100001", "y"); err != nil {
			t.Errorf("bridge (in records-admins): %v", err)
		}
		// Lifting the update restriction keeps the read one.
		if err := e.c.SetUpdateRestriction(ctx, "100001", nil, nil); err != nil {
			t.Fatal(err)
		}
		if sr, _ := e.sim.Restrictions("100001"); len(sr.UpdateUsers)+len(sr.UpdateGroups) != 0 || len(sr.ReadUsers) != 2 {
			t.Errorf("after lifting = %+v", sr)
		}
		if err := ed.AddLabels(ctx, "100001", "z"); err != nil {
			t.Errorf("editor after lifting: %v", err)
		}
		// A read restriction without the editor hides the page from them.
		if err := e.sim.SetRestriction("100001", "read", []string{"557058:bridge"}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := ed.GetPage(ctx, "100001", confluence.GetPageOptions{}); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("hidden page: %v", err)
		}
		if _, err := e.c.Restrictions(ctx, "999999"); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("restrictions of a missing page: %v", err)
		}
	})
}

// fixedClock is a settable simulator clock.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fixedClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var t0 = time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC)

// seedChanges makes 60 pages in space CHG, page i modified at t0+i
// minutes; every third has label "approved", the others "draft", and
// pages 10 and 11 also "final". It returns their ids in order.
func seedChanges(t *testing.T, s *sim.Server, clk *fixedClock) []string {
	t.Helper()
	s.SetClock(clk.now)
	var ids []string
	for i := 0; i < 60; i++ {
		clk.set(t0.Add(time.Duration(i) * time.Minute))
		labels := []string{"draft"}
		if i%3 == 0 {
			labels = []string{"approved"}
		}
		if i == 10 || i == 11 {
			labels = append(labels, "final")
		}
		ids = append(ids, s.CreatePage("CHG", fmt.Sprintf("Change %02d", i), "<p/>", "557058:alice", labels...).ID)
	}
	return ids
}

func refIDs(refs []confluence.PageRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.ID
	}
	return out
}

func TestChangedPagesCQL(t *testing.T) {
	got := confluence.ChangedPagesCQL(confluence.ChangedPagesOptions{SpaceKey: "POL",
		Since: time.Date(2027, 1, 4, 11, 0, 59, 0, time.FixedZone("CET", 3600)), Labels: []string{"approved", `we"ird`}})
	want := `space = "POL" and type = page and lastmodified >= "2027-01-04 09:59" and label in ("approved","we\"ird") order by lastmodified asc`
	if got != want {
		t.Errorf("cql =\n%s\nwant\n%s", got, want)
	}
}

func TestChangedPages(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		clk := &fixedClock{}
		ids := seedChanges(t, e.sim, clk)

		// Everything in the space, in pages of 25: three requests.
		before := e.sim.Requests()
		all, err := e.c.ChangedPages(ctx, confluence.ChangedPagesOptions{SpaceKey: "CHG", Limit: 25})
		if err != nil {
			t.Fatal(err)
		}
		if n := e.sim.Requests() - before; n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
		if !slices.Equal(refIDs(all), ids) {
			t.Fatalf("got %d pages %v", len(all), refIDs(all))
		}
		r := all[10]
		if r.Title != "Change 10" || r.SpaceKey != "CHG" || r.Version != 1 || !r.ModifiedAt.Equal(t0.Add(10*time.Minute)) ||
			!slices.Equal(r.Labels, []string{"draft", "final"}) {
			t.Errorf("ref = %+v", r)
		}

		// Since 10:30:30: the query starts at 10:29 (minute precision, one
		// minute of safety), so pages 29..59 come back.
		since, err := e.c.ChangedPages(ctx, confluence.ChangedPagesOptions{SpaceKey: "CHG", Since: t0.Add(30*time.Minute + 30*time.Second), Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(refIDs(since), ids[29:]) {
			t.Errorf("since: got %v", refIDs(since))
		}

		// Labels: any of.
		appr, err := e.c.ChangedPages(ctx, confluence.ChangedPagesOptions{SpaceKey: "CHG", Labels: []string{"approved", "final"}})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for i, id := range ids {
			if i%3 == 0 || i == 10 || i == 11 {
				want = append(want, id)
			}
		}
		if !slices.Equal(refIDs(appr), want) {
			t.Errorf("labels: got %v want %v", refIDs(appr), want)
		}

		// An edit moves a page to the end with its new version; a trashed
		// page disappears.
		clk.set(t0.Add(2 * time.Hour))
		if _, err := e.sim.UpdatePage(ids[5], "Change 05 (edited)", "<p>2</p>", "557058:bob"); err != nil {
			t.Fatal(err)
		}
		if err := e.sim.TrashPage(ids[59]); err != nil {
			t.Fatal(err)
		}
		late, err := e.c.ChangedPages(ctx, confluence.ChangedPagesOptions{SpaceKey: "CHG", Since: t0.Add(58 * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(refIDs(late), []string{ids[57], ids[58], ids[5]}) || late[2].Version != 2 || late[2].Title != "Change 05 (edited)" {
			t.Errorf("late = %+v", late)
		}
		if none, err := e.c.ChangedPages(ctx, confluence.ChangedPagesOptions{SpaceKey: "CHG", Since: t0.Add(3 * time.Hour)}); err != nil || len(none) != 0 {
			t.Errorf("nothing changed: %v, %v", none, err)
		}
	})
}

// editDuringWalk edits the first page of the result, as someone else
// would, just before the second search request is sent.
type editDuringWalk struct {
	sim      *sim.Server
	pageID   string
	searches int
}

func (x *editDuringWalk) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/content/search") {
		x.searches++
		if x.searches == 2 {
			if _, err := x.sim.UpdatePage(x.pageID, "moved", "<p>moved</p>", "557058:bob"); err != nil {
				return nil, err
			}
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestChangedPagesEditDuringWalk: offset paging would skip a page when an
// already-read page moves to the end; the client notices and walks again.
func TestChangedPagesEditDuringWalk(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			t.Parallel()
			rt := &editDuringWalk{}
			e := newEnv(t, fl, rt)
			clk := &fixedClock{}
			ids := seedChanges(t, e.sim, clk)
			clk.set(t0.Add(2 * time.Hour))
			rt.sim, rt.pageID = e.sim, ids[0]
			got, err := e.c.ChangedPages(context.Background(), confluence.ChangedPagesOptions{SpaceKey: "CHG", Limit: 25})
			if err != nil {
				t.Fatal(err)
			}
			want := append(append([]string{}, ids[1:]...), ids[0])
			if !slices.Equal(refIDs(got), want) {
				t.Errorf("got %d pages: %v", len(got), refIDs(got))
			}
			if last := got[len(got)-1]; last.Version != 2 {
				t.Errorf("moved page = %+v", last)
			}
			if rt.searches <= 3 {
				t.Errorf("%d search requests: the walk was not repeated", rt.searches)
			}
		})
	}
}

// rewriteCQL replaces the cql parameter of every search.
type rewriteCQL struct{ cql string }

func (x rewriteCQL) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/content/search") {
		r = r.Clone(r.Context())
		q := r.URL.Query()
		q.Set("cql", x.cql)
		r.URL.RawQuery = q.Encode()
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestChangedPagesBadCQL(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			e := newEnv(t, fl, rewriteCQL{cql: `space = "POL" or type = page`})
			before := e.sim.Requests()
			_, err := e.c.ChangedPages(context.Background(), confluence.ChangedPagesOptions{SpaceKey: "POL"})
			re := restErr(t, err)
			if re.Kind != rest.KindBadRequest || re.StatusCode != 400 || !strings.Contains(re.Message, "OR") {
				t.Errorf("bad cql = %+v", re)
			}
			if n := e.sim.Requests() - before; n != 1 {
				t.Errorf("a 400 was sent %d times", n)
			}
		})
	}
}
