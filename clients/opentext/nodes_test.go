package opentext

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	sim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

func TestGetNodeAndCreateFolder(t *testing.T) {
	e := newEnv(t, sim.Options{})
	if err := e.c.Login(ctx(t)); err != nil {
		t.Fatal(err)
	}
	ew, err := e.c.GetNode(ctx(t), sim.EnterpriseWorkspaceID)
	if err != nil {
		t.Fatal(err)
	}
	if ew.Name != "Enterprise Workspace" || ew.Type != 141 || ew.CreateDate.IsZero() {
		t.Errorf("GetNode(2000) = %+v", ew)
	}
	f, err := e.c.CreateFolder(ctx(t), sim.PoliciesFolderID, "Security")
	if err != nil {
		t.Fatal(err)
	}
	if f.ID < sim.FirstAllocatedID || f.ParentID != sim.PoliciesFolderID || f.Type != TypeFolder {
		t.Errorf("CreateFolder = %+v", f)
	}
	if got, ok := e.sim.Node(f.ID); !ok || got.Name != "Security" {
		t.Errorf("simulator node = %+v %v", got, ok)
	}
	if u := e.c.NodeURL(f.ID); u != fmt.Sprintf("%s/otcs/cs.exe/app/nodes/%d", e.ts.URL, f.ID) {
		t.Errorf("NodeURL = %s", u)
	}
	_, err = e.c.GetNode(ctx(t), 999999)
	if k := restErr(t, err).Kind; k != rest.KindNotFound {
		t.Errorf("GetNode(unknown) kind = %s (%v)", k, err)
	}
}

