package triggers

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
)

func (w *world) backfill() (*BackfillActivities, *startedFlows) {
	started := &startedFlows{}
	return &BackfillActivities{Confluence: w.Pages.Confluence, OTCS: w.Records.OTCS, Rules: w.Pages.Rules, Starter: started}, started
}

// walk decides the whole space a few pages at a time, following the cursor.
func walk(t *testing.T, b *BackfillActivities, space string, dryRun bool) []activities.BackfillDecision {
	t.Helper()
	var out []activities.BackfillDecision
	in := activities.BackfillBatchInput{SpaceKey: space, Limit: 3, DryRun: dryRun, Until: time.Now().Add(time.Minute)}
	for i := 0; ; i++ {
		batch, err := b.BackfillBatch(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if len(batch.Pages) > in.Limit {
			t.Fatalf("batch of %d pages, limit %d", len(batch.Pages), in.Limit)
		}
		out = append(out, batch.Pages...)
		if !batch.More {
			return out
		}
		if i > 100 {
			t.Fatal("the cursor does not advance")
		}
		in.After = batch.Next
	}
}

// publish stores a page version in OTCS and links it on the page, as a
// PublishPage run does (without classification, which the fast path does
// not look at).
func (w *world) publish(t *testing.T, pageID string) *activities.UploadResult {
	t.Helper()
	ctx := context.Background()
	snap := w.read(t, pageID)
	up, err := w.Records.UploadRendition(ctx, activities.UploadInput{Page: *snap})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Pages.WriteBack(ctx, activities.WriteBackInput{PageID: pageID, Label: snap.PublishedLabel, Record: activities.RecordLink{
		NodeID: up.NodeID, Version: up.Version, PageVersion: snap.Version, URL: up.URL, SHA256: up.SHA256, PublishedAt: time.Now().UTC(),
	}})
	if err != nil {
		t.Fatal(err)
	}
	return up
}

func TestBackfillDecidesEveryPageAsTheWebhookWould(t *testing.T) {
	w := newWorld(t, activitytest.RepoMapping(t))
	b, started := w.backfill()
	review := w.ConfSim.CreatePage("POL", "Travel Policy", "<p>Book early.</p>", "557058:bob", "in-review", "dept-finance")
	edited := w.ConfSim.CreatePage("POL", "Leave Policy", "<p>v1</p>", "557058:editor", "approved", "dept-hr")
	if err := activities.RecordApproval(context.Background(), w.Pages.Confluence, edited.ID, activities.Approval{PageVersion: 1, By: "557058:alice", Source: activities.ApprovalByOperator}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	if _, err := w.ConfSim.UpdatePage(edited.ID, edited.Title, "<p>v2</p>", "557058:editor"); err != nil {
		t.Fatal(err)
	}
	w.ConfSim.CreatePage("ENG", "Not in the backfill", "<p>x</p>", "557058:carol", "approved")

	// What Decide says of each page as it is before the backfill.
	type verdict struct {
		flow   activities.Flow
		reason string
	}
	decided := map[string]verdict{}
	for _, p := range w.ConfSim.Pages() {
		if p.SpaceKey == "POL" {
			flow, reason := activities.Decide(w.Pages.Rules, "POL", p.Title, w.ConfSim.Labels(p.ID))
			decided[p.ID] = verdict{flow, reason}
		}
	}
	want := len(decided)

	got := walk(t, b, "POL", false)
	if len(got) != want || want < 6 {
		t.Fatalf("decided %d pages, space POL has %d", len(got), want)
	}
	seen := map[string]bool{}
	for _, d := range got {
		if seen[d.PageID] {
			t.Fatalf("page %s decided twice", d.PageID)
		}
		seen[d.PageID] = true
		flow, reason := decided[d.PageID].flow, decided[d.PageID].reason
		switch {
		case d.PageID == edited.ID:
			// Decide says publish; the approval check says no, as routing's does.
			if flow != activities.FlowPublish || d.Flow != activities.FlowNone || d.SkipKind != string(activities.TypeEditedAfterApproval)+" (approval signal removed)" {
				t.Fatalf("edited after approval: %+v", d)
			}
		case d.Flow != flow || d.Reason != reason:
			t.Fatalf("page %s %q: backfill decided %s (%s), Decide says %s (%s)", d.PageID, d.Title, d.Flow, d.Reason, flow, reason)
		}
	}
	byID := func(id string) activities.BackfillDecision {
		i := slices.IndexFunc(got, func(d activities.BackfillDecision) bool { return d.PageID == id })
		return got[i]
	}
	if d := byID("100001"); d.Flow != activities.FlowPublish {
		t.Fatalf("the approved seed page: %+v", d)
	}
	if d := byID("100003"); d.Flow != activities.FlowFile {
		t.Fatalf("the seeded meeting notes: %+v", d)
	}
	if d := byID(review.ID); d.Flow != activities.FlowReview {
		t.Fatalf("a page carrying the submit label: %+v", d)
	}
	if d := byID("100002"); d.Flow != activities.FlowNone || d.SkipKind != d.Reason {
		t.Fatalf("a draft: %+v", d)
	}
	if len(started.flows) != 0 {
		t.Fatalf("deciding starts nothing (the workflow does): %v", started.flows)
	}
	// Like routing, a real run resets the approval signal of the edited page.
	if slices.Contains(w.ConfSim.Labels(edited.ID), "approved") {
		t.Fatal("on_edit reset removes the label, as the webhook would")
	}
}

func TestBackfillFastPathKnowsAPageRecordedAtItsCurrentVersion(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules)
	b, _ := w.backfill()
	ctx := context.Background()
	page := w.ConfSim.CreatePage("POL", "Records Policy", "<p>v1</p>", "557058:alice", "approved", "dept-legal")
	up := w.publish(t, page.ID)

	before := w.OTSim.Requests()
	versionsBefore := len(w.OTSim.Versions(up.NodeID))
	d, err := b.decide(ctx, pageRef(t, w, page.ID), false)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Recorded || d.Flow != activities.FlowNone || d.Reason != "already recorded at v1" || d.SkipKind != activities.SkipRecorded {
		t.Fatalf("a page recorded at its version: %+v", d)
	}
	if n := w.OTSim.Requests() - before; n > 2 {
		t.Fatalf("the fast path made %d OTCS requests; one version list (and perhaps a sign-in) is all it needs", n)
	}
	if n := len(w.OTSim.Versions(up.NodeID)); n != versionsBefore {
		t.Fatalf("versions %d -> %d", versionsBefore, n)
	}

	// A newer page version is not recorded: the record holds version 1.
	time.Sleep(2 * time.Millisecond)
	if _, err := w.ConfSim.UpdatePage(page.ID, page.Title, "<p>v2</p>", "557058:alice"); err != nil {
		t.Fatal(err)
	}
	d, err = b.decide(ctx, pageRef(t, w, page.ID), true)
	if err != nil {
		t.Fatal(err)
	}
	if d.Recorded || d.Version != 2 {
		t.Fatalf("a page recorded at an older version: %+v", d)
	}

	// A link naming the current version but a node that does not hold it
	// (deleted, or never written) is not taken on trust.
	other := w.ConfSim.CreatePage("POL", "Other Policy", "<p>v1</p>", "557058:alice", "approved", "dept-legal")
	if _, err := w.Pages.Confluence.SetProperty(ctx, other.ID, activities.RecordPropertyKey, activities.RecordLink{NodeID: up.NodeID, Version: 1, PageVersion: 1}); err != nil {
		t.Fatal(err)
	}
	if d, err := b.decide(ctx, pageRef(t, w, other.ID), true); err != nil || d.Recorded || d.Flow != activities.FlowPublish {
		t.Fatalf("another page's node does not record this one: %+v %v", d, err)
	}
	if err := w.OTSim.DeleteNode(up.NodeID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Pages.Confluence.SetProperty(ctx, page.ID, activities.RecordPropertyKey, activities.RecordLink{NodeID: up.NodeID, Version: 1, PageVersion: 2}); err != nil {
		t.Fatal(err)
	}
	if d, err := b.decide(ctx, pageRef(t, w, page.ID), true); err != nil || d.Recorded {
		t.Fatalf("a deleted node records nothing: %+v %v", d, err)
	}
}

func TestBackfillDryRunChangesNothing(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules)
	b, _ := w.backfill()
	ctx := context.Background()
	page := w.ConfSim.CreatePage("POL", "Leave Policy", "<p>v1</p>", "557058:editor", "approved", "dept-hr")
	if err := activities.RecordApproval(ctx, w.Pages.Confluence, page.ID, activities.Approval{PageVersion: 1, By: "557058:alice", Source: activities.ApprovalByOperator}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	if _, err := w.ConfSim.UpdatePage(page.ID, page.Title, "<p>v2</p>", "557058:editor"); err != nil {
		t.Fatal(err)
	}
	comments := len(w.ConfSim.Comments(page.ID))

	d, err := b.decide(ctx, pageRef(t, w, page.ID), true)
	if err != nil {
		t.Fatal(err)
	}
	if d.Flow != activities.FlowNone || !strings.HasPrefix(d.Reason, string(activities.TypeEditedAfterApproval)+": ") || !strings.HasSuffix(d.Reason, resetPreviewSuffix) {
		t.Fatalf("dry run: %+v", d)
	}
	if d.SkipKind != string(activities.TypeEditedAfterApproval)+" (approval signal would be removed)" {
		t.Fatalf("skip kind %q", d.SkipKind)
	}
	if !slices.Contains(w.ConfSim.Labels(page.ID), "approved") {
		t.Fatal("a dry run removed the approval label")
	}
	if n := len(w.ConfSim.Comments(page.ID)); n != comments {
		t.Fatal("a dry run commented on the page")
	}

	// The real decision is the same, and does what routing does.
	real, err := b.decide(ctx, pageRef(t, w, page.ID), false)
	if err != nil {
		t.Fatal(err)
	}
	if real.Flow != activities.FlowNone || !strings.HasSuffix(real.Reason, resetSuffix) {
		t.Fatalf("real run: %+v", real)
	}
	if slices.Contains(w.ConfSim.Labels(page.ID), "approved") {
		t.Fatal("the real run resets the approval signal")
	}
}

func TestBackfillDryRunRecordsNoContentStateApproval(t *testing.T) {
	w := newWorld(t, stateRules)
	b, _ := w.backfill()
	ctx := context.Background()
	page := w.ConfSim.CreatePage("POL", "Security policy", "<p>body</p>", "557058:editor", "dept-it")
	time.Sleep(3 * time.Millisecond)
	if _, err := w.ConfSim.SetContentState(page.ID, "Approved", "#57d9a3", "557058:ciso"); err != nil {
		t.Fatal(err)
	}
	dry, err := b.decide(ctx, pageRef(t, w, page.ID), true)
	if err != nil || dry.Flow != activities.FlowPublish {
		t.Fatalf("dry run: %+v %v", dry, err)
	}
	if log, _ := activities.ReadApprovals(ctx, w.Pages.Confluence, page.ID); len(log.Approvals) != 0 {
		t.Fatalf("a dry run recorded an approval: %+v", log)
	}
	real, err := b.decide(ctx, pageRef(t, w, page.ID), false)
	if err != nil || real.Flow != activities.FlowPublish {
		t.Fatalf("real run: %+v %v", real, err)
	}
	if log, _ := activities.ReadApprovals(ctx, w.Pages.Confluence, page.ID); len(log.Approvals) != 1 || log.Approvals[0].By != "557058:ciso" {
		t.Fatalf("the real run records who set the state: %+v", log)
	}
}

func TestBackfillBatchRefusesAnUnmappedSpace(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules)
	b, _ := w.backfill()
	if _, err := b.BackfillBatch(context.Background(), activities.BackfillBatchInput{SpaceKey: "ENG"}); activitytest.ErrType(err) != activities.TypeNoMapping {
		t.Fatalf("got %s: %v", activitytest.ErrType(err), err)
	}
}

func TestBackfillSinceLeavesOlderPagesOut(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules)
	b, _ := w.backfill()
	since := time.Now().UTC()
	time.Sleep(2 * time.Millisecond)
	page := w.ConfSim.CreatePage("POL", "New Policy", "<p>v1</p>", "557058:alice", "approved", "dept-legal")
	batch, err := b.BackfillBatch(context.Background(), activities.BackfillBatchInput{SpaceKey: "POL", Since: since})
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Pages) != 1 || batch.Pages[0].PageID != page.ID || batch.More {
		t.Fatalf("only the page modified since: %+v", batch)
	}
}

