package records

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// approvedPage makes an approved POL page (approved by alice).
func (w *world) approvedPage(t *testing.T, title string) string {
	t.Helper()
	return w.ApprovedPage(t, title, "<p>Due diligence findings.</p>")
}

// otcsAs is an OTCS client authenticated as a user of the simulator.
func (w *world) otcsAs(t *testing.T, user, password string) *opentext.Client {
	t.Helper()
	c, err := opentext.New(opentext.Config{BaseURL: w.OTURL, Username: user, Password: password,
		Retry: rest.RetryConfig{Max: -1, WaitMin: time.Millisecond, WaitMax: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// readable reports whether the user may read the node (its metadata and
// its content).
func readable(t *testing.T, c *opentext.Client, nodeID int64) bool {
	t.Helper()
	_, err := c.GetNode(context.Background(), nodeID)
	switch {
	case err == nil:
		return true
	case rest.IsKind(err, rest.KindNotFound), rest.IsKind(err, rest.KindBadRequest), rest.IsKind(err, rest.KindForbidden):
		return false
	}
	t.Fatalf("read node %d: %v", nodeID, err)
	return false
}

// A page read-restricted to the legal group is filed with an access list
// of Legal (read only) and the kept records administrators: lena (in
// Legal) reads the record, oscar does not, and neither does the public.
func TestRestrictedPageRecordIsReadableOnlyByItsReaders(t *testing.T) {
	w := accessWorld(t)
	ctx := context.Background()
	pageID := w.approvedPage(t, "Falcon due diligence")
	if err := w.ConfSim.SetRestriction(pageID, "read", nil, []string{"legal", "records-admins"}); err != nil {
		t.Fatal(err)
	}
	snap := w.read(t, pageID)
	if snap.Readers == nil || snap.Readers.Open || strings.Join(snap.Readers.Groups, ",") != "legal,records-admins" {
		t.Fatalf("readers: %+v", snap.Readers)
	}
	up, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: *snap})
	if err != nil {
		t.Fatal(err)
	}
	if up.Access != "groups legal, records-admins" {
		t.Errorf("evidence of the source access: %q", up.Access)
	}
	if vs := w.OTSim.Versions(up.NodeID); len(vs) != 1 || !strings.Contains(vs[0].Description, "[source access: groups legal, records-admins]") {
		t.Errorf("the version does not name the source access: %+v", vs)
	}
	node, _ := w.OTSim.Node(up.NodeID)
	if node.ParentID != up.FolderID {
		t.Errorf("record %d is in %d, not its folder %d", up.NodeID, node.ParentID, up.FolderID)
	}
	perms, err := w.ot.OTCS.NodePermissions(ctx, up.NodeID)
	if err != nil {
		t.Fatal(err)
	}
	if perms.PublicCanSee() || (perms.OwnerGroup != nil && len(perms.OwnerGroup.Permissions) > 0) {
		t.Errorf("record open to the public or its owner group: %+v", perms)
	}
	legal := perms.Assigned(legalGroupID(t, w))
	if legal == nil || !legal.Permissions.CanRead() || legal.Permissions.Has(opentext.PermModify) {
		t.Errorf("Legal's access: %+v", legal)
	}
	if !readable(t, w.otcsAs(t, "lena", "lena-secret"), up.NodeID) {
		t.Error("lena (Legal) cannot read the record")
	}
	if readable(t, w.otcsAs(t, "oscar", "oscar-secret"), up.NodeID) {
		t.Error("oscar (not in legal) can read the record")
	}
}

func legalGroupID(t *testing.T, w *world) int64 {
	t.Helper()
	g, err := w.ot.OTCS.FindGroup(context.Background(), "Legal")
	if err != nil || g == nil {
		t.Fatalf("group Legal: %v %v", g, err)
	}
	return g.ID
}

// A child of a restricted page inherits its read restriction: its record
// is restricted too.
func TestAncestorRestrictionRestrictsTheRecord(t *testing.T) {
	w := accessWorld(t)
	parentID := w.approvedPage(t, "Falcon")
	if err := w.ConfSim.SetRestriction(parentID, "read", []string{"557058:lena", "557058:bridge"}, nil); err != nil {
		t.Fatal(err)
	}
	child, err := w.ConfSim.CreateChildPage(parentID, "Falcon findings", "<p>Findings.</p>", "557058:editor")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"approved", "dept-legal"} {
		if err := w.ConfSim.AddLabel(child.ID, l); err != nil {
			t.Fatal(err)
		}
	}
	if err := activities.RecordApproval(context.Background(), w.conf.Confluence, child.ID, activities.Approval{PageVersion: 1, By: "557058:alice", Source: activities.ApprovalByOperator}); err != nil {
		t.Fatal(err)
	}
	snap := w.read(t, child.ID)
	if snap.Readers.Open || len(snap.Readers.Users) != 1 || snap.Readers.Users[0].Email != "lena@example.com" {
		t.Fatalf("readers of the child: %+v", snap.Readers)
	}
	up, err := w.ot.UploadRendition(context.Background(), activities.UploadInput{Page: *snap})
	if err != nil {
		t.Fatal(err)
	}
	if !readable(t, w.otcsAs(t, "lena", "lena-secret"), up.NodeID) || readable(t, w.otcsAs(t, "oscar", "oscar-secret"), up.NodeID) {
		t.Error("the child's record is not lena's alone")
	}
}

// A restriction to a group the access: section does not map is refused
// with a typed error naming it, and nothing is stored.
func TestUnmappedRestrictionIsRefusedWithNothingStored(t *testing.T) {
	w := accessWorld(t)
	pageID := w.approvedPage(t, "Board minutes")
	if err := w.ConfSim.SetRestriction(pageID, "read", nil, []string{"confluence-administrators"}); err != nil {
		t.Fatal(err)
	}
	snap := w.read(t, pageID)
	_, err := w.ot.UploadRendition(context.Background(), activities.UploadInput{Page: *snap})
	if activitytest.ErrType(err) != activities.TypeRestrictedSourceUnmapped || !strings.Contains(err.Error(), "confluence-administrators") || !strings.Contains(err.Error(), "access.groups") {
		t.Fatalf("got %v (%s), want %s naming the group and what to add", err, activitytest.ErrType(err), activities.TypeRestrictedSourceUnmapped)
	}
	if _, ok := w.OTSim.NodeByNickname(Nickname(pageID)); ok {
		t.Error("a record was stored for a page the bridge could not map")
	}
	for _, n := range w.OTSim.Children(opentextsim.EnterpriseWorkspaceID) {
		if n.Name == "xecm-bridge staging" {
			if kids := w.OTSim.Children(n.ID); len(kids) != 0 {
				t.Errorf("the staging folder holds %d nodes", len(kids))
			}
		}
	}
}

// A worker that dies before any of the writes of a restricted page's
// first filing (each folder, each permission change, the create, the
// nickname, the move: every one is tried in turn) leaves nothing oscar can
// read; the retry finishes it: one record, in its folder, readable by
// Legal and not by oscar.
func TestRestrictedRecordNeverReadableByOthersAcrossCrashes(t *testing.T) {
	// A clean run lists the writes to crash before.
	var writes []string
	{
		w := accessWorld(t)
		snap := w.restrictedSnapshot(t)
		rec := w.openTextWith(t, recordWrites{list: &writes, next: http.DefaultTransport})
		if _, err := rec.UploadRendition(context.Background(), activities.UploadInput{Page: *snap}); err != nil {
			t.Fatal(err)
		}
	}
	if len(writes) < 5 {
		t.Fatalf("a restricted filing made only %d writes: %v", len(writes), writes)
	}
	for i, call := range writes {
		t.Run(fmt.Sprintf("%02d %s", i+1, call), func(t *testing.T) {
			w := accessWorld(t)
			ctx := context.Background()
			snap := w.restrictedSnapshot(t)
			oscar := w.otcsAs(t, "oscar", "oscar-secret")
			n := 0
			crashed := w.openTextWith(t, activitytest.KillOn{Next: http.DefaultTransport, Match: func(r *http.Request) bool {
				if r.Method == http.MethodGet {
					return false
				}
				n++
				return n == i+1
			}})
			if _, err := crashed.UploadRendition(ctx, activities.UploadInput{Page: *snap}); err == nil {
				t.Fatal("the crashed attempt must fail")
			}
			for _, node := range w.nodesNamed(opentextsim.EnterpriseWorkspaceID, "Falcon due diligence") {
				if readable(t, oscar, node.ID) {
					t.Errorf("after a crash before %s, oscar can read node %d (in %d)", call, node.ID, node.ParentID)
				}
			}
			up, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: *snap})
			if err != nil {
				t.Fatal(err)
			}
			nodes := w.nodesNamed(opentextsim.EnterpriseWorkspaceID, "Falcon due diligence")
			if len(nodes) != 1 || nodes[0].ID != up.NodeID || nodes[0].ParentID != up.FolderID {
				t.Fatalf("after the retry: %+v, want one record in folder %d", nodes, up.FolderID)
			}
			if readable(t, oscar, up.NodeID) || !readable(t, w.otcsAs(t, "lena", "lena-secret"), up.NodeID) {
				t.Error("after the retry the record is not Legal's")
			}
		})
	}
}

