package confluence_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// The seeded space of document pages and its home page.
const (
	docsID, docsKey, docsHome = "98306", "DOCS", "250001"
)

func TestCreatePageAndFindByTitle(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		// Cloud needs the id and DC the key: give each the other, so the
		// lookup is exercised too.
		req := confluence.CreatePageRequest{ParentID: docsHome, Title: "DOC-1 Records Policy", StorageBody: "<p>v1</p>"}
		if e.flavor == confluence.Cloud {
			req.SpaceKey = docsKey
		} else {
			req.SpaceID = docsID
		}
		p, err := e.c.CreatePage(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if p.ID == "" || p.Title != req.Title || p.SpaceKey != docsKey || p.SpaceID != docsID || p.ParentID != docsHome ||
			p.Version.Number != 1 || p.BodyFormat != "storage" || p.Body != "<p>v1</p>" || p.AuthorID != "557058:bridge" {
			t.Errorf("created = %+v", p)
		}
		if sp, _ := e.sim.Page(p.ID); sp.ParentID != docsHome || sp.SpaceKey != docsKey {
			t.Errorf("simulator page = %+v", sp)
		}

		_, err = e.c.CreatePage(ctx, confluence.CreatePageRequest{SpaceID: docsID, SpaceKey: docsKey, Title: req.Title})
		if !confluence.IsTitleTaken(err) || !rest.IsKind(err, rest.KindBadRequest) {
			t.Errorf("duplicate title: %v", err)
		}

		found, err := e.c.FindPageByTitle(ctx, docsID, docsKey, req.Title)
		if err != nil || found == nil || found.ID != p.ID || found.Body != "<p>v1</p>" || found.ParentID != docsHome || found.SpaceKey != docsKey {
			t.Errorf("FindPageByTitle = %+v, %v", found, err)
		}
		if none, err := e.c.FindPageByTitle(ctx, "", docsKey, "DOC-1"); none != nil || err != nil {
			t.Errorf("prefix of a title: %+v, %v", none, err)
		}
		if none, err := e.c.FindPageByTitle(ctx, "98304", "POL", req.Title); none != nil || err != nil {
			t.Errorf("other space: %+v, %v", none, err)
		}

		if _, err := e.c.CreatePage(ctx, confluence.CreatePageRequest{SpaceKey: "NOPE", Title: "x"}); err == nil || confluence.IsTitleTaken(err) {
			t.Errorf("unknown space: %v", err)
		}
		if _, err := e.c.CreatePage(ctx, confluence.CreatePageRequest{Title: "x"}); !rest.IsKind(err, rest.KindBadRequest) {
			t.Errorf("no space: %v", err)
		}
	})
}

func TestIsTitleTaken(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("A page with this title already exists"), false},
		{&rest.Error{Kind: rest.KindBadRequest, Message: "A page with this title already exists: A page already exists with the title X in the space with key K"}, true},
		{&rest.Error{Kind: rest.KindBadRequest, Message: "A page with this title already exists: A page already exists with the same TITLE in this space"}, true},
		{fmt.Errorf("create: %w", &rest.Error{Kind: rest.KindBadRequest, Message: "a page already exists with the title X"}), true},
		{&rest.Error{Kind: rest.KindBadRequest, Message: "spaceId and title are required"}, false},
		{&rest.Error{Kind: rest.KindUnavailable, StatusCode: 500, Message: "Unsupported Confluence API call"}, false},
	} {
		if got := confluence.IsTitleTaken(tc.err); got != tc.want {
			t.Errorf("IsTitleTaken(%v) = %v", tc.err, got)
		}
	}
}