// pageRef is the page as the backfill's search lists it.
func pageRef(t *testing.T, w *world, pageID string) confluence.PageRef {
	t.Helper()
	p, ok := w.ConfSim.Page(pageID)
	if !ok {
		t.Fatalf("no page %s", pageID)
	}
	return confluence.PageRef{ID: p.ID, Title: p.Title, SpaceKey: "POL", Version: p.Version, Labels: w.ConfSim.Labels(pageID)}
}

// Many pages modified just before Since come first in the listing (CQL
// compares by the minute): the batch still finds the pages in range after
// them, instead of ending the backfill early.
func TestBackfillBatchSkipsAheadOfOlderPagesInTheSameMinute(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules)
	for i := 0; i < 130; i++ {
		w.ConfSim.CreatePage("POL", fmt.Sprintf("Older %03d", i), "<p>old</p>", "557058:editor", "approved")
	}
	time.Sleep(2 * time.Millisecond)
	since := time.Now().UTC()
	for i := 0; i < 3; i++ {
		w.ConfSim.CreatePage("POL", fmt.Sprintf("Newer %d", i), "<p>new</p>", "557058:editor", "approved")
	}
	b := &BackfillActivities{Confluence: w.Pages.Confluence, OTCS: w.Records.OTCS, Rules: w.Records.Rules}
	out, err := b.BackfillBatch(context.Background(), activities.BackfillBatchInput{SpaceKey: "POL", Since: since, DryRun: true, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Pages) != 3 {
		t.Fatalf("batch after 130 older pages of the same minute: %d pages, want the 3 newer ones", len(out.Pages))
	}
}