// restrictedSnapshot is the snapshot of an approved page read-restricted
// to legal (and the records administrators, so the bridge may read it).
func (w *world) restrictedSnapshot(t *testing.T) *activities.PageSnapshot {
	t.Helper()
	pageID := w.approvedPage(t, "Falcon due diligence")
	if err := w.ConfSim.SetRestriction(pageID, "read", nil, []string{"legal", "records-admins"}); err != nil {
		t.Fatal(err)
	}
	return w.read(t, pageID)
}

// recordWrites lists the write requests it passes on.
type recordWrites struct {
	list *[]string
	next http.RoundTripper
}

func (rw recordWrites) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet {
		*rw.list = append(*rw.list, r.Method+" "+strings.TrimPrefix(r.URL.Path, "/otcs/cs.exe"))
	}
	return rw.next.RoundTrip(r)
}

// openTextWith is the OpenText activities of a worker whose OTCS requests
// go through rt.
func (w *world) openTextWith(t *testing.T, rt http.RoundTripper) *OpenTextActivities {
	t.Helper()
	return &OpenTextActivities{OTCS: w.OTCSVia(t, rt), Confluence: w.ot.Confluence, Rules: w.ot.Rules}
}

// nodesNamed lists the nodes under root (at any depth) with that name.
func (w *world) nodesNamed(root int64, name string) []opentextsim.Node {
	var out []opentextsim.Node
	for _, c := range w.OTSim.Children(root) {
		if c.Name == name {
			out = append(out, c)
		}
		out = append(out, w.nodesNamed(c.ID, name)...)
	}
	return out
}

