package records

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// twoFolderRules files approved pages into one folder and meeting notes
// into another, so two flows for one page target different folders.
const twoFolderRules = activitytest.BaseRules + `    records:
      - type: Meeting Notes
        match: {labels: [meeting-notes]}
        folder: Records/Meeting Notes
        category:
          id: 9001
          attributes:
            Source Page ID: {from: page.id}
            Source Version: {from: page.version}
`

// livePageNodes lists the nodes outside the Recycle Bin whose identity
// attribute names the page, in both target folders.
func (w *world) livePageNodes(t *testing.T, pageID string) []opentextsim.Node {
	t.Helper()
	var out []opentextsim.Node
	for _, path := range [][]string{{"Controlled Documents", "Policies"}, {"Records", "Meeting Notes"}} {
		folder, ok := w.OTSim.FindPath(opentextsim.EnterpriseWorkspaceID, path...)
		if !ok {
			continue
		}
		for _, n := range w.OTSim.Children(folder.ID) {
			if vals, _ := w.OTSim.CategoryValues(n.ID, 9001); fmt.Sprint(vals["9001_8"]) == pageID {
				out = append(out, n)
			}
		}
	}
	return out
}

func TestConcurrentFlowsIntoTwoFoldersEndWithOneNode(t *testing.T) {
	w := newWorld(t, twoFolderRules)
	ctx := context.Background()
	for i := 0; i < 12; i++ {
		page := w.ConfSim.CreatePage("POL", fmt.Sprintf("Committee %d", i), "<p>v1</p>", "557058:alice", "approved", "meeting-notes", "dept-legal")
		if _, err := w.ConfSim.UpdatePage(page.ID, page.Title, "<p>v2</p>", "557058:alice"); err != nil {
			t.Fatal(err)
		}
		// Version 1 is published while version 2 is filed, at the same time.
		snaps := []activities.PageSnapshot{w.readAs(t, page.ID, 1, activities.PurposePublish), w.readAs(t, page.ID, 2, activities.PurposeRecord)}
		results := make([]*activities.UploadResult, 2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for j := range snaps {
			wg.Add(1)
			go func(j int) {
				defer wg.Done()
				results[j], errs[j] = w.ot.UploadRendition(ctx, activities.UploadInput{Page: snaps[j]})
			}(j)
		}
		wg.Wait()
		for j, err := range errs {
			if err != nil {
				t.Fatalf("round %d flow %d: %v", i, j, err)
			}
		}
		if results[0].NodeID != results[1].NodeID {
			t.Fatalf("round %d: two records for one page: %d and %d", i, results[0].NodeID, results[1].NodeID)
		}
		if nodes := w.livePageNodes(t, page.ID); len(nodes) != 1 {
			t.Fatalf("round %d: %d live nodes for page %s: %+v", i, len(nodes), page.ID, nodes)
		}
		holder, ok := w.OTSim.NodeByNickname(Nickname(page.ID))
		if !ok || holder.ID != results[0].NodeID {
			t.Fatalf("round %d: nickname on %+v, record %d", i, holder, results[0].NodeID)
		}
		versions := w.OTSim.Versions(results[0].NodeID)
		if len(versions) != 2 {
			t.Fatalf("round %d: want page versions 1 and 2 on the one record, got %d versions", i, len(versions))
		}
		for _, r := range results {
			if err := w.ot.verifyStored(ctx, activities.VerifyInput{NodeID: r.NodeID, Version: r.Version, SHA256: r.SHA256, Size: r.Size}); err != nil {
				t.Fatalf("round %d: %v", i, err)
			}
		}
	}
}

func TestSamePageVersionFromTwoFlowsIsStoredOnceAndVerifies(t *testing.T) {
	w := newWorld(t, twoFolderRules)
	ctx := context.Background()
	page := w.ConfSim.CreatePage("POL", "Board minutes", "<p>minutes</p>", "557058:alice", "approved", "meeting-notes", "dept-legal")
	first, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: w.readAs(t, page.ID, 1, activities.PurposeRecord)})
	if err != nil {
		t.Fatal(err)
	}
	second, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: w.readAs(t, page.ID, 1, activities.PurposePublish)})
	if err != nil {
		t.Fatal(err)
	}
	if second.NodeID != first.NodeID || second.Version != first.Version || !second.Reused {
		t.Fatalf("the second flow must reuse the stored page version: %+v vs %+v", second, first)
	}
	if second.SHA256 != first.SHA256 {
		t.Fatalf("the reused version's checksum must be the stored bytes': %s vs %s", second.SHA256, first.SHA256)
	}
	if err := w.ot.verifyStored(ctx, activities.VerifyInput{NodeID: second.NodeID, Version: second.Version, SHA256: second.SHA256, Size: second.Size}); err != nil {
		t.Fatal(err)
	}
}

