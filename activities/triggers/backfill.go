package triggers

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// BackfillActivities list a whole space a batch at a time and decide each
// page exactly as a webhook or reconciliation would, for the Backfill
// workflow. They run on the Confluence queue; telling that a page is
// already recorded also asks OTCS, with one cheap call per recorded page
// (the node's version list) instead of a rendition.
//
//   - BackfillBatch: list the next batch after the cursor and decide it
//   - BackfillSubmit: submit a page version to its lifecycle
type BackfillActivities struct {
	Confluence *confluence.Client
	OTCS       *opentext.Client
	Rules      *mapping.Rules
	Starter    activities.FlowStarter
	// Flows is asked which flows are still running (AwaitFlows).
	Flows activities.FlowWatcher
}

// defaultBackfillBatch is the batch size when none is given.
const defaultBackfillBatch = 50

// BackfillBatch lists the space's pages after the cursor and decides up to
// Limit of them. The listing is the reconciliation search without a date
// (or from Since), ordered by last modification, so a page edited during
// the backfill moves behind the cursor and is decided at its new version
// (or left to the triggers, when edited after Until). Deciding is route
// without the start: the Backfill workflow starts the flows.
func (a *BackfillActivities) BackfillBatch(ctx context.Context, in activities.BackfillBatchInput) (_ *activities.BackfillBatch, err error) {
	defer func() { activities.Observe(ctx, "BackfillBatch", err) }()
	if _, err := a.Rules.ForSpace(in.SpaceKey); err != nil {
		return nil, activities.NonRetryable(activities.TypeNoMapping, "%v", err)
	}
	limit := in.Limit
	if limit <= 0 {
		limit = defaultBackfillBatch
	}
	from := in.Since
	if in.After.ModifiedAt.After(from) {
		from = in.After.ModifiedAt
	}
	listing, err := a.listAfter(ctx, in, from, limit)
	if err != nil {
		return nil, err
	}
	refs := listing.refs
	position := make(map[string]int, len(refs))
	for i, p := range refs {
		position[p.ID] = listing.start + i
	}
	// CQL orders by minute and the client widens the window: the exact
	// order and bounds are applied here, so batches never overlap.
	sort.SliceStable(refs, func(i, j int) bool {
		if !refs[i].ModifiedAt.Equal(refs[j].ModifiedAt) {
			return refs[i].ModifiedAt.Before(refs[j].ModifiedAt)
		}
		return refs[i].ID < refs[j].ID
	})
	out := &activities.BackfillBatch{Pages: []activities.BackfillDecision{}, Next: in.After}
	var batch []confluence.PageRef
	for _, p := range refs {
		if !in.Wants(p) {
			continue
		}
		if len(batch) == limit {
			out.More = true
			break
		}
		if p.SpaceKey == "" {
			p.SpaceKey = in.SpaceKey
		}
		batch = append(batch, p)
	}
	// Each page's decision is its own few reads (and, for a label
	// approval, its own write): a few pages are decided at once.
	decisions := make([]activities.BackfillDecision, len(batch))
	errs := make([]error, len(batch))
	var wg sync.WaitGroup
	sem := make(chan struct{}, backfillDecisions)
	for i, p := range batch {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			decisions[i], errs[i] = a.decide(ctx, p, in.DryRun)
			if activity.IsActivity(ctx) {
				activity.RecordHeartbeat(ctx, p.ID)
			}
		}()
	}
	wg.Wait()
	for i, p := range batch {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out.Pages = append(out.Pages, decisions[i])
		out.Next = activities.BackfillCursor{ModifiedAt: p.ModifiedAt, PageID: p.ID, Offset: position[p.ID], Query: listing.query}
	}
	return out, nil
}

// backfillDecisions is how many pages of a batch are decided at once.
const backfillDecisions = 8

// hintSlack is how many pages before the cursor's last position a batch
// starts reading: room for pages edited since (they move to the end).
const hintSlack = 10

// listing is one read of the space's pages: refs in the server's order,
// the first at index start of the search query.
type listing struct {
	refs  []confluence.PageRef
	start int
	query string
}

// listAfter lists the space's pages from the cursor on, reading only as
// many search result pages as a batch needs: the CQL window is a minute
// wide, so pages already behind the cursor may come first; the listing
// doubles until it holds a batch of pages after the cursor or the space
// has no more. When the cursor says where it stood in the same query, the
// listing starts hintSlack pages before that (pages edited since move to
// the end, shifting the rest forward); it is used only if its first
// page is older than the cursor, which proves that nothing after the
// cursor lies before it (the search orders by last modification), and is
// read from the start otherwise.
func (a *BackfillActivities) listAfter(ctx context.Context, in activities.BackfillBatchInput, from time.Time, limit int) (listing, error) {
	opt := confluence.ChangedPagesOptions{SpaceKey: in.SpaceKey, Ancestor: in.RootPageID, Since: from}
	l := listing{query: confluence.ChangedPagesCQL(opt)}
	first := 2 * limit
	if in.After.Query == l.query && in.After.Offset > hintSlack {
		l.start = in.After.Offset - hintSlack
		first = hintSlack + limit + 1 // up to the cursor, a batch, and one to tell whether more follow
	}
	backedOff := false
	for max := first; ; max *= 2 {
		opt.Start, opt.Max = l.start, max
		refs, err := a.Confluence.ChangedPages(ctx, opt)
		if err != nil {
			return listing{}, activities.BackendError("list pages of space "+in.SpaceKey, err)
		}
		if l.start > 0 && (len(refs) == 0 || !refs[0].ModifiedAt.Before(in.After.ModifiedAt)) {
			// Not proven (pages of the cursor's very millisecond, or many
			// edits since): further back once, then from the start.
			l.start, max = l.start-4*limit, limit
			if l.start < 0 || backedOff {
				l.start = 0
			}
			backedOff = true
			continue
		}
		after := 0
		for _, p := range refs {
			if in.Wants(p) {
				after++
			}
		}
		if after > limit || len(refs) < max {
			l.refs = refs
			return a.withRoot(ctx, in, l)
		}
	}
}

