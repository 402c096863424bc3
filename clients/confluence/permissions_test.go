package confluence_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// asUser is a client for another seeded user: Basic email:token on
// Cloud, the token as a personal access token on Data Center.
func asUser(t *testing.T, e *env, email, token string) *confluence.Client {
	t.Helper()
	cfg := confluence.Config{BaseURL: e.srv.URL, Flavor: e.flavor,
		Retry: rest.RetryConfig{Max: 1, WaitMin: 10 * time.Millisecond, WaitMax: time.Second}}
	if e.flavor == confluence.Cloud {
		cfg.Email, cfg.APIToken = email, token
	} else {
		cfg.Token = token
	}
	c, err := confluence.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func lenaClient(t *testing.T, e *env) *confluence.Client {
	return asUser(t, e, "lena@example.com", "lena-token")
}

func oscarClient(t *testing.T, e *env) *confluence.Client {
	return asUser(t, e, "oscar@example.com", "oscar-token")
}

// legalTree hangs a folder read-restricted to the bridge and legal below
// 100001 and a memo below it, which admits the bridge, lena and carol
// (whose email is hidden on Cloud).
func legalTree(t *testing.T, e *env) (folder, memo string) {
	t.Helper()
	f, err := e.sim.CreateChildPage("100001", "Legal folder", "<p>folder</p>", "557058:alice")
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.sim.CreateChildPage(f.ID, "Legal memo", "<p>memo</p>", "557058:alice")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.sim.SetRestriction(f.ID, "read", []string{"557058:bridge"}, []string{"legal"}); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.SetRestriction(m.ID, "read", []string{"557058:bridge", "557058:lena", "557058:carol"}, nil); err != nil {
		t.Fatal(err)
	}
	return f.ID, m.ID
}

func TestEffectiveReadRestriction(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		folder, memo := legalTree(t, e)
		anc, err := e.c.Ancestors(ctx, memo)
		if err != nil || !slices.Equal(anc, []string{"100001", folder}) {
			t.Fatalf("ancestors = %v, %v", anc, err)
		}
		got, err := e.c.EffectiveReadRestriction(ctx, memo)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].PageID != folder || got[1].PageID != memo {
			t.Fatalf("restrictions = %+v", got)
		}
		legal, _ := e.sim.GroupByName("legal")
		wantGroup := confluence.Group{Name: "legal"}
		if e.flavor == confluence.Cloud {
			wantGroup.ID = legal.ID
		}
		if len(got[0].Users) != 1 || got[0].Users[0].AccountID != "557058:bridge" || !slices.Equal(got[0].Groups, []confluence.Group{wantGroup}) {
			t.Errorf("folder = %+v", got[0])
		}
		emails := map[string]string{}
		for _, u := range got[1].Users {
			emails[u.AccountID] = u.Email
		}
		wantCarol := "carol@example.com"
		if e.flavor == confluence.Cloud {
			wantCarol = "" // her profile hides it
		}
		if len(got[1].Groups) != 0 || emails["557058:lena"] != "lena@example.com" || emails["557058:carol"] != wantCarol || len(emails) != 3 {
			t.Errorf("memo = %+v", got[1])
		}
		if none, err := e.c.EffectiveReadRestriction(ctx, "100002"); err != nil || len(none) != 0 {
			t.Errorf("unrestricted page = %+v, %v", none, err)
		}

		// The restrictions do what they say to the people they name.
		if _, err := oscarClient(t, e).GetPage(ctx, memo, confluence.GetPageOptions{}); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("oscar reads the memo: %v", err)
		}
		if _, err := lenaClient(t, e).GetPage(ctx, memo, confluence.GetPageOptions{}); err != nil {
			t.Errorf("lena reads the memo: %v", err)
		}
		kids, err := oscarClient(t, e).Children(ctx, "100001")
		if err != nil || len(kids) != 0 {
			t.Errorf("oscar's children of 100001 = %v, %v", kids, err)
		}
		if _, err := oscarClient(t, e).EffectiveReadRestriction(ctx, memo); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("oscar asks for the memo's restrictions: %v", err)
		}
	})
}

