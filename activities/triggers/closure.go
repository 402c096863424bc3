package triggers

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// The closure's Confluence side (`starter close`, the CloseSpace
// workflow), on BackfillActivities since it walks the space exactly as
// the backfill does:
//
//   - CloseCheck: the space exists and is mapped
//   - RecordSetMembers: the records of the next batch of pages
//   - ReadOnlyPages: restrict edits of the next batch of pages

// defaultMemberBatch is the closure's batch size when none is given: a
// batch of members is some 150 bytes a page in the history.
const defaultMemberBatch = 200

// CloseCheck makes sure the space can be closed: Confluence knows it
// (SpaceNotFound otherwise) and the mapping has rules for it (NoMapping).
func (a *BackfillActivities) CloseCheck(ctx context.Context, in activities.CloseCheckInput) (_ *activities.CloseCheckResult, err error) {
	defer func() { activities.Observe(ctx, "CloseCheck", err) }()
	sp, err := a.Confluence.GetSpaceByKey(ctx, in.SpaceKey)
	if rest.IsKind(err, rest.KindNotFound) || rest.IsKind(err, rest.KindForbidden) {
		return nil, activities.NonRetryable(activities.TypeSpaceNotFound, "Confluence has no space %q (or the bridge's account may not see it): nothing was closed", in.SpaceKey)
	}
	if err != nil {
		return nil, activities.BackendError("read space "+in.SpaceKey, err)
	}
	rules, err := a.Rules.ForSpace(in.SpaceKey)
	if err != nil {
		return nil, activities.NonRetryable(activities.TypeNoMapping, "%v: nothing was closed", err)
	}
	res := &activities.CloseCheckResult{SpaceKey: sp.Key, SpaceName: sp.Name, ReadOnly: rules.Closure.ReadOnly}
	if in.RootPageID != "" {
		root, err := a.Confluence.ChangedPages(ctx, confluence.ChangedPagesOptions{SpaceKey: in.SpaceKey, ID: in.RootPageID, Max: 1})
		if err != nil {
			return nil, activities.BackendError("read root page "+in.RootPageID, err)
		}
		if len(root) == 0 {
			return nil, activities.NonRetryable(activities.TypePageNotFound, "space %s has no page %s (or the bridge's account may not see it): nothing was closed", in.SpaceKey, in.RootPageID)
		}
		res.RootTitle = root[0].Title
	}
	return res, nil
}

// RecordSetMembers lists the next batch of the space's pages (the
// backfill's listing and order) and returns the record each one has: the
// version its record link names, when the OTCS node really holds it (the
// version carries the page version's source marker). A page without one
// counts as unrecorded; its bytes are never read.
func (a *BackfillActivities) RecordSetMembers(ctx context.Context, in activities.RecordSetMembersInput) (_ *activities.RecordSetMembersBatch, err error) {
	defer func() { activities.Observe(ctx, "RecordSetMembers", err) }()
	refs, next, more, err := a.pagesAfter(ctx, in.SpaceKey, in.RootPageID, in.After, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &activities.RecordSetMembersBatch{Members: []activities.RecordSetMember{}, Next: next, More: more, Listed: len(refs)}
	for _, p := range refs {
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, p.ID)
		}
		m, ok, err := a.recordOf(ctx, p)
		if err != nil {
			return nil, err
		}
		if !ok {
			out.Unrecorded++
			continue
		}
		out.Members = append(out.Members, m)
	}
	return out, nil
}

// recordOf is the page's record as its link names it, checked against
// OTCS: the named version exists and carries the source marker of the
// page version the link names.
func (a *BackfillActivities) recordOf(ctx context.Context, p confluence.PageRef) (activities.RecordSetMember, bool, error) {
	m := activities.RecordSetMember{PageID: p.ID, Title: p.Title}
	prop, err := a.Confluence.GetProperty(ctx, p.ID, activities.RecordPropertyKey)
	if rest.IsKind(err, rest.KindNotFound) {
		return m, false, nil
	}
	if err != nil {
		return m, false, activities.BackendError("read record link of page "+p.ID, err)
	}
	var link activities.RecordLink
	if json.Unmarshal(prop.Value, &link) != nil || link.NodeID == 0 || link.PageVersion == 0 {
		return m, false, nil
	}
	versions, err := a.OTCS.Versions(ctx, link.NodeID)
	if rest.IsKind(err, rest.KindNotFound) {
		return m, false, nil
	}
	if err != nil {
		return m, false, activities.BackendError(fmt.Sprintf("list versions of OTCS node %d", link.NodeID), err)
	}
	marker := activities.SourceMarker(p.ID, link.PageVersion)
	for _, v := range versions {
		if (link.Version == 0 || v.Number == link.Version) && (v.Description == marker || strings.HasPrefix(v.Description, marker+" ")) {
			m.PageVersion, m.NodeID, m.OTCSVersion, m.SHA256 = link.PageVersion, link.NodeID, v.Number, link.SHA256
			return m, true, nil
		}
	}
	return m, false, nil
}

