package pages

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/xecm-bridge/xecm-bridge/access"
	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/internal/lookup"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// ConfluenceActivities read and annotate the pages the bridge publishes,
// files or reviews (flows F1, F3, F7). They run on the Confluence task
// queue:
//
//   - ReadPage: a page version, checked against its space's rules
//   - WriteBack: the record link and the published label on the page
//   - SnapshotForReview, CheckPage, PostPageNote, ReturnToPage: the
//     Confluence side of the document lifecycle (confluence_lifecycle.go)
//   - ReadReviewComments: review decisions taken by page comment
//     (confluence_review_comments.go)
type ConfluenceActivities struct {
	Confluence *confluence.Client
	Rules      *mapping.Rules

	selfID   atomic.Value // the bridge's own account id, once read
	spaces   sync.Map     // space id -> cachedSpace: who may view it
	spaceIDs sync.Map     // space key -> id
	// reads makes the concurrent misses of those caches (a worker
	// starting with flows in flight) one request between them.
	reads lookup.Shared
}

// ReadPage reads a page version with its labels, the content properties the
// mapping needs and its attachment list, and checks that the space is mapped
// and the page carries the approval signal.
func (a *ConfluenceActivities) ReadPage(ctx context.Context, in activities.ReadPageInput) (_ *activities.PageSnapshot, err error) {
	defer func() { activities.Observe(ctx, "ReadPage", err) }()
	// Labels and properties come with the page (one request on Cloud); they
	// are read on their own only when the server did not include them whole.
	page, err := a.Confluence.GetPage(ctx, in.PageID, confluence.GetPageOptions{Version: in.Version, IncludeLabels: true, IncludeProperties: true, BodyFormat: "storage"})
	if rest.IsKind(err, rest.KindNotFound) {
		if in.Version > 0 {
			return nil, activities.NonRetryable(activities.TypePageNotFound, "Confluence page %s has no version %d (or the bridge's account cannot see it)", in.PageID, in.Version)
		}
		return nil, activities.NonRetryable(activities.TypePageNotFound, "Confluence page %s does not exist (or the bridge's account cannot see it)", in.PageID)
	}
	if err != nil {
		return nil, activities.BackendError("read page", err)
	}
	snap := &activities.PageSnapshot{
		PageID: page.ID, Title: page.Title, SpaceID: page.SpaceID, SpaceKey: page.SpaceKey,
		OwnerID: page.OwnerID, AuthorID: page.Version.AuthorID, URL: page.WebURL,
		Version: page.Version.Number, VersionAt: page.Version.CreatedAt,
	}
	if snap.OwnerID == "" {
		snap.OwnerID = page.AuthorID
	}
	if err := a.resolveSpace(ctx, snap); err != nil {
		return nil, err
	}
	rules, err := a.Rules.ForSpace(snap.SpaceKey)
	if err != nil {
		return nil, activities.BackendError("mapping", err)
	}
	labels := page.Labels
	if !page.LabelsIncluded {
		if labels, err = a.Confluence.Labels(ctx, page.ID); err != nil {
			return nil, activities.BackendError("read labels", err)
		}
	}
	for _, l := range labels {
		snap.Labels = append(snap.Labels, l.Name)
	}
	sort.Strings(snap.Labels)
	// A filed record or a draft is dated by its version; nobody approved it
	// (yet), so it names no approver. A publish names the approval below.
	snap.ApprovedAt = page.Version.CreatedAt
	target, err := a.chooseTarget(ctx, in, rules, page, snap)
	if err != nil {
		return nil, err
	}
	snap.Rule, snap.PublishedLabel = target.Rule, target.PublishedLabel
	snap.RecordProperty = includedState(page, activities.RecordPropertyKey)
	snap.StatusProperty = includedState(page, activities.RecordStatusPropertyKey)
	for _, key := range target.PropertyKeys() {
		prop, err := activities.PageProperty(ctx, a.Confluence, page, key)
		if err != nil {
			return nil, activities.BackendError("read property "+key, err)
		}
		if prop == nil {
			continue
		}
		if snap.Properties == nil {
			snap.Properties = map[string]json.RawMessage{}
		}
		snap.Properties[key] = prop.Value
	}
	// The attachments and the readers are independent reads: both at
	// once, so a publish waits for the longer, not for both.
	var attErr, readErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		snap.Attachments, attErr = a.attachmentsAsOf(ctx, page.ID, page.Version.CreatedAt)
	}()
	// Who may read the page now: Confluence keeps no history of
	// restrictions, so the version being filed gets today's readers.
	snap.Readers, readErr = a.readersOfPage(ctx, page, snap.SpaceID, snap.SpaceKey)
	wg.Wait()
	if attErr != nil {
		return nil, attErr
	}
	if readErr != nil {
		return nil, readErr
	}
	if err := a.checkIncludes(ctx, snap, page.Body); err != nil {
		return nil, err
	}
	return snap, nil
}