func TestMovePage(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		create := func(parent, title string) string {
			t.Helper()
			p, err := e.c.CreatePage(ctx, confluence.CreatePageRequest{SpaceID: docsID, SpaceKey: docsKey, ParentID: parent, Title: title, StorageBody: "<p>" + title + "</p>"})
			if err != nil {
				t.Fatal(err)
			}
			return p.ID
		}
		a, b := create(docsHome, "Folder A"), create(docsHome, "Folder B")
		doc := create(a, "DOC-2")

		if err := e.c.MovePage(ctx, doc, b); err != nil {
			t.Fatal(err)
		}
		p, _ := e.sim.Page(doc)
		// Cloud's move endpoint makes no version; DC re-parents by storing
		// the next version, body unchanged.
		wantVersion := 1
		if e.flavor == confluence.DataCenter {
			wantVersion = 2
		}
		if p.ParentID != b || p.Version != wantVersion || p.Body != "<p>DOC-2</p>" || p.Title != "DOC-2" {
			t.Errorf("after move: %+v", p)
		}
		if err := e.c.MovePage(ctx, doc, b); err != nil {
			t.Errorf("move to the same parent: %v", err)
		}
		if p, _ := e.sim.Page(doc); e.flavor == confluence.DataCenter && p.Version != 2 {
			t.Errorf("a move to the current parent made version %d", p.Version)
		}

		if err := e.c.MovePage(ctx, b, doc); !rest.IsKind(err, rest.KindBadRequest) {
			t.Errorf("loop: %v", err)
		}
		if err := e.c.MovePage(ctx, "999999", b); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("unknown page: %v", err)
		}
		if err := e.c.MovePage(ctx, doc, ""); !rest.IsKind(err, rest.KindBadRequest) {
			t.Errorf("no parent: %v", err)
		}
	})
}

func TestChildren(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		folder, err := e.c.CreatePage(ctx, confluence.CreatePageRequest{SpaceID: docsID, SpaceKey: docsKey, ParentID: docsHome, Title: "Register"})
		if err != nil {
			t.Fatal(err)
		}
		// More children than one result page holds.
		var want []string
		for i := 0; i < 105; i++ {
			p, err := e.c.CreatePage(ctx, confluence.CreatePageRequest{SpaceID: docsID, SpaceKey: docsKey, ParentID: folder.ID,
				Title: fmt.Sprintf("DOC-%03d", i)})
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, p.ID)
		}
		got, err := e.c.Children(ctx, folder.ID)
		if err != nil || len(got) != len(want) {
			t.Fatalf("Children = %d, %v", len(got), err)
		}
		for i, ref := range got {
			if ref.ID != want[i] || ref.Title != fmt.Sprintf("DOC-%03d", i) || ref.SpaceKey != docsKey {
				t.Fatalf("child %d = %+v", i, ref)
			}
		}
		if e.flavor == confluence.DataCenter && got[0].Version != 1 {
			t.Errorf("DC child version: %+v", got[0])
		}
		if leaf, err := e.c.Children(ctx, want[0]); err != nil || len(leaf) != 0 || leaf == nil {
			t.Errorf("leaf: %v, %v", leaf, err)
		}
		if _, err := e.c.Children(ctx, "999999"); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("unknown page: %v", err)
		}
	})
}

func TestPagesWithLabel(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		var want []string
		for i := 0; i < 55; i++ { // more than one search page (50)
			want = append(want, e.sim.CreatePage(docsKey, fmt.Sprintf("Controlled %02d", i), "<p/>", "557058:bridge", "controlled").ID)
		}
		e.sim.CreatePage(docsKey, "Unlabelled", "<p/>", "557058:bridge")
		e.sim.CreatePage("APOLLO", "Controlled elsewhere", "<p/>", "557058:alice", "controlled")

		got, err := e.c.PagesWithLabel(ctx, docsKey, "controlled")
		if err != nil || len(got) != len(want) {
			t.Fatalf("PagesWithLabel = %d, %v", len(got), err)
		}
		for i, ref := range got {
			if ref.ID != want[i] || ref.SpaceKey != docsKey || ref.Version != 1 || len(ref.Labels) != 1 || ref.Labels[0] != "controlled" {
				t.Fatalf("page %d = %+v", i, ref)
			}
		}
		if all, err := e.c.PagesWithLabel(ctx, "", "controlled"); err != nil || len(all) != len(want)+1 {
			t.Errorf("all spaces: %d, %v", len(all), err)
		}
		if none, err := e.c.PagesWithLabel(ctx, docsKey, "no-such-label"); err != nil || none == nil || len(none) != 0 {
			t.Errorf("no match: %v, %v", none, err)
		}
		if _, err := e.c.PagesWithLabel(ctx, docsKey, ""); !rest.IsKind(err, rest.KindBadRequest) {
			t.Errorf("empty label: %v", err)
		}
	})
	if got := confluence.PagesWithLabelCQL("DOCS", `a"b`); got != `label = "a\"b" and space = "DOCS" and type = page order by created asc` {
		t.Errorf("CQL = %s", got)
	}
}