// failNickname makes every nickname call fail at the transport, as if the
// worker died after the document was created and before it was named.
type failNickname struct{ next http.RoundTripper }

func (f failNickname) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/nicknames") {
		return nil, errors.New("worker killed")
	}
	return f.next.RoundTrip(r)
}

// crashBeforeNickname runs an upload whose worker dies after the document
// is created and before it gets its nickname.
func (w *world) crashBeforeNickname(t *testing.T, snap activities.PageSnapshot) {
	t.Helper()
	if _, err := w.crashingOpenText(t).UploadRendition(context.Background(), activities.UploadInput{Page: snap}); err == nil {
		t.Fatal("the crashed attempt must fail")
	}
	if _, ok := w.OTSim.NodeByNickname(Nickname(snap.PageID)); ok {
		t.Fatal("precondition: the crashed attempt left the node without its nickname")
	}
}

func (w *world) crashingOpenText(t *testing.T) *OpenTextActivities {
	t.Helper()
	ot, err := opentext.New(opentext.Config{BaseURL: w.OTURL, Username: "bridge", Password: "bridge-secret",
		Retry:      rest.RetryConfig{Max: -1, WaitMin: time.Millisecond, WaitMax: time.Millisecond},
		HTTPClient: &http.Client{Transport: failNickname{next: http.DefaultTransport}}})
	if err != nil {
		t.Fatal(err)
	}
	return &OpenTextActivities{OTCS: ot, Confluence: w.ot.Confluence, Rules: w.ot.Rules}
}

func TestRetryAfterCrashBetweenCreateAndNicknameFinishesTheIdentity(t *testing.T) {
	w := newWorld(t, twoFolderRules)
	ctx := context.Background()
	snap := w.readAs(t, "100001", 0, activities.PurposePublish)
	w.crashBeforeNickname(t, snap)
	res, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: snap})
	if err != nil {
		t.Fatal(err)
	}
	holder, ok := w.OTSim.NodeByNickname(Nickname("100001"))
	if !ok || holder.ID != res.NodeID {
		t.Fatalf("the retry must set the nickname on the record: %+v, %+v", holder, res)
	}
	if !res.Reused || len(w.OTSim.Versions(res.NodeID)) != 1 {
		t.Fatalf("the retry must reuse the stored version: %+v", res)
	}
	if err := w.ot.verifyStored(ctx, activities.VerifyInput{NodeID: res.NodeID, Version: res.Version, SHA256: res.SHA256, Size: res.Size}); err != nil {
		t.Fatal(err)
	}
}

func TestCrashedLoserLeavesNoSecondNode(t *testing.T) {
	w := newWorld(t, twoFolderRules)
	ctx := context.Background()
	page := w.ConfSim.CreatePage("POL", "Weekly sync", "<p>v1</p>", "557058:alice", "approved", "meeting-notes", "dept-legal")
	// Flow A creates its node in the records folder and dies before naming it.
	filed := w.readAs(t, page.ID, 1, activities.PurposeRecord)
	w.crashBeforeNickname(t, filed)
	// Flow B publishes into the policies folder and claims the identity.
	published, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: w.readAs(t, page.ID, 1, activities.PurposePublish)})
	if err != nil {
		t.Fatal(err)
	}
	if !published.Created {
		t.Fatalf("flow B finds no named record and creates one: %+v", published)
	}
	// Flow A's retry finds B's record by nickname, discards its own stray
	// node and reuses the record.
	again, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: filed})
	if err != nil {
		t.Fatal(err)
	}
	if again.NodeID != published.NodeID {
		t.Fatalf("retry used node %d, record is %d", again.NodeID, published.NodeID)
	}
	if nodes := w.livePageNodes(t, page.ID); len(nodes) != 1 {
		t.Fatalf("%d live nodes: %+v", len(nodes), nodes)
	}
	if len(w.OTSim.RecycleBin()) != 1 {
		t.Fatalf("the stray node goes to the Recycle Bin, where it can be restored: %v", w.OTSim.RecycleBin())
	}
}