// searchCounter counts the CQL searches a client sends.
type searchCounter struct{ n atomic.Int32 }

func (c *searchCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/content/search") {
		c.n.Add(1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// A space filled by a bulk import (every page modified in the same
// minute) is walked in batches that each read about one batch of search
// results, not everything before the cursor again; every page is decided
// once, and a page edited between batches is decided again at its new
// version, at the end.
func TestBackfillOfPagesThatShareAMinuteReadsEachPageAboutOnce(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules)
	since := time.Now().UTC().Add(-time.Second)
	var ids []string
	for i := 0; i < 300; i++ {
		ids = append(ids, w.ConfSim.CreatePage("POL", fmt.Sprintf("Imported %03d", i), "<p>imported</p>", "557058:editor", "approved").ID)
		time.Sleep(200 * time.Microsecond) // an import's pages a fraction of a millisecond apart
	}
	counter := &searchCounter{}
	conf, err := confluence.New(confluence.Config{BaseURL: w.ConfURL, Email: "bridge@example.com", APIToken: "demo-token", HTTPClient: &http.Client{Transport: counter}})
	if err != nil {
		t.Fatal(err)
	}
	b := &BackfillActivities{Confluence: conf, OTCS: w.Records.OTCS, Rules: w.Records.Rules}
	in := activities.BackfillBatchInput{SpaceKey: "POL", Since: since, DryRun: true, Limit: 50}
	seen := map[string]int{}
	edited := false
	for batches := 0; ; batches++ {
		if batches > 20 {
			t.Fatal("the backfill does not end")
		}
		out, err := b.BackfillBatch(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range out.Pages {
			seen[fmt.Sprintf("%s v%d", p.PageID, p.Version)]++
		}
		if !edited && batches == 2 {
			// An editor saves a page the backfill already decided.
			time.Sleep(2 * time.Millisecond)
			if _, err := w.ConfSim.UpdatePage(ids[10], "Imported 010", "<p>edited</p>", "557058:editor"); err != nil {
				t.Fatal(err)
			}
			edited = true
		}
		in.After = out.Next
		if !out.More {
			break
		}
	}
	for _, id := range ids {
		if seen[id+" v1"] != 1 {
			t.Errorf("page %s v1 decided %d times", id, seen[id+" v1"])
		}
	}
	if seen[ids[10]+" v2"] != 1 || len(seen) != 301 {
		t.Errorf("the edited page's new version decided %d times; %d decisions in all, want 301", seen[ids[10]+" v2"], len(seen))
	}
	// 301 pages in batches of 50 need 7 batches; reading each page about
	// once is a few searches per batch (a quadratic walk needs over 40).
	if n := counter.n.Load(); n > 25 {
		t.Errorf("%d searches for 300 pages of one minute", n)
	}
	t.Logf("%d searches", counter.n.Load())
}

// twoAtOnce holds each record-property read until a second one is under
// way (or a few seconds pass, which fails the read): a batch that decides
// its pages one after another never gets past its first page.
type twoAtOnce struct {
	mu      chan struct{} // closed once two reads are in flight
	arrived atomic.Int32
}

func (r *twoAtOnce) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.Contains(req.URL.Path, "/properties") {
		if r.arrived.Add(1) == 2 {
			close(r.mu)
		}
		select {
		case <-r.mu:
		case <-time.After(5 * time.Second):
			return nil, fmt.Errorf("%s read alone: the batch decides one page at a time", req.URL.Path)
		}
	}
	return http.DefaultTransport.RoundTrip(req)
}

// A batch decides several pages at once, and returns them in the
// listing's order with the cursor after the last.
func TestBackfillBatchDecidesPagesAtOnce(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules)
	since := time.Now().UTC().Add(-time.Second)
	var ids []string
	for i := range 4 {
		ids = append(ids, w.ConfSim.CreatePage("POL", fmt.Sprintf("Concurrent decision %d", i), "<p>x</p>", "557058:alice", "approved", "dept-legal").ID)
	}
	b, _ := w.backfill()
	b.Confluence = w.ConfluenceVia(t, &twoAtOnce{mu: make(chan struct{})})
	batch, err := b.BackfillBatch(context.Background(), activities.BackfillBatchInput{SpaceKey: "POL", Since: since, Limit: 10, DryRun: true, Until: time.Now().Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range batch.Pages {
		got = append(got, d.PageID)
	}
	if !slices.Equal(got, ids) || batch.Next.PageID != ids[len(ids)-1] {
		t.Fatalf("decided %v (cursor after %s), want %v in order", got, batch.Next.PageID, ids)
	}
}