func TestSetReadRestriction(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if err := e.c.SetUpdateRestriction(ctx, "100003", []string{"557058:bridge"}, nil); err != nil {
			t.Fatal(err)
		}
		if err := e.c.SetReadRestriction(ctx, "100003", []string{"557058:bridge"}, []string{"legal"}); err != nil {
			t.Fatal(err)
		}
		r, _ := e.sim.Restrictions("100003")
		if !slices.Equal(r.ReadUsers, []string{"557058:bridge"}) || !slices.Equal(r.ReadGroups, []string{"legal"}) ||
			!slices.Equal(r.UpdateUsers, []string{"557058:bridge"}) {
			t.Errorf("restrictions = %+v", r)
		}
		oscar, lena := oscarClient(t, e), lenaClient(t, e)
		if _, err := oscar.GetPage(ctx, "100003", confluence.GetPageOptions{}); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("oscar: %v", err)
		}
		if _, err := lena.GetPage(ctx, "100003", confluence.GetPageOptions{}); err != nil {
			t.Errorf("lena: %v", err)
		}
		if err := e.c.RemoveReadRestriction(ctx, "100003"); err != nil {
			t.Fatal(err)
		}
		if r, _ := e.sim.Restrictions("100003"); len(r.ReadUsers)+len(r.ReadGroups) != 0 || len(r.UpdateUsers) != 1 {
			t.Errorf("after removal = %+v", r)
		}
		if _, err := oscar.GetPage(ctx, "100003", confluence.GetPageOptions{}); err != nil {
			t.Errorf("oscar after removal: %v", err)
		}
		// With no update restriction either, nothing is left restricted.
		if err := e.c.SetUpdateRestriction(ctx, "100003", nil, nil); err != nil {
			t.Fatal(err)
		}
		if err := e.c.RemoveReadRestriction(ctx, "100003"); err != nil {
			t.Fatal(err)
		}
		if err := e.c.SetReadRestriction(ctx, "", nil, nil); !rest.IsKind(err, rest.KindBadRequest) {
			t.Errorf("empty id: %v", err)
		}
	})
}

func TestUsersAndGroups(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u, err := e.c.User(ctx, "557058:lena")
		if err != nil || u.AccountID != "557058:lena" || u.Email != "lena@example.com" || u.DisplayName != "Lena Lawson" {
			t.Errorf("user = %+v, %v", u, err)
		}
		if _, err := e.c.User(ctx, "557058:nobody"); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("unknown user: %v", err)
		}
		me, err := lenaClient(t, e).CurrentUser(ctx)
		if err != nil || me.AccountID != "557058:lena" {
			t.Errorf("current = %+v, %v", me, err)
		}
		g, err := e.c.FindGroup(ctx, "legal")
		if err != nil {
			t.Fatal(err)
		}
		want, _ := e.sim.GroupByName("legal")
		if g.Name != "legal" || (e.flavor == confluence.Cloud) != (g.ID == want.ID) {
			t.Errorf("group = %+v (sim id %s)", g, want.ID)
		}
		members, err := e.c.GroupMembers(ctx, *g)
		if err != nil || len(members) != 1 || members[0].AccountID != "557058:lena" {
			t.Errorf("members = %+v, %v", members, err)
		}
		byName, err := e.c.GroupMembers(ctx, confluence.Group{Name: "confluence-users"})
		if err != nil || len(byName) != len(e.sim.Users()) {
			t.Errorf("confluence-users = %d members, %v", len(byName), err)
		}
		groups, err := e.c.GroupsOf(ctx, "557058:lena")
		if err != nil || len(groups) != 3 || groups[0].Name != "confluence-users" || groups[1].Name != "legal" || groups[2].Name != "pol-approvers" {
			t.Errorf("lena's groups = %+v, %v", groups, err)
		}
		if _, err := e.c.FindGroup(ctx, "nope"); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("unknown group: %v", err)
		}
	})
}

