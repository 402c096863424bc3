package records

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	"github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

const lifeRules = activitytest.BaseRules + "    rm: {classification: 7001, official: true}\n"

// published files an approved page and links its record, as PublishPage
// does; it returns the page and the record's node.
func (w *world) published(t *testing.T, title string) (string, int64) {
	t.Helper()
	id := w.ApprovedPage(t, title, "<p>"+title+"</p>")
	st, err := w.ot.StoreRecord(context.Background(), activities.StoreInput{Page: *w.read(t, id)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.conf.WriteBack(context.Background(), activities.WriteBackInput{PageID: id, Label: "otcs-published",
		Record: activities.RecordLink{NodeID: st.Upload.NodeID, Version: st.Upload.Version, URL: w.OTCS.NodeURL(st.Upload.NodeID)}}); err != nil {
		t.Fatal(err)
	}
	return id, st.Upload.NodeID
}

// sweep is one pass of the record-status sweep over the pages, with conf
// as the Confluence side.
func (w *world) sweep(t *testing.T, conf *pages.ConfluenceActivities, ids ...string) (*activities.RecordStatusResult, error) {
	t.Helper()
	recs, err := w.conf.PageRecords(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	states, err := w.ot.RecordStates(context.Background(), activities.RecordStatesInput{Records: recs.Records})
	if err != nil {
		t.Fatal(err)
	}
	return conf.ShowRecordStatus(context.Background(), activities.RecordStatusInput{States: states})
}

func (w *world) status(t *testing.T, pageID string) activities.RecordStatus {
	t.Helper()
	raw, _, ok := w.ConfSim.Property(pageID, activities.RecordStatusPropertyKey)
	if !ok {
		t.Fatalf("page %s has no record status", pageID)
	}
	var st activities.RecordStatus
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// statusComments are the page's comments carrying a record status.
func (w *world) statusComments(pageID string) []string {
	var out []string
	for _, c := range w.ConfSim.Comments(pageID) {
		if strings.Contains(c.Body, "Record status:") {
			out = append(out, c.Body)
		}
	}
	return out
}

// edit saves a new version of the page as the editor, through the REST API.
func (w *world) edit(t *testing.T, pageID string) error {
	t.Helper()
	p, _ := w.ConfSim.Page(pageID)
	_, err := w.Person(t, "editor@example.com", "editor-token").UpdatePage(context.Background(), pageID, p.Title, "<p>edited</p>", p.Version+1, "")
	return err
}

func TestRecordStatusIsShownOnceWithoutAPageVersion(t *testing.T) {
	w := newWorld(t, lifeRules)
	id, node := w.published(t, "Status Policy")
	before, _ := w.ConfSim.Page(id)
	for range 2 {
		if _, err := w.sweep(t, w.conf, id); err != nil {
			t.Fatal(err)
		}
	}
	st := w.status(t, id)
	if st.State.NodeID != node || st.State.Version != 1 || st.State.Classification == "" || !st.State.Official || st.Seq != 1 {
		t.Fatalf("status %+v", st)
	}
	if !strings.Contains(st.Line, "RM classification "+st.State.Classification) || !strings.Contains(st.Line, "no hold") {
		t.Errorf("line %q", st.Line)
	}
	if c := w.statusComments(id); len(c) != 1 || !strings.Contains(c[0], "Open the record in OTCS") {
		t.Errorf("status comments %q", c)
	}
	if after, _ := w.ConfSim.Page(id); after.Version != before.Version {
		t.Errorf("page version %d -> %d", before.Version, after.Version)
	}
	// A declared record is a change shown once more.
	if err := w.OTCS.FinalizeRecords(context.Background(), node); err != nil {
		t.Fatal(err)
	}
	if _, err := w.sweep(t, w.conf, id); err != nil {
		t.Fatal(err)
	}
	if st := w.status(t, id); !st.State.Declared || st.Seq != 2 || len(w.statusComments(id)) != 2 {
		t.Errorf("after declaring: %+v, %d comments", st, len(w.statusComments(id)))
	}
}

func TestHoldFreezesTheSourceAndReleaseGivesBackTheAdminsRestriction(t *testing.T) {
	w := newWorld(t, lifeRules)
	id, node := w.published(t, "Held Policy")
	// The space admin restricted editing to the editor, lena and the
	// bridge (which writes the record link back).
	if err := w.ConfSim.SetRestriction(id, "update", []string{"557058:editor", "557058:lena", bridge}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := w.sweep(t, w.conf, id); err != nil {
		t.Fatal(err)
	}
	if err := w.edit(t, id); err != nil {
		t.Fatalf("editor's update before the hold: %v", err)
	}
	if err := w.OTSim.ApplyHold(node, opentext.LitigationHoldID); err != nil {
		t.Fatal(err)
	}
	res, err := w.sweep(t, w.conf, id)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(res.Frozen, id) {
		t.Errorf("result %+v", res)
	}
	if err := w.edit(t, id); !rest.IsKind(err, rest.KindForbidden) {
		t.Fatalf("editor's update during the hold: %v", err)
	}
	editor := w.Person(t, "editor@example.com", "editor-token")
	if _, err := editor.UploadAttachment(context.Background(), id, "late.txt", "text/plain", strings.NewReader("late"), ""); !rest.IsKind(err, rest.KindForbidden) {
		t.Fatalf("editor's attachment during the hold: %v", err)
	}
	st := w.status(t, id)
	if !strings.Contains(st.Line, "On legal hold: Litigation Hold 2026-01") || st.Freeze == nil {
		t.Errorf("status %+v", st)
	}
	if !slices.Contains(w.ConfSim.Labels(id), activities.HoldLabel) {
		t.Errorf("labels %v", w.ConfSim.Labels(id))
	}
	if c := w.statusComments(id); len(c) != 2 || !strings.Contains(c[1], "On legal hold: Litigation Hold 2026-01") {
		t.Errorf("comments %q", c)
	}
	if _, err := w.sweep(t, w.conf, id); err != nil { // nothing changed: nothing written
		t.Fatal(err)
	}
	if len(w.statusComments(id)) != 2 {
		t.Errorf("a second sweep commented again")
	}

	if err := w.OTCS.RemoveHold(context.Background(), node, opentext.LitigationHoldID); err != nil {
		t.Fatal(err)
	}
	res, err = w.sweep(t, w.conf, id)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(res.Released, id) {
		t.Errorf("result %+v", res)
	}
	r, _ := w.ConfSim.Restrictions(id)
	if !sameSet(r.UpdateUsers, []string{"557058:editor", "557058:lena", bridge}) || len(r.UpdateGroups) != 0 {
		t.Errorf("restriction after the release %+v, want the admin's", r)
	}
	if err := w.edit(t, id); err != nil {
		t.Fatalf("editor's update after the release: %v", err)
	}
	if _, err := editor.UploadAttachment(context.Background(), id, "late.txt", "text/plain", strings.NewReader("late"), ""); err != nil {
		t.Fatalf("editor's attachment after the release: %v", err)
	}
	if slices.Contains(w.ConfSim.Labels(id), activities.HoldLabel) || w.status(t, id).Freeze != nil {
		t.Errorf("still frozen: %v %+v", w.ConfSim.Labels(id), w.status(t, id))
	}
}

// killNthWrite fails the nth request that is not a GET, as if the worker
// died just before sending it.
func killNthWrite(n int, hit *atomic.Bool) activitytest.KillOn {
	var writes atomic.Int32
	return activitytest.KillOn{Next: http.DefaultTransport, Match: func(r *http.Request) bool {
		if r.Method == http.MethodGet {
			return false
		}
		if int(writes.Add(1)) == n {
			hit.Store(true)
			return true
		}
		return false
	}}
}

// Freeze and release are several writes each (status property,
// restriction, label, comment, property); a worker dying before any one
// of them is finished by the retry: frozen once, released to exactly the
// restriction people made, one comment each.
func TestFreezeAndReleaseFinishAfterAWorkerDiesBetweenWrites(t *testing.T) {
	w := newWorld(t, lifeRules)
	for _, phase := range []string{"freeze", "release"} {
		for n := 1; ; n++ {
			id, node := w.published(t, phase+" crash "+string(rune('A'+n)))
			if err := w.ConfSim.SetRestriction(id, "update", []string{"557058:lena", bridge}, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := w.sweep(t, w.conf, id); err != nil { // status shown before the hold
				t.Fatal(err)
			}
			if err := w.OTSim.ApplyHold(node, opentext.LitigationHoldID); err != nil {
				t.Fatal(err)
			}
			if phase == "release" {
				if _, err := w.sweep(t, w.conf, id); err != nil {
					t.Fatal(err)
				}
				if err := w.OTCS.RemoveHold(context.Background(), node, opentext.LitigationHoldID); err != nil {
					t.Fatal(err)
				}
			}
			var hit atomic.Bool
			dying := &pages.ConfluenceActivities{Confluence: w.ConfluenceVia(t, killNthWrite(n, &hit)), Rules: w.Rules}
			if _, err := w.sweep(t, dying, id); err == nil && hit.Load() {
				t.Fatalf("%s write %d: killed, yet no error", phase, n)
			}
			if !hit.Load() {
				if n == 1 {
					t.Fatalf("%s: no writes", phase)
				}
				t.Logf("%s: each of %d writes killed once", phase, n-1)
				break
			}
			if _, err := w.sweep(t, w.conf, id); err != nil {
				t.Fatalf("%s write %d: retry: %v", phase, n, err)
			}
			r, _ := w.ConfSim.Restrictions(id)
			editErr := w.edit(t, id)
			if phase == "freeze" {
				if !sameSet(r.UpdateGroups, []string{"records-admins"}) || !sameSet(r.UpdateUsers, []string{bridge}) {
					t.Errorf("freeze write %d: restriction %+v", n, r)
				}
				if c := w.statusComments(id); len(c) != 2 {
					t.Errorf("freeze write %d: %d status comments, want 2", n, len(c))
				}
				if !rest.IsKind(editErr, rest.KindForbidden) {
					t.Errorf("freeze write %d: editor's update %v", n, editErr)
				}
			} else {
				if !sameSet(r.UpdateUsers, []string{"557058:lena", bridge}) || len(r.UpdateGroups) != 0 {
					t.Errorf("release write %d: restriction %+v, want lena's", n, r)
				}
				if c := w.statusComments(id); len(c) != 3 {
					t.Errorf("release write %d: %d status comments, want 3", n, len(c))
				}
				if w.status(t, id).Freeze != nil {
					t.Errorf("release write %d: still frozen", n)
				}
			}
		}
	}
}

func sameSet(a, b []string) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(x string) bool { return !slices.Contains(b, x) })
}

// bridge is the bridge's account in the Confluence simulator.
const bridge = "557058:bridge"

func TestDisposalFlagsTheSourceAndRemovesNothing(t *testing.T) {
	w := newWorld(t, lifeRules)
	id, node := w.published(t, "Disposed Policy")
	if _, err := w.sweep(t, w.conf, id); err != nil {
		t.Fatal(err)
	}
	if err := w.OTSim.DeleteNode(node); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		res, err := w.sweep(t, w.conf, id)
		if err != nil {
			t.Fatal(err)
		}
		_ = res
	}
	p, ok := w.ConfSim.Page(id)
	if !ok || p.Status != "current" {
		t.Fatalf("page %+v", p)
	}
	if st := w.status(t, id); st.Disposal != "flag" || !st.State.Disposed {
		t.Errorf("status %+v", st)
	}
	if !slices.Contains(w.ConfSim.Labels(id), activities.DisposedLabel) {
		t.Errorf("labels %v", w.ConfSim.Labels(id))
	}
	if c := w.statusComments(id); len(c) != 2 || !strings.Contains(c[1], "was disposed of") || !strings.Contains(c[1], "Nothing was removed") {
		t.Errorf("comments %q", c)
	}
}

func TestDisposalArchiveMovesTheSourceAndRestrictsItToTheRecordsGroup(t *testing.T) {
	w := newWorld(t, lifeRules)
	archive := w.ConfSim.CreatePage("POL", "Records archive", "<p>archive</p>", "557058:editor")
	w.Rules.RecordLife = &mapping.RecordLife{RecordsGroup: "records-admins", OnDisposal: mapping.DisposalArchive, ArchivePage: archive.ID}
	id, node := w.published(t, "Archived Policy")
	if err := w.OTSim.DeleteNode(node); err != nil {
		t.Fatal(err)
	}
	// A worker dying before each write in turn: the retry finishes.
	for n := 1; ; n++ {
		var hit atomic.Bool
		dying := &pages.ConfluenceActivities{Confluence: w.ConfluenceVia(t, killNthWrite(n, &hit)), Rules: w.Rules}
		_, _ = w.sweep(t, dying, id)
		if !hit.Load() {
			break
		}
	}
	if _, err := w.sweep(t, w.conf, id); err != nil {
		t.Fatal(err)
	}
	p, _ := w.ConfSim.Page(id)
	if p.ParentID != archive.ID {
		t.Errorf("parent %q, want the archive %s", p.ParentID, archive.ID)
	}
	r, _ := w.ConfSim.Restrictions(id)
	if !sameSet(r.ReadGroups, []string{"records-admins"}) || !sameSet(r.ReadUsers, []string{bridge}) {
		t.Errorf("read restriction %+v", r)
	}
	if _, err := w.Person(t, "editor@example.com", "editor-token").GetPage(context.Background(), id, confluence.GetPageOptions{}); !rest.IsKind(err, rest.KindNotFound) && !rest.IsKind(err, rest.KindForbidden) {
		t.Errorf("the editor reads the archived page: %v", err)
	}
	if st := w.status(t, id); st.Disposal != "archive" {
		t.Errorf("status %+v", st)
	}
	if c := w.statusComments(id); len(c) != 1 {
		t.Errorf("comments %q", c)
	}
}

func TestDisposalTrashOnlyWhenNoOtherRecordOfThePageLives(t *testing.T) {
	w := newWorld(t, lifeRules)
	w.Rules.RecordLife = &mapping.RecordLife{RecordsGroup: "records-admins", OnDisposal: mapping.DisposalTrash, AllowTrash: true}
	id, node := w.published(t, "Trashed Policy")
	// An older record of the page, disposed of, while the page's identity
	// lives on in node: the page stays.
	raw, _, _ := w.ConfSim.Property(id, activities.RecordPropertyKey)
	var link activities.RecordLink
	_ = json.Unmarshal(raw, &link)
	old := link
	old.NodeID = node + 999999 // a node OTCS no longer has
	if _, err := w.ConfSim.SetProperty(id, activities.RecordPropertyKey, old); err != nil {
		t.Fatal(err)
	}
	if _, err := w.sweep(t, w.conf, id); err != nil {
		t.Fatal(err)
	}
	if p, _ := w.ConfSim.Page(id); p.Status != "current" {
		t.Fatalf("trashed while record %d lives: %+v", node, p)
	}
	if st := w.status(t, id); st.Disposal != "flag" || !st.State.OtherLive {
		t.Errorf("status %+v", st)
	}

	id2, node2 := w.published(t, "Trashed Policy 2")
	if err := w.OTSim.DeleteNode(node2); err != nil {
		t.Fatal(err)
	}
	if _, err := w.sweep(t, w.conf, id2); err != nil {
		t.Fatal(err)
	}
	if p, _ := w.ConfSim.Page(id2); p.Status != "trashed" {
		t.Errorf("page %+v, want trashed", p)
	}
}

// A page whose edit restriction leaves the bridge out is skipped and
// named; the other pages of the batch are shown.
func TestRecordStatusSkipsAPageThatShutsTheBridgeOut(t *testing.T) {
	w := newWorld(t, lifeRules)
	shut, _ := w.published(t, "Shut Policy")
	open, _ := w.published(t, "Open Policy")
	if err := w.ConfSim.SetRestriction(shut, "update", []string{"557058:lena"}, nil); err != nil {
		t.Fatal(err)
	}
	res, err := w.sweep(t, w.conf, shut, open)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Refused, []string{shut}) || !slices.Equal(res.Updated, []string{open}) {
		t.Errorf("result %+v", res)
	}
}

// The same on Data Center (REST v1 properties, comments, labels,
// restrictions by user key, trash by DELETE /rest/api/content).
func TestHoldFreezeAndTrashOnDataCenter(t *testing.T) {
	w := newWorld(t, lifeRules)
	w.Rules.RecordLife = &mapping.RecordLife{RecordsGroup: "records-admins", OnDisposal: mapping.DisposalTrash, AllowTrash: true}
	dcClient, err := confluence.New(confluence.Config{BaseURL: w.ConfURL, Flavor: confluence.DataCenter, Token: "demo-pat"})
	if err != nil {
		t.Fatal(err)
	}
	dc := &pages.ConfluenceActivities{Confluence: dcClient, Rules: w.Rules}
	id, node := w.published(t, "Data Center Policy")
	if err := w.OTSim.ApplyHold(node, opentext.LitigationHoldID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.sweep(t, dc, id); err != nil {
		t.Fatal(err)
	}
	if err := w.edit(t, id); !rest.IsKind(err, rest.KindForbidden) {
		t.Fatalf("editor's update during the hold: %v", err)
	}
	if st := w.status(t, id); !strings.Contains(st.Line, "On legal hold") || st.Freeze == nil || len(w.statusComments(id)) != 1 {
		t.Fatalf("status %+v, comments %q", st, w.statusComments(id))
	}
	if err := w.OTCS.RemoveHold(context.Background(), node, opentext.LitigationHoldID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.sweep(t, dc, id); err != nil {
		t.Fatal(err)
	}
	if r, _ := w.ConfSim.Restrictions(id); len(r.UpdateUsers)+len(r.UpdateGroups) != 0 {
		t.Errorf("restriction after the release %+v", r)
	}
	if err := w.edit(t, id); err != nil {
		t.Fatalf("editor's update after the release: %v", err)
	}
	if err := w.OTSim.DeleteNode(node); err != nil {
		t.Fatal(err)
	}
	if _, err := w.sweep(t, dc, id); err != nil {
		t.Fatal(err)
	}
	if p, _ := w.ConfSim.Page(id); p.Status != "trashed" {
		t.Errorf("page %+v, want trashed", p)
	}
}

// filed files an approved page and links its record with its status, as
// PublishPage does; it returns the write-back's input, for a retry.
func (w *world) filed(t *testing.T, conf *pages.ConfluenceActivities, id string) (activities.WriteBackInput, error) {
	t.Helper()
	snap := w.read(t, id)
	st, err := w.ot.StoreRecord(context.Background(), activities.StoreInput{Page: *snap})
	if err != nil {
		t.Fatal(err)
	}
	in := activities.WriteBackInput{PageID: id, Label: "otcs-published",
		Record: activities.RecordLink{NodeID: st.Upload.NodeID, Version: st.Upload.Version, URL: st.Upload.URL}, Property: snap.RecordProperty,
		Status: st.Status, StatusProperty: snap.StatusProperty}
	_, err = conf.WriteBack(context.Background(), in)
	return in, err
}

// A record shows on its page as soon as it is filed: the status property
// and one comment, no page version; the next sweep finds nothing to add.
func TestRecordStatusIsShownWhenTheRecordIsFiled(t *testing.T) {
	w := newWorld(t, lifeRules)
	id := w.ApprovedPage(t, "Filed Status Policy", "<p>Shown at once.</p>")
	before, _ := w.ConfSim.Page(id)
	in, err := w.filed(t, w.conf, id)
	if err != nil {
		t.Fatal(err)
	}
	status := w.status(t, id)
	if status.State.NodeID != in.Record.NodeID || status.State.Version != 1 || status.State.Classification == "" || !status.State.Official || status.Seq != 1 {
		t.Fatalf("status %+v", status)
	}
	if c := w.statusComments(id); len(c) != 1 || !strings.Contains(c[0], "RM classification") || !strings.Contains(c[0], "no hold") {
		t.Errorf("status comments %q", c)
	}
	if after, _ := w.ConfSim.Page(id); after.Version != before.Version {
		t.Errorf("page version %d -> %d", before.Version, after.Version)
	}
	res, err := w.sweep(t, w.conf, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Updated) != 0 || len(w.statusComments(id)) != 1 || w.status(t, id).Seq != 1 {
		t.Errorf("the sweep after the publish changed the status: %+v, %d comments", res, len(w.statusComments(id)))
	}
	// A new version's record is shown once more.
	if _, err := w.ConfSim.UpdatePage(id, "Filed Status Policy", "<p>Shown at once, version two.</p>", "557058:editor"); err != nil {
		t.Fatal(err)
	}
	if err := activities.RecordApproval(context.Background(), w.Conf, id, activities.Approval{PageVersion: 2, By: "557058:alice", Source: activities.ApprovalByOperator}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.filed(t, w.conf, id); err != nil {
		t.Fatal(err)
	}
	if s := w.status(t, id); s.State.Version != 2 || s.Seq != 2 || len(w.statusComments(id)) != 2 {
		t.Errorf("after version 2: %+v, %d comments", s, len(w.statusComments(id)))
	}
}

// The write-back with the status is several writes (record property,
// label, comment, status property); a worker dying before any one of them
// is finished by the retry: one comment, the status and the link there.
func TestFiledStatusFinishesAfterAWorkerDiesBetweenWrites(t *testing.T) {
	w := newWorld(t, lifeRules)
	for n := 1; ; n++ {
		id := w.ApprovedPage(t, "Filed crash "+string(rune('A'+n)), "<p>crash</p>")
		var hit atomic.Bool
		dying := &pages.ConfluenceActivities{Confluence: w.ConfluenceVia(t, killNthWrite(n, &hit)), Rules: w.Rules}
		in, err := w.filed(t, dying, id)
		if err == nil && hit.Load() {
			t.Fatalf("write %d: killed, yet no error", n)
		}
		if !hit.Load() {
			if n == 1 {
				t.Fatal("no writes")
			}
			t.Logf("each of %d writes killed once", n-1)
			break
		}
		if _, err := w.conf.WriteBack(context.Background(), in); err != nil { // the activity's retry
			t.Fatalf("write %d: retry: %v", n, err)
		}
		if c := w.statusComments(id); len(c) != 1 {
			t.Errorf("write %d: %d status comments, want 1", n, len(c))
		}
		if s := w.status(t, id); s.Seq != 1 || s.State.Version != 1 {
			t.Errorf("write %d: status %+v", n, s)
		}
		if !slices.Contains(w.ConfSim.Labels(id), "otcs-published") {
			t.Errorf("write %d: no published label", n)
		}
		if _, _, ok := w.ConfSim.Property(id, activities.RecordPropertyKey); !ok {
			t.Errorf("write %d: no record link", n)
		}
		if node, ok := w.OTSim.NodeByNickname(Nickname(id)); !ok || len(w.OTSim.Versions(node.ID)) != 1 {
			t.Errorf("write %d: the page's record is not one node with one version", n)
		}
	}
}