// ReadOnlyPages restricts edits of the next batch of the space's pages to
// the mapping's closure.bridge_account and closure.owners_group. A page
// already restricted to exactly them is left alone, so a second closure
// writes nothing.
func (a *BackfillActivities) ReadOnlyPages(ctx context.Context, in activities.ReadOnlyPagesInput) (_ *activities.ReadOnlyPagesBatch, err error) {
	defer func() { activities.Observe(ctx, "ReadOnlyPages", err) }()
	rules, err := a.Rules.ForSpace(in.SpaceKey)
	if err != nil {
		return nil, activities.NonRetryable(activities.TypeNoMapping, "%v", err)
	}
	c := rules.Closure
	if !c.ReadOnly {
		return nil, activities.NonRetryable(activities.TypeInvalidInput, "space %s: the mapping does not make closed pages read-only (closure.read_only)", in.SpaceKey)
	}
	users := []string{c.BridgeAccount}
	var groups []string
	if c.OwnersGroup != "" {
		groups = []string{c.OwnersGroup}
	}
	refs, next, more, err := a.pagesAfter(ctx, in.SpaceKey, in.RootPageID, in.After, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &activities.ReadOnlyPagesBatch{Listed: len(refs), Next: next, More: more}
	for _, p := range refs {
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, p.ID)
		}
		cur, err := a.Confluence.Restrictions(ctx, p.ID)
		if rest.IsKind(err, rest.KindNotFound) {
			continue // deleted since it was listed
		}
		if err != nil {
			return nil, activities.BackendError("read restrictions of page "+p.ID, err)
		}
		if sameSet(cur.UpdateUsers, users) && sameSet(cur.UpdateGroups, groups) {
			continue
		}
		if err := a.Confluence.SetUpdateRestriction(ctx, p.ID, users, groups); err != nil {
			return nil, activities.BackendError("restrict edits of page "+p.ID, err)
		}
		out.Restricted++
	}
	return out, nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// pagesAfter is the next batch of up to limit pages of the space after
// the cursor (of the tree below rootPageID and the page itself, when
// given), in the backfill's order (last modification, then page id),
// the cursor after it, and whether more follow.
func (a *BackfillActivities) pagesAfter(ctx context.Context, spaceKey, rootPageID string, after activities.BackfillCursor, limit int) ([]confluence.PageRef, activities.BackfillCursor, bool, error) {
	if limit <= 0 {
		limit = defaultMemberBatch
	}
	in := activities.BackfillBatchInput{SpaceKey: spaceKey, RootPageID: rootPageID, After: after, Limit: limit}
	l, err := a.listAfter(ctx, in, after.ModifiedAt, limit)
	if err != nil {
		return nil, after, false, err
	}
	position := make(map[string]int, len(l.refs))
	for i, p := range l.refs {
		position[p.ID] = l.start + i
	}
	refs := l.refs
	sort.SliceStable(refs, func(i, j int) bool {
		if !refs[i].ModifiedAt.Equal(refs[j].ModifiedAt) {
			return refs[i].ModifiedAt.Before(refs[j].ModifiedAt)
		}
		return refs[i].ID < refs[j].ID
	})
	var out []confluence.PageRef
	next, more := after, false
	for _, p := range refs {
		if !in.Wants(p) {
			continue
		}
		if len(out) == limit {
			more = true
			break
		}
		out = append(out, p)
		next = activities.BackfillCursor{ModifiedAt: p.ModifiedAt, PageID: p.ID, Offset: position[p.ID], Query: l.query}
	}
	return out, next, more, nil
}

// awaitPoll is how often AwaitFlows asks Temporal again.
const awaitPoll = 2 * time.Second

// AwaitFlows waits until none of the flows is running, asking Temporal
// every few seconds and heartbeating in between, and returns those that
// ended without completing. A closure calls it for the flows its backfill
// found started by another trigger, so their records are in the manifest.
func (a *BackfillActivities) AwaitFlows(ctx context.Context, in activities.AwaitFlowsInput) (_ *activities.AwaitFlowsResult, err error) {
	defer func() { activities.Observe(ctx, "AwaitFlows", err) }()
	if a.Flows == nil {
		return nil, activities.NonRetryable(activities.TypeInvalidInput, "this worker cannot ask Temporal about flows: nothing to wait with")
	}
	ids := in.WorkflowIDs
	var failed []string
	for {
		running, unfinished, err := a.Flows.OpenFlows(ctx, ids)
		if err != nil {
			return nil, activities.BackendError("describe the flows of space "+in.SpaceKey, err)
		}
		// Only the running ones are asked about again.
		failed = append(failed, unfinished...)
		if len(running) == 0 {
			return &activities.AwaitFlowsResult{Unfinished: failed}, nil
		}
		activities.Heartbeat(ctx, len(running))
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(awaitPoll):
		}
		ids = running
	}
}