func TestSpaceReadPermissions(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, confluence.Cloud, nil)
	users, _ := e.sim.GroupByName("confluence-users")
	got, err := e.c.SpaceReadPermissions(ctx, "98305")
	if err != nil || !slices.Equal(got, []confluence.Principal{{Type: "group", ID: users.ID}}) {
		t.Errorf("ENG = %+v, %v", got, err)
	}
	if err := e.sim.SetSpaceReaders("ENG", []string{"557058:bridge"}, []string{"legal"}); err != nil {
		t.Fatal(err)
	}
	legal, _ := e.sim.GroupByName("legal")
	got, err = e.c.SpaceReadPermissions(ctx, "98305")
	if err != nil || !slices.Equal(got, []confluence.Principal{{Type: "user", ID: "557058:bridge"}, {Type: "group", ID: legal.ID}}) {
		t.Errorf("narrowed ENG = %+v, %v", got, err)
	}
	if _, err := oscarClient(t, e).GetPage(ctx, "200001", confluence.GetPageOptions{}); !rest.IsKind(err, rest.KindNotFound) {
		t.Errorf("oscar reads ENG: %v", err)
	}
	if _, err := oscarClient(t, e).SpaceReadPermissions(ctx, "98305"); !rest.IsKind(err, rest.KindNotFound) {
		t.Errorf("oscar lists ENG's permissions: %v", err)
	}
	dc := newEnv(t, confluence.DataCenter, nil)
	if _, err := dc.c.SpaceReadPermissions(ctx, "98305"); !rest.IsKind(err, rest.KindBadRequest) {
		t.Errorf("DC: %v", err)
	}
}

func TestCheckPermission(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, confluence.Cloud, nil)
	_, memo := legalTree(t, e)
	users, _ := e.sim.GroupByName("confluence-users")
	for _, tc := range []struct {
		page string
		who  confluence.Principal
		op   string
		want bool
	}{
		{memo, confluence.Principal{Type: "user", ID: "557058:lena"}, "read", true},
		{memo, confluence.Principal{Type: "user", ID: "557058:oscar"}, "read", false},
		{memo, confluence.Principal{Type: "group", ID: users.ID}, "read", false},
		{"100002", confluence.Principal{Type: "group", ID: users.ID}, "read", true},
	} {
		got, err := e.c.CheckPermission(ctx, tc.page, tc.who, tc.op)
		if err != nil || got.HasPermission != tc.want || (!tc.want && len(got.Errors) == 0) {
			t.Errorf("%+v %s on %s = %+v, %v", tc.who, tc.op, tc.page, got, err)
		}
	}
	lena := confluence.Principal{Type: "user", ID: "557058:lena"}
	if _, err := oscarClient(t, e).CheckPermission(ctx, "100002", lena, "read"); !rest.IsKind(err, rest.KindForbidden) {
		t.Errorf("oscar checks lena: %v", err)
	}
	if _, err := e.c.CheckPermission(ctx, memo, lena, "fly"); !rest.IsKind(err, rest.KindBadRequest) {
		t.Errorf("bad operation: %v", err)
	}
	dc := newEnv(t, confluence.DataCenter, nil)
	if _, err := dc.c.CheckPermission(ctx, "100002", lena, "read"); !rest.IsKind(err, rest.KindBadRequest) {
		t.Errorf("DC: %v", err)
	}
}