// chooseTarget checks that the page qualifies for the purpose and returns
// the rule that says where it goes: the space's publish rule for an
// approved page version (with its approval evidence), the first matching
// record rule for a record.
func (a *ConfluenceActivities) chooseTarget(ctx context.Context, in activities.ReadPageInput, space *mapping.Space, page *confluence.Page, snap *activities.PageSnapshot) (*mapping.Target, error) {
	if in.Purpose == activities.PurposeReview {
		return reviewTarget(space, snap)
	}
	if in.Purpose == activities.PurposeRecord {
		rr := space.RecordRuleFor(snap.Title, snap.Labels)
		if rr == nil {
			return nil, activities.NonRetryable(activities.TypeNotARecord, "Confluence page %s (%q) matches none of the record rules of space %s (by label or title)", snap.PageID, snap.Title, snap.SpaceKey)
		}
		snap.RecordType = rr.Type
		snap.ApprovalSignal = fmt.Sprintf("filed as a %s record", rr.Type)
		return &rr.Target, nil
	}
	if ap := in.Approval; ap != nil {
		if ap.PageVersion != page.Version.Number {
			return nil, activities.NonRetryable(activities.TypeInvalidInput, "the approval names page %s version %d, but the run publishes version %d", page.ID, ap.PageVersion, page.Version.Number)
		}
		rec := *ap
		if rec.Meaning == "" {
			rec.Meaning = space.Approval.Meaning
		}
		if err := activities.RecordApproval(ctx, a.Confluence, page.ID, rec); err != nil {
			return nil, err
		}
		// The approval log just changed: what the page included is stale.
		page.PropertiesIncluded, page.Properties = false, nil
	}
	verdict, err := activities.Judge(ctx, a.Confluence, space, page, snap.Labels, in.Version == 0, true)
	if err != nil {
		return nil, err
	}
	if verdict.Approved == nil {
		return nil, activities.NonRetryable(verdict.Type, "%s", verdict.Reason)
	}
	snap.ApprovalSignal = verdict.Approved.Signal
	snap.ApprovedBy, snap.ApprovedAt = verdict.Approved.By, verdict.Approved.At
	return &space.Target, nil
}

func (a *ConfluenceActivities) resolveSpace(ctx context.Context, snap *activities.PageSnapshot) error {
	var (
		space *confluence.Space
		err   error
	)
	if snap.SpaceID != "" {
		space, err = a.Confluence.GetSpace(ctx, snap.SpaceID)
	} else {
		space, err = a.Confluence.GetSpaceByKey(ctx, snap.SpaceKey)
	}
	if err != nil {
		return activities.BackendError("read space", err)
	}
	snap.SpaceID, snap.SpaceKey, snap.SpaceName = space.ID, space.Key, space.Name
	return nil
}

// WriteBack records the OTCS record on the page as a content property and a
// label. Neither creates a page version, and the webhook receiver ignores
// the bridge's own label, so this never triggers another publish.
func (a *ConfluenceActivities) WriteBack(ctx context.Context, in activities.WriteBackInput) (_ *activities.WriteBackResult, err error) {
	defer func() { activities.Observe(ctx, "WriteBack", err) }()
	if in.Property.Known {
		// ReadPage saw the property: write from that state (one request);
		// if it changed since (or a retry already wrote it), the client
		// re-reads and writes again.
		_, err = a.Confluence.SetPropertyFrom(ctx, in.PageID, activities.RecordPropertyKey, in.Property.Property(activities.RecordPropertyKey), in.Record)
	} else {
		_, err = a.Confluence.SetProperty(ctx, in.PageID, activities.RecordPropertyKey, in.Record)
	}
	if err != nil {
		return nil, activities.BackendError("write record property", err)
	}
	// Once the link is written, the label, the record's status and the
	// re-read of the page's readers are independent: made side by side
	// (each write is safe to repeat). The re-read catches a restriction
	// changed while the record was being filed (an open page restricted,
	// most of all): that change's own run found no record property yet,
	// so this run narrows the record.
	var statusErr, readersErr error
	var now *access.PageReaders
	var wg sync.WaitGroup
	if in.Status != nil {
		wg.Go(func() { statusErr = a.showFiledStatus(ctx, in) })
	}
	if in.Readers != nil { // nil: a run started before readers were read, nothing to compare
		wg.Go(func() { now, readersErr = a.readersOf(ctx, in.PageID, in.SpaceID, in.SpaceKey) })
	}
	if in.Label != "" {
		err = a.Confluence.AddLabels(ctx, in.PageID, in.Label)
	}
	wg.Wait()
	if rest.IsKind(err, rest.KindNotFound) {
		return nil, activities.NonRetryable(activities.TypePageNotFound, "Confluence page %s disappeared before the record link could be written", in.PageID)
	}
	if err != nil {
		return nil, activities.BackendError("add label", err)
	}
	if statusErr != nil {
		return nil, statusErr
	}
	if readersErr != nil {
		return nil, readersErr
	}
	out := &activities.WriteBackResult{}
	if now != nil && !sameReaders(now, in.Readers) {
		out.Readers = now
	}
	return out, nil
}

// includedState is what the page read saw of one of its properties
// (unknown when the read did not include properties).
func includedState(page *confluence.Page, key string) activities.PropertyState {
	prop, ok := activities.IncludedProperty(page, key)
	if !ok {
		return activities.PropertyState{}
	}
	st := activities.PropertyState{Known: true}
	if prop != nil {
		st.ID, st.Version = prop.ID, prop.Version
	}
	return st
}

// sameReaders reports whether two reads of a page's readers agree.
func sameReaders(a, b *access.PageReaders) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// self is the bridge's own Confluence account id, read once per worker.
func (a *ConfluenceActivities) self(ctx context.Context) (string, error) {
	if v, ok := a.selfID.Load().(string); ok && v != "" {
		return v, nil
	}
	id, err := lookup.Do(ctx, &a.reads, "self", func(ctx context.Context) (string, error) {
		if v, ok := a.selfID.Load().(string); ok && v != "" {
			return v, nil // read by a call that ended since the miss
		}
		u, err := a.Confluence.CurrentUser(ctx)
		if err != nil {
			return "", err
		}
		a.selfID.Store(u.AccountID)
		return u.AccountID, nil
	})
	if err != nil {
		return "", activities.BackendError("read the bridge's own Confluence account", err)
	}
	return id, nil
}