func TestStrayNodeSomeoneBuiltOnIsNeverDiscarded(t *testing.T) {
	w := newWorld(t, twoFolderRules)
	ctx := context.Background()
	page := w.ConfSim.CreatePage("POL", "Quarterly review", "<p>v1</p>", "557058:alice", "approved", "meeting-notes", "dept-legal")
	filed := w.readAs(t, page.ID, 1, activities.PurposeRecord)
	w.crashBeforeNickname(t, filed)
	stray := w.livePageNodes(t, page.ID)[0]
	if err := w.OTSim.ApplyHold(stray.ID, opentextsim.LitigationHoldID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: w.readAs(t, page.ID, 1, activities.PurposePublish)}); err != nil {
		t.Fatal(err)
	}
	_, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: filed})
	if activitytest.ErrType(err) != activities.TypeDuplicateRecord || !strings.Contains(err.Error(), "on hold") {
		t.Fatalf("got %s: %v", activitytest.ErrType(err), err)
	}
	if _, ok := w.OTSim.Node(stray.ID); !ok {
		t.Fatal("a held node must never be deleted")
	}
}

// A folder the worker resolved and cached is deleted: the next upload
// fails with a retryable error, and its retry makes the folder again.
func TestDeletedTargetFolderIsResolvedAgainOnRetry(t *testing.T) {
	w := newWorld(t, twoFolderRules)
	ctx := context.Background()
	snap := w.readAs(t, "100001", 0, activities.PurposePublish)
	first, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: snap})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.OTSim.DeleteNode(first.FolderID); err != nil {
		t.Fatal(err)
	}
	w.ConfSim.UpdatePage("100001", snap.Title, "<p>Version two.</p>", "557058:editor")
	_, err = w.ot.UploadRendition(ctx, activities.UploadInput{Page: snap})
	var appErr *temporal.ApplicationError
	if err == nil || (errors.As(err, &appErr) && appErr.NonRetryable()) {
		t.Fatalf("the attempt into the deleted folder must fail retryably, got %v", err)
	}
	again, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: snap})
	if err != nil {
		t.Fatal(err)
	}
	if again.FolderID == first.FolderID {
		t.Fatalf("the retry must resolve the folder path again: %+v", again)
	}
}

// diesAt is a worker that dies just before sending the first request
// match accepts: that request and every later one fail at the transport.
type diesAt struct {
	match  func(*http.Request) bool
	killed bool
}

func (k *diesAt) RoundTrip(r *http.Request) (*http.Response, error) {
	if k.killed || k.match(r) {
		k.killed = true
		return nil, errors.New("worker killed")
	}
	return http.DefaultTransport.RoundTrip(r)
}