// restrictedNotes is a meeting-notes page (filed as PDF/A by the demo
// mapping) with two attachments, read-restricted to legal and the records
// administrators, as its record filing reads it.
func (w *world) restrictedNotes(t *testing.T) *activities.PageSnapshot {
	t.Helper()
	p := w.ConfSim.CreatePage("POL", "2026-12-02 Falcon meeting notes", "<p>Minutes.</p>", "557058:editor", "meeting-notes", "dept-legal")
	w.ConfSim.AddAttachment(p.ID, "chart.png", "image/png", pngBytes(t))
	w.ConfSim.AddAttachment(p.ID, "schedule.csv", "text/csv", []byte("class,years\nPOL,7\n"))
	time.Sleep(2 * time.Millisecond)
	if _, err := w.ConfSim.UpdatePage(p.ID, p.Title, "<p>Minutes.</p>", "557058:editor"); err != nil {
		t.Fatal(err)
	}
	if err := w.ConfSim.SetRestriction(p.ID, "read", nil, []string{"legal", "records-admins"}); err != nil {
		t.Fatal(err)
	}
	snap, err := w.conf.ReadPage(context.Background(), activities.ReadPageInput{PageID: p.ID, Purpose: activities.PurposeRecord})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// The attachments of a restricted page filed beside its PDF record (above
// the embed limit) get the record's readers: the folder is made in the
// staging folder, restricted, then moved. A worker killed before any write
// of the attachments' filing leaves nothing oscar can read; the retry
// finishes it.
func TestRestrictedPDFAttachmentsBesideAreForItsReadersOnly(t *testing.T) {
	requireRenderTools(t)
	file := func(w *world, ot *OpenTextActivities, snap *activities.PageSnapshot) (*activities.UploadResult, error) {
		ot.PDF = w.ot.PDF
		ot.PDF.EmbedLimit = 100 // bytes: the PNG alone is larger
		return ot.UploadRendition(context.Background(), activities.UploadInput{Page: *snap, Verify: true})
	}
	var writes []string
	{
		w := accessWorld(t)
		if _, err := file(w, w.openTextWith(t, recordWrites{list: &writes, next: http.DefaultTransport}), w.restrictedNotes(t)); err != nil {
			t.Fatal(err)
		}
	}
	// The record's own writes (up to its move out of staging) are the
	// MHTML crash test's; here, each write after it, for the attachments.
	first := len(writes)
	for i, call := range writes {
		if moveRE.MatchString(call) {
			first = i + 1
			break
		}
	}
	if first >= len(writes)-3 {
		t.Fatalf("no attachment writes after the record's move: %v", writes)
	}
	for i := first; i < len(writes); i++ {
		i, call := i, writes[i]
		t.Run(fmt.Sprintf("%02d %s", i+1, call), func(t *testing.T) {
			w := accessWorld(t)
			snap := w.restrictedNotes(t)
			oscar, lena := w.otcsAs(t, "oscar", "oscar-secret"), w.otcsAs(t, "lena", "lena-secret")
			n := 0
			crashed := w.openTextWith(t, activitytest.KillOn{Next: http.DefaultTransport, Match: func(r *http.Request) bool {
				if r.Method == http.MethodGet {
					return false
				}
				n++
				return n == i+1
			}})
			if _, err := file(w, crashed, snap); err == nil {
				t.Fatal("the crashed attempt must fail")
			}
			leaked := func() []int64 {
				var out []int64
				for _, node := range w.nodesUnder(opentextsim.EnterpriseWorkspaceID) {
					if strings.Contains(node.Name, "Falcon meeting notes") || node.Name == "chart.png" || node.Name == "schedule.csv" {
						if readable(t, oscar, node.ID) {
							out = append(out, node.ID)
						}
					}
				}
				return out
			}
			if l := leaked(); len(l) > 0 {
				t.Errorf("after a crash before %s, oscar can read %v", call, l)
			}
			up, err := file(w, w.ot, snap)
			if err != nil {
				t.Fatal(err)
			}
			folder, ok := w.OTSim.NodeByNickname(attachmentsNickname(snap.PageID))
			if !ok || folder.ParentID != up.FolderID {
				t.Fatalf("attachment folder %+v (record folder %d)", folder, up.FolderID)
			}
			kids := w.OTSim.Children(folder.ID)
			if len(kids) != 2 {
				t.Fatalf("attachment documents: %+v", kids)
			}
			for _, k := range append(kids, folder) {
				if readable(t, oscar, k.ID) || !readable(t, lena, k.ID) {
					t.Errorf("%s (%d): oscar %t, lena %t", k.Name, k.ID, readable(t, oscar, k.ID), readable(t, lena, k.ID))
				}
			}
			if l := leaked(); len(l) > 0 {
				t.Errorf("after the retry oscar can read %v", l)
			}
		})
	}
}

// moveRE is a node move (PUT of the node itself) in recordWrites' list.
var moveRE = regexp.MustCompile(`^PUT /api/v2/nodes/[0-9]+$`)

// nodesUnder lists every node below root.
func (w *world) nodesUnder(root int64) []opentextsim.Node {
	var out []opentextsim.Node
	for _, c := range w.OTSim.Children(root) {
		out = append(out, c)
		out = append(out, w.nodesUnder(c.ID)...)
	}
	return out
}

// A restriction narrowed while a page was being filed (the event's run
// found no record yet) is seen by WriteBack, which reads the readers
// again, and NarrowRecords then takes oscar's access away: from a page
// restricted to lena and oscar, and from an open page alike.
func TestRestrictionChangedDuringFilingIsCaughtByWriteBack(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before []string // read restriction when the page is read; nil: open
	}{{"narrowed", []string{"557058:lena", "557058:oscar"}}, {"restricted after being open", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			w := accessWorld(t)
			ctx := context.Background()
			pageID := w.approvedPage(t, "Kestrel findings")
			if tc.before != nil {
				if err := w.ConfSim.SetRestriction(pageID, "read", tc.before, []string{"records-admins"}); err != nil {
					t.Fatal(err)
				}
			}
			snap := w.read(t, pageID)
			up, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: *snap})
			if err != nil {
				t.Fatal(err)
			}
			oscar := w.otcsAs(t, "oscar", "oscar-secret")
			if !readable(t, oscar, up.NodeID) {
				t.Fatal("precondition: oscar was a reader when the page was read")
			}
			if err := w.ConfSim.SetRestriction(pageID, "read", []string{"557058:lena"}, []string{"records-admins"}); err != nil {
				t.Fatal(err)
			}
			wb, err := w.conf.WriteBack(ctx, activities.WriteBackInput{PageID: pageID, Label: snap.PublishedLabel, Record: activities.RecordLink{NodeID: up.NodeID, Version: up.Version},
				Property: snap.RecordProperty, Readers: snap.Readers, SpaceID: snap.SpaceID, SpaceKey: snap.SpaceKey})
			if err != nil {
				t.Fatal(err)
			}
			if wb.Readers == nil {
				t.Fatal("WriteBack did not see the readers change")
			}
			res, err := w.ot.NarrowRecords(ctx, activities.RecordAccessInput{Records: []activities.RecordAccess{{PageID: pageID, NodeID: up.NodeID, Readers: wb.Readers}}})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Narrowed) != 1 || readable(t, oscar, up.NodeID) || !readable(t, w.otcsAs(t, "lena", "lena-secret"), up.NodeID) {
				t.Errorf("after narrowing %+v: oscar %t", res, readable(t, oscar, up.NodeID))
			}
		})
	}
}