// A page read with GetPage carries its parent: on Cloud a page at the
// space root needs no ancestor lookup (one request for its restriction),
// and a page below another gets the same levels as by id.
func TestEffectiveReadRestrictionOfAReadPage(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		folder, memo := legalTree(t, e)
		p, err := e.c.GetPage(ctx, memo, confluence.GetPageOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.c.EffectiveReadRestrictionOf(ctx, p)
		if err != nil || len(got) != 2 || got[0].PageID != folder || got[1].PageID != memo {
			t.Fatalf("restrictions = %+v, %v", got, err)
		}
		root := e.sim.CreatePage("DOCS", "At the root", "<p>x</p>", "557058:editor")
		rp, err := e.c.GetPage(ctx, root.ID, confluence.GetPageOptions{})
		if err != nil {
			t.Fatal(err)
		}
		before := e.sim.Requests()
		if got, err := e.c.EffectiveReadRestrictionOf(ctx, rp); err != nil || len(got) != 0 {
			t.Fatalf("root page = %+v, %v", got, err)
		}
		// Cloud: the restriction only, as v2 named no parent; Data Center:
		// the one v1 request for the chain.
		if n := e.sim.Requests() - before; n != 1 {
			t.Errorf("%d requests for a root page's restrictions, want 1", n)
		}
	})
}

// The whole chain of a page two levels down (its ancestors and three
// restrictions) is read in one request.
func TestEffectiveReadRestrictionReadsTheChainAtOnce(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		folder, memo := legalTree(t, e)
		before := e.sim.Requests()
		got, err := e.c.EffectiveReadRestriction(context.Background(), memo)
		if err != nil || len(got) != 2 || got[0].PageID != folder || got[1].PageID != memo ||
			!slices.ContainsFunc(got[0].Groups, func(g confluence.Group) bool { return g.Name == "legal" }) {
			t.Fatalf("restrictions = %+v, %v", got, err)
		}
		want := 1
		if e.flavor == confluence.Cloud {
			want = 2 // and the bulk user lookup for the email carol's restriction did not carry
		}
		if n := e.sim.Requests() - before; n != want {
			t.Errorf("%d requests for the chain, want %d", n, want)
		}
	})
}

// A server that leaves an ancestor's restriction unexpanded, or pages a
// restriction's user list, is asked level by level: the answer is the
// same, never a chain with a level missing.
func TestEffectiveReadRestrictionFallsBackLevelByLevel(t *testing.T) {
	for name, edit := range map[string]func(ancestor map[string]any){
		"unexpanded": func(a map[string]any) { delete(a, "restrictions") },
		"paged": func(a map[string]any) {
			read := a["restrictions"].(map[string]any)["read"].(map[string]any)
			users := read["restrictions"].(map[string]any)["user"].(map[string]any)
			users["_links"] = map[string]any{"next": "/rest/api/content/x/restriction/byOperation/read/user?start=1"}
		},
	} {
		t.Run(name, func(t *testing.T) {
			rt := rewriteChain{edit: edit}
			e := newEnv(t, confluence.Cloud, rt)
			folder, memo := legalTree(t, e)
			before := e.sim.Requests()
			got, err := e.c.EffectiveReadRestriction(context.Background(), memo)
			if err != nil || len(got) != 2 || got[0].PageID != folder || got[1].PageID != memo ||
				len(got[0].Users) != 1 || len(got[1].Users) != 3 {
				t.Fatalf("restrictions = %+v, %v", got, err)
			}
			// The chain, the ancestors, three restrictions, the user lookup.
			if n := e.sim.Requests() - before; n != 6 {
				t.Errorf("%d requests, want 6", n)
			}
		})
	}
}

// rewriteChain edits every ancestor of a v1 content answer that expanded
// restrictions.
type rewriteChain struct{ edit func(ancestor map[string]any) }

func (rw rewriteChain) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || !strings.Contains(r.URL.RawQuery, "ancestors.restrictions") {
		return resp, err
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return nil, err
	}
	for _, a := range doc["ancestors"].([]any) {
		rw.edit(a.(map[string]any))
	}
	b, _ := json.Marshal(doc)
	resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	resp.Header.Del("Content-Length")
	return resp, nil
}