func TestListChildrenPagingAndFindChildExactName(t *testing.T) {
	e := newEnv(t, sim.Options{})
	parent, err := e.c.CreateFolder(ctx(t), sim.EnterpriseWorkspaceID, "Paging")
	if err != nil {
		t.Fatal(err)
	}
	// 120 names that contain "Report" and sort before the exact "report",
	// so the exact match is only on the second page of a 100-item browse.
	for i := 1; i <= 120; i++ {
		if _, err := e.c.CreateFolder(ctx(t), parent.ID, fmt.Sprintf("A Report %03d", i)); err != nil {
			t.Fatal(err)
		}
	}
	exact, err := e.c.CreateFolder(ctx(t), parent.ID, "report")
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.c.ListChildren(ctx(t), parent.ID, ListOptions{WhereName: "REPORT", Page: 2, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if p.TotalCount != 121 || p.PageTotal != 3 || p.Page != 2 || len(p.Nodes) != 50 || p.Nodes[0].Name != "A Report 051" {
		t.Errorf("page 2 = total %d pages %d page %d len %d first %q", p.TotalCount, p.PageTotal, p.Page, len(p.Nodes), p.Nodes[0].Name)
	}
	before := e.sim.Requests()
	got, err := e.c.FindChild(ctx(t), parent.ID, "Report")
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || got.ID != exact.ID {
		t.Fatalf("FindChild = %+v, want node %d", got, exact.ID)
	}
	if n := e.sim.Requests() - before; n != 2 {
		t.Errorf("FindChild used %d requests, want 2 pages", n)
	}
	missing, err := e.c.FindChild(ctx(t), parent.ID, "Repor")
	if err != nil || missing != nil {
		t.Errorf("FindChild(contains-only) = %+v, %v; want nil, nil", missing, err)
	}
	folders, err := e.c.ListChildren(ctx(t), sim.EnterpriseWorkspaceID, ListOptions{WhereTypes: []int{-1}})
	// Controlled Documents, Records, Workflow Maps (seed) and Paging.
	if err != nil || folders.TotalCount != 4 {
		t.Errorf("containers under 2000 = %+v, %v", folders, err)
	}
}

func TestDuplicateCreateIsConflict(t *testing.T) {
	e := newEnv(t, sim.Options{})
	if err := e.c.Login(ctx(t)); err != nil {
		t.Fatal(err)
	}
	before := e.sim.Requests()
	_, err := e.c.CreateFolder(ctx(t), sim.ControlledDocumentsID, "POLICIES")
	re := restErr(t, err)
	if re.Kind != rest.KindConflict || re.StatusCode != 500 || !strings.Contains(re.Message, "already exists") {
		t.Errorf("duplicate folder: %+v", re)
	}
	if n := e.sim.Requests() - before; n != 1 {
		t.Errorf("duplicate create sent %d requests; a definite 500 must not be retried", n)
	}
	d := mustDoc(t, e, sim.PoliciesFolderID, "Doc.txt", "x")
	_, err = e.c.CreateDocument(ctx(t), CreateDocumentRequest{ParentID: sim.PoliciesFolderID, Name: "doc.TXT", File: bytesUpload("doc.txt", "y", nil)})
	if !rest.IsKind(err, rest.KindConflict) {
		t.Errorf("duplicate document: %v", err)
	}
	if vs := e.sim.Versions(d.ID); len(vs) != 1 {
		t.Errorf("versions after duplicate = %d", len(vs))
	}
}

func TestBadRequestIsNotRetried(t *testing.T) {
	e := newEnv(t, sim.Options{})
	if err := e.c.Login(ctx(t)); err != nil {
		t.Fatal(err)
	}
	before := e.sim.Requests()
	_, err := e.c.CreateFolder(ctx(t), sim.EnterpriseWorkspaceID, "bad:name")
	re := restErr(t, err)
	if re.Kind != rest.KindBadRequest || re.StatusCode != 400 || !strings.Contains(re.Message, "bad:name") {
		t.Errorf("err = %+v", re)
	}
	if n := e.sim.Requests() - before; n != 1 {
		t.Errorf("sent %d requests for a 400, want 1", n)
	}
}

func TestEnsureFolderPath(t *testing.T) {
	e := newEnv(t, sim.Options{})
	segs := []string{"Spaces", "ENG", "Design Docs"}
	a, err := e.c.EnsureFolderPath(ctx(t), sim.EnterpriseWorkspaceID, segs)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.c.EnsureFolderPath(ctx(t), sim.EnterpriseWorkspaceID, []string{"spaces", "eng", "design docs"})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != b.ID {
		t.Errorf("second EnsureFolderPath = %d, want %d", b.ID, a.ID)
	}
	if n, ok := e.sim.FindPath(sim.EnterpriseWorkspaceID, segs...); !ok || n.ID != a.ID {
		t.Errorf("FindPath = %+v %v", n, ok)
	}
	// Concurrent callers with their own sessions race on every segment.
	segs = []string{"Race", "Level 2", "Level 3"}
	var wg sync.WaitGroup
	ids := make([]int64, 4)
	errs := make([]error, 4)
	for i := range ids {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			n, err := e.client(t).EnsureFolderPath(ctx(t), sim.EnterpriseWorkspaceID, segs)
			errs[i] = err
			if n != nil {
				ids[i] = n.ID
			}
		}(i)
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Errorf("goroutine %d: id %d err %v (want id %d)", i, ids[i], errs[i], ids[0])
		}
	}
	parent := sim.EnterpriseWorkspaceID
	for _, s := range segs {
		var count int
		var next int64
		for _, ch := range e.sim.Children(parent) {
			if strings.EqualFold(ch.Name, s) {
				count++
				next = ch.ID
			}
		}
		if count != 1 {
			t.Errorf("segment %q exists %d times", s, count)
		}
		parent = next
	}
}

// Twenty publishes of one worker that resolve the same path at once (a
// worker starting with flows in flight) walk it once between them.
func TestConcurrentPathLookupsShareOneWalk(t *testing.T) {
	e := newEnv(t, sim.Options{})
	segs := []string{"Spaces", "POL", "Policies"}
	if _, err := e.client(t).EnsureFolderPath(ctx(t), sim.EnterpriseWorkspaceID, segs); err != nil {
		t.Fatal(err)
	}
	walk := func(c *Client, callers int) int {
		if err := c.Login(ctx(t)); err != nil { // sign in first: only the walk is counted
			t.Fatal(err)
		}
		before := e.sim.Requests()
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				if _, err := c.EnsureFolderPath(ctx(t), sim.EnterpriseWorkspaceID, segs); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		return e.sim.Requests() - before
	}
	one := walk(e.client(t), 1)
	if got := walk(e.client(t), 20); got != one {
		t.Errorf("20 concurrent look-ups sent %d requests, one sends %d", got, one)
	}
}