// withRoot adds a tree's root page to a listing of the pages below it
// (the CQL ancestor field leaves the page itself out): one search by id.
// Its position in the listing is unknown; the listing's start is a safe
// hint (listAfter reads from there and checks it).
func (a *BackfillActivities) withRoot(ctx context.Context, in activities.BackfillBatchInput, l listing) (listing, error) {
	if in.RootPageID == "" {
		return l, nil
	}
	root, err := a.Confluence.ChangedPages(ctx, confluence.ChangedPagesOptions{SpaceKey: in.SpaceKey, ID: in.RootPageID, Max: 1})
	if err != nil {
		return listing{}, activities.BackendError("read root page "+in.RootPageID, err)
	}
	l.refs = append(root, l.refs...)
	return l, nil
}

// decide applies the webhook's rules to one listed page (Decide, then the
// approval of the version), after the fast path: a page whose record
// already holds this version needs nothing, and finding that out costs a
// property read and a version list, never a rendition.
func (a *BackfillActivities) decide(ctx context.Context, p confluence.PageRef, dryRun bool) (activities.BackfillDecision, error) {
	d := activities.BackfillDecision{PageID: p.ID, Title: p.Title, Version: p.Version, Flow: activities.FlowNone}
	flow, reason := activities.Decide(a.Rules, p.SpaceKey, p.Title, p.Labels)
	if flow == activities.FlowNone {
		d.Reason, d.SkipKind = reason, reason
		return d, nil
	}
	recorded, err := a.recordedAt(ctx, p.ID, p.Version)
	if err != nil {
		return d, err
	}
	if recorded {
		d.Reason, d.SkipKind, d.Recorded = fmt.Sprintf("already recorded at v%d", p.Version), activities.SkipRecorded, true
		return d, nil
	}
	if flow == activities.FlowPublish {
		var (
			ok  bool
			why string
		)
		trig := &TriggerActivities{Confluence: a.Confluence, Rules: a.Rules, Starter: a.Starter}
		ok, why, err = trig.checkApproval(ctx, p, nil, dryRun)
		if err != nil {
			return d, err
		}
		if !ok {
			d.Reason, d.SkipKind = why, skipKind(why)
			return d, nil
		}
	}
	d.Flow, d.Reason = flow, reason
	return d, nil
}

// recordedAt says whether the page's record link names this page version
// and the OTCS node it names really holds it: the version the link names
// carries the page version's source marker, as UploadRendition writes it.
// Anything less (no link, an older version, a deleted node, a version
// without the marker) is not recorded, and the flow decides as usual.
func (a *BackfillActivities) recordedAt(ctx context.Context, pageID string, version int) (bool, error) {
	prop, err := a.Confluence.GetProperty(ctx, pageID, activities.RecordPropertyKey)
	if rest.IsKind(err, rest.KindNotFound) {
		return false, nil
	}
	if err != nil {
		return false, activities.BackendError("read record link", err)
	}
	var link activities.RecordLink
	if json.Unmarshal(prop.Value, &link) != nil || link.PageVersion != version || link.NodeID == 0 {
		return false, nil
	}
	versions, err := a.OTCS.Versions(ctx, link.NodeID)
	if rest.IsKind(err, rest.KindNotFound) {
		return false, nil
	}
	if err != nil {
		return false, activities.BackendError(fmt.Sprintf("list versions of OTCS node %d", link.NodeID), err)
	}
	marker := activities.SourceMarker(pageID, version)
	for _, v := range versions {
		if (link.Version == 0 || v.Number == link.Version) && (v.Description == marker || strings.HasPrefix(v.Description, marker+" ")) {
			return true, nil
		}
	}
	return false, nil
}

// skipKind is the reason a page was not approved without what is
// particular to the page: its error type, or the fixed text of the case.
func skipKind(why string) string {
	if strings.HasPrefix(why, "page changed to version ") {
		return "page changed since it was listed"
	}
	if typ, _, ok := strings.Cut(why, ": "); ok && !strings.Contains(typ, " ") {
		switch {
		case strings.HasSuffix(why, resetSuffix):
			return typ + " (approval signal removed)"
		case strings.HasSuffix(why, resetPreviewSuffix):
			return typ + " (approval signal would be removed)"
		}
		return typ
	}
	return why
}

// BackfillSubmit submits a page carrying its space's submit label to its
// document lifecycle, as a webhook would. Lifecycles run for days, so the
// backfill starts them and does not wait.
func (a *BackfillActivities) BackfillSubmit(ctx context.Context, in activities.BackfillSubmitInput) (_ *activities.BackfillSubmitResult, err error) {
	defer func() { activities.Observe(ctx, "BackfillSubmit", err) }()
	id, existing, err := a.Starter.StartFlow(ctx, activities.FlowReview, in.PageID, in.Version, in.RequestedBy)
	if err != nil {
		return nil, fmt.Errorf("submit page %s v%d for review: %w", in.PageID, in.Version, err)
	}
	return &activities.BackfillSubmitResult{WorkflowID: id, Existing: existing}, nil
}
