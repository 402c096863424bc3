package triggers

import (
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
	"github.com/xecm-bridge/xecm-bridge/activities/records"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// lostAnswer sends the requests it matches, then fails as if the worker
// died before it read the answer: the write happened, the caller does
// not know it.
type lostAnswer struct {
	match func(*http.Request) bool
	next  http.RoundTripper
	hits  atomic.Int32
}

func (l *lostAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	if err == nil && l.match(r) {
		l.hits.Add(1)
		resp.Body.Close()
		return nil, errors.New("worker killed after the call")
	}
	return resp, err
}

// closeSpace runs the closure's activities in the order the CloseSpace
// workflow does, with members and parts handed on as the workflow hands
// them. Each OTCS step runs first on first(step) (a client that dies, say) and,
// when that attempt fails, again on retry, as Temporal retries an
// activity; it reports how many retried steps found their work done.
func closeSpace(t *testing.T, b *BackfillActivities, first func(step string) *records.OpenTextActivities, retry *records.OpenTextActivities, space string, limit int) (set *activities.RecordSet, found int) {
	t.Helper()
	ctx := context.Background()
	attempt := func(what string, call func(ot *records.OpenTextActivities) error) {
		t.Helper()
		err := call(first(what))
		if err == nil {
			return
		}
		if retry == nil {
			t.Fatalf("%s: %v", what, err)
		}
		if err := call(retry); err != nil {
			t.Fatalf("%s, retried: %v", what, err)
		}
	}
	attempt("open", func(ot *records.OpenTextActivities) (err error) {
		set, err = ot.OpenRecordSet(ctx, activities.OpenRecordSetInput{SpaceKey: space, Fresh: true})
		return err
	})
	if set.Sealed {
		return set, found
	}
	in := activities.RecordSetMembersInput{SpaceKey: space, Limit: limit}
	parts, members := 0, 0
	for {
		batch, err := b.RecordSetMembers(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(batch.Members) > 0 {
			parts++
			attempt("stage", func(ot *records.OpenTextActivities) error {
				res, err := ot.StageRecordSetPart(ctx, activities.RecordSetPartInput{SpaceKey: space, PartsID: set.PartsID, Part: parts, Members: batch.Members})
				if err == nil && res.Existing {
					found++
				}
				return err
			})
			members += len(batch.Members)
		}
		if !batch.More {
			break
		}
		in.After = batch.Next
	}
	seal := activities.SealRecordSetInput{SpaceKey: space, FolderID: set.FolderID, PartsID: set.PartsID, Parts: parts, Members: members}
	attempt("seal", func(ot *records.OpenTextActivities) (err error) {
		set, err = ot.SealRecordSet(ctx, seal)
		return err
	})
	return set, found
}

func TestCloseSpaceMakesOneSealedSetAndFinishesAfterACrash(t *testing.T) {
	w := newWorld(t, activitytest.RepoMapping(t))
	b, _ := w.backfill()
	var recorded []string
	for i := range 5 {
		id := w.ApprovedPage(t, "Closure Policy "+strconv.Itoa(i), "<p>x</p>")
		w.publish(t, id)
		recorded = append(recorded, id)
	}
	draft := w.ConfSim.CreatePage("POL", "Closure draft", "<p>x</p>", "557058:editor", "draft")

	// The first attempts lose the answer of every part's create (the part
	// is stored) and die before the manifest's RM classification (the
	// manifest is stored); their retries finish the job.
	var killed atomic.Int32
	lostPart := &records.OpenTextActivities{OTCS: w.OTCSVia(t, &lostAnswer{next: http.DefaultTransport, match: func(r *http.Request) bool {
		return r.Method == http.MethodPost && r.URL.Path == "/otcs/cs.exe/api/v2/nodes" && strings.Contains(r.Header.Get("Content-Type"), "multipart")
	}}), Rules: w.Rules}
	noRM := &records.OpenTextActivities{OTCS: w.OTCSVia(t, activitytest.KillOn{Next: http.DefaultTransport, Match: func(r *http.Request) bool {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/rmclassifications") {
			killed.Add(1)
			return true
		}
		return false
	}}), Rules: w.Rules}
	dying := func(step string) *records.OpenTextActivities {
		switch step {
		case "stage":
			return lostPart
		case "seal":
			return noRM
		}
		return w.Records
	}
	set, found := closeSpace(t, b, dying, w.Records, "POL", 2)
	if killed.Load() != 1 || found == 0 {
		t.Fatalf("killed classifications %d, parts found by a retry %d", killed.Load(), found)
	}
	if !set.Sealed || set.ManifestID == 0 || set.Classification == "" || set.Members < len(recorded) {
		t.Fatalf("set = %+v", set)
	}

	// One set, one manifest, no parts left; every recorded page once,
	// with the version and checksum OTCS stored.
	folder, ok := w.OTSim.FindPath(2000, append(mapping.DefaultClosureFolder[:1:1], "POL", "Record set POL")...)
	if !ok || folder.ID != set.FolderID {
		t.Fatalf("set folder %+v, want node %d", folder, set.FolderID)
	}
	kids := w.OTSim.Children(set.FolderID)
	if len(kids) != 1 || kids[0].Name != activities.ManifestName {
		t.Fatalf("the set holds %+v, want only the manifest", kids)
	}
	rows := manifestRows(t, w, set.ManifestID)
	seen := map[string]int{}
	for _, r := range rows[1:] {
		seen[r[0]]++
		node, _ := strconv.ParseInt(r[3], 10, 64)
		ver, _ := strconv.Atoi(r[4])
		vs := w.OTSim.Versions(node)
		if ver < 1 || ver > len(vs) || vs[ver-1].SHA256 != r[5] {
			t.Fatalf("row %v: the stored version's checksum differs (%+v)", r, vs)
		}
	}
	for _, id := range recorded {
		if seen[id] != 1 {
			t.Fatalf("page %s is %d times in the manifest", id, seen[id])
		}
	}
	if seen[draft.ID] != 0 {
		t.Fatal("an unrecorded page is in the manifest")
	}
	if rm := w.OTSim.RMClassifications(set.ManifestID); len(rm) != 1 || rm[0].ClassID != 7001 {
		t.Fatalf("manifest RM = %+v", rm)
	}

	// A second closure finds the sealed set and writes nothing.
	again, _ := closeSpace(t, b, func(string) *records.OpenTextActivities { return w.Records }, nil, "POL", 2)
	if !again.Sealed || again.FolderID != set.FolderID || again.ManifestID != set.ManifestID || again.SHA256 != set.SHA256 || again.Members != set.Members {
		t.Fatalf("second closure = %+v, first %+v", again, set)
	}
	if n := len(w.OTSim.Children(set.FolderID)); n != 1 {
		t.Fatalf("the set holds %d items after a second closure", n)
	}
}

func manifestRows(t *testing.T, w *world, nodeID int64) [][]string {
	t.Helper()
	vs := w.OTSim.Versions(nodeID)
	if len(vs) != 1 {
		t.Fatalf("manifest has %d versions", len(vs))
	}
	data, err := os.ReadFile(vs[0].BlobPath)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != strings.Join(activities.ManifestHeader, ",") {
		t.Fatalf("header %v", rows[0])
	}
	return rows
}

func TestCloseCheckNamesAnUnknownAndAnUnmappedSpace(t *testing.T) {
	w := newWorld(t, activitytest.RepoMapping(t))
	b, _ := w.backfill()
	ctx := context.Background()
	_, err := b.CloseCheck(ctx, activities.CloseCheckInput{SpaceKey: "NOSUCH"})
	if got := activitytest.ErrType(err); got != activities.TypeSpaceNotFound {
		t.Fatalf("unknown space: %s (%v)", got, err)
	}
	_, err = b.CloseCheck(ctx, activities.CloseCheckInput{SpaceKey: "ENG"})
	if got := activitytest.ErrType(err); got != activities.TypeNoMapping {
		t.Fatalf("unmapped space: %s (%v)", got, err)
	}
	res, err := b.CloseCheck(ctx, activities.CloseCheckInput{SpaceKey: "POL"})
	if err != nil || res.SpaceName != "Policies" || res.ReadOnly {
		t.Fatalf("POL: %+v, %v", res, err)
	}
}

func TestReadOnlyPagesRestrictsEveryPageOnce(t *testing.T) {
	rules := strings.Replace(activitytest.BaseRules, "    folder: Controlled Documents/Policies\n",
		"    folder: Controlled Documents/Policies\n    closure: {read_only: true, bridge_account: \"557058:bridge\", owners_group: records-admins}\n", 1)
	w := newWorld(t, rules)
	b, _ := w.backfill()
	ctx := context.Background()
	walkRO := func() (listed, restricted int) {
		in := activities.ReadOnlyPagesInput{SpaceKey: "POL", Limit: 3}
		for {
			batch, err := b.ReadOnlyPages(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			listed, restricted = listed+batch.Listed, restricted+batch.Restricted
			if !batch.More {
				return
			}
			in.After = batch.Next
		}
	}
	listed, restricted := walkRO()
	if listed == 0 || restricted != listed {
		t.Fatalf("listed %d, restricted %d", listed, restricted)
	}
	for _, p := range w.ConfSim.Pages() {
		if p.SpaceKey != "POL" || p.Status != "current" {
			continue
		}
		r, _ := w.ConfSim.Restrictions(p.ID)
		if strings.Join(r.UpdateUsers, ",") != "557058:bridge" || strings.Join(r.UpdateGroups, ",") != "records-admins" {
			t.Fatalf("page %s restrictions %+v", p.ID, r)
		}
	}
	if again, restricted := walkRO(); again != listed || restricted != 0 {
		t.Fatalf("second pass: listed %d, restricted %d", again, restricted)
	}
}

func TestCloseOfAPageTreeChecksTheRootAndListsTheTree(t *testing.T) {
	w := newWorld(t, activitytest.RepoMapping(t))
	b, _ := w.backfill()
	root, _, _, _ := pageTree(t, w)
	// The closure's listing walks the tree as the backfill does.
	m, err := b.RecordSetMembers(context.Background(), activities.RecordSetMembersInput{SpaceKey: "POL", RootPageID: root.ID, Limit: 10})
	if err != nil || m.Listed != 3 || m.More {
		t.Fatalf("members: %+v, %v", m, err)
	}
	if _, err := b.CloseCheck(context.Background(), activities.CloseCheckInput{SpaceKey: "POL", RootPageID: "999999"}); activitytest.ErrType(err) != activities.TypePageNotFound {
		t.Fatalf("unknown root: %v", err)
	}
	if res, err := b.CloseCheck(context.Background(), activities.CloseCheckInput{SpaceKey: "POL", RootPageID: root.ID}); err != nil || res.RootTitle != "Tree root" {
		t.Fatalf("root: %+v, %v", res, err)
	}
}