// StoreRecord creates the first record of a page ReadPage saw without a
// record link straight away (no nickname lookup) and classifies the node
// it just made without the reads that find an earlier writer's work. A
// worker dying at any request of that path leaves what its retry
// finishes: one node with the nickname, one version, verified, with its
// category values and one RM classification.
func TestStoreRecordOfAnUnlinkedPageFinishesAfterACrashAtEveryStep(t *testing.T) {
	steps := map[string]func(*http.Request) bool{
		"create": func(r *http.Request) bool {
			return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/api/v2/nodes")
		},
		"nickname": func(r *http.Request) bool {
			return r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/nicknames")
		},
		"verify": func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/content") },
		"category": func(r *http.Request) bool {
			return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/categories/")
		},
		"rm": func(r *http.Request) bool {
			return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/rmclassifications")
		},
	}
	for name, match := range steps {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, activitytest.RepoMapping(t))
			ctx := context.Background()
			page := w.ConfSim.CreatePage("POL", "Unlinked policy", "<p>Body.</p>", "557058:bench", "approved", "dept-legal")
			snap := w.readAs(t, page.ID, 1, activities.PurposePublish)
			if !snap.RecordProperty.Known || snap.RecordProperty.ID != "" {
				t.Fatalf("precondition: ReadPage saw no record link: %+v", snap.RecordProperty)
			}
			kill := &diesAt{match: match}
			if _, err := w.openTextWith(t, kill).StoreRecord(ctx, activities.StoreInput{Page: snap}); err == nil || !kill.killed {
				t.Fatalf("the crashed attempt must fail at %s: %v", name, err)
			}
			res, err := w.ot.StoreRecord(ctx, activities.StoreInput{Page: snap})
			if err != nil {
				t.Fatal(err)
			}
			holder, ok := w.OTSim.NodeByNickname(Nickname(page.ID))
			if !ok || holder.ID != res.Upload.NodeID {
				t.Fatalf("the record must hold the nickname: %+v, %+v", holder, res.Upload)
			}
			if n := len(w.nodesNamed(w.Rules.Root, "Unlinked policy")); n != 1 {
				t.Fatalf("%d nodes named after the page, want 1", n)
			}
			if vs := w.OTSim.Versions(res.Upload.NodeID); len(vs) != 1 || vs[0].SHA256 != res.Upload.SHA256 {
				t.Fatalf("versions %+v", vs)
			}
			vals, _ := w.OTSim.CategoryValues(res.Upload.NodeID, 9001)
			if vals["9001_12"] != res.Upload.SHA256 {
				t.Fatalf("category values %v lack the checksum %s", vals, res.Upload.SHA256)
			}
			if rm := w.OTSim.RMClassifications(res.Upload.NodeID); len(rm) != 1 || rm[0].ClassID != 7001 || res.Classify.Classification == "" {
				t.Fatalf("rm %+v, result %+v", rm, res.Classify)
			}
		})
	}
}

// A hold put on a node between its create and its classification (the
// fast path skips the hold check of a node it just made) stops the flow
// with RecordOnHold, and the held node's category values and RM data are
// left as they were.
func TestHoldOnAFreshNodeBeforeClassifyIsNeverWritten(t *testing.T) {
	w := newWorld(t, activitytest.RepoMapping(t))
	ctx := context.Background()
	page := w.ConfSim.CreatePage("POL", "Held at birth", "<p>Body.</p>", "557058:bench", "approved", "dept-legal")
	snap := w.readAs(t, page.ID, 1, activities.PurposePublish)
	var held int64
	hold := holdAfterVerify{w: w, held: &held, t: t}
	_, err := w.openTextWith(t, hold).StoreRecord(ctx, activities.StoreInput{Page: snap})
	if activitytest.ErrType(err) != activities.TypeRecordOnHold {
		t.Fatalf("got %s: %v", activitytest.ErrType(err), err)
	}
	if held == 0 {
		t.Fatal("precondition: the hold was applied")
	}
	vals, _ := w.OTSim.CategoryValues(held, 9001)
	if vals["9001_12"] != nil && vals["9001_12"] != "" {
		t.Fatalf("the held node's checksum attribute was written: %v", vals)
	}
	if rm := w.OTSim.RMClassifications(held); len(rm) != 0 {
		t.Fatalf("the held node was classified: %+v", rm)
	}
}

// holdAfterVerify puts a litigation hold on the node as soon as its bytes
// have been read back.
type holdAfterVerify struct {
	w    *world
	held *int64
	t    *testing.T
}

func (h holdAfterVerify) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && strings.HasSuffix(r.URL.Path, "/content") && *h.held == 0 {
		var id int64
		if _, serr := fmt.Sscanf(r.URL.Path[strings.Index(r.URL.Path, "/nodes/")+len("/nodes/"):], "%d/", &id); serr != nil {
			h.t.Errorf("node id in %s: %v", r.URL.Path, serr)
		}
		if herr := h.w.OTSim.ApplyHold(id, opentextsim.LitigationHoldID); herr != nil {
			h.t.Errorf("apply hold: %v", herr)
		}
		*h.held = id
	}
	return resp, err
}
