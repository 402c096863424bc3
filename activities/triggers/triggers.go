package triggers

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// TriggerActivities decide which flow a changed page needs and start it.
// They run on the Confluence queue: deciding reads Confluence only.
//
//   - RoutePage: one changed page (webhook event or operator)
//   - ReconcileSpaces: every mapped space since its cursor, for the events
//     a webhook missed
type TriggerActivities struct {
	Confluence *confluence.Client
	Rules      *mapping.Rules
	Starter    activities.FlowStarter
}

// RoutePage reads the page's current version and starts the flow it
// qualifies for: FileRecord when a record rule matches, PublishPage when it
// carries its space's approval label, nothing otherwise.
func (a *TriggerActivities) RoutePage(ctx context.Context, in activities.RouteInput) (_ *activities.RouteResult, err error) {
	defer func() { activities.Observe(ctx, "RoutePage", err) }()
	page, err := a.Confluence.GetPage(ctx, in.PageID, confluence.GetPageOptions{})
	if rest.IsKind(err, rest.KindNotFound) {
		return &activities.RouteResult{PageID: in.PageID, Flow: activities.FlowNone, Reason: "page not found (deleted, or not visible to the bridge)"}, nil
	}
	if err != nil {
		return nil, activities.BackendError("read page", err)
	}
	if in.Event == activities.PermissionsEvent {
		// Only who may read changed: nothing to publish, but records of
		// the page and of its descendants may have to narrow.
		id, existing, err := a.Starter.StartFlow(ctx, activities.FlowAccess, page.ID, page.Version.Number, in.Cause)
		if err != nil {
			return nil, fmt.Errorf("start %s for page %s: %w", activities.FlowAccess, page.ID, err)
		}
		return &activities.RouteResult{PageID: page.ID, Version: page.Version.Number, Flow: activities.FlowAccess, Reason: "read access changed", WorkflowID: id, Existing: existing}, nil
	}
	spaceKey := page.SpaceKey
	if spaceKey == "" {
		space, err := a.Confluence.GetSpace(ctx, page.SpaceID)
		if err != nil {
			return nil, activities.BackendError("read space", err)
		}
		spaceKey = space.Key
	}
	labels, err := a.Confluence.Labels(ctx, page.ID)
	if err != nil {
		return nil, activities.BackendError("read labels", err)
	}
	names := make([]string, len(labels))
	for i, l := range labels {
		names[i] = l.Name
	}
	if err := a.recordLabelApproval(ctx, spaceKey, page, in); err != nil {
		return nil, err
	}
	ref := confluence.PageRef{ID: page.ID, Title: page.Title, SpaceKey: spaceKey, Version: page.Version.Number, Labels: names}
	res, err := a.route(ctx, ref, page, in.Cause)
	if err != nil {
		return nil, err
	}
	return res, a.startDocumentFlow(ctx, ref, in.Event, in.Cause, res)
}

// startDocumentFlow starts the OpenText → Confluence flow a changed page
// calls for: a document page is refreshed from OTCS; a page of a scanned
// space has its references brought up to date (only when its content may
// have changed: label events carry no new links).
func (a *TriggerActivities) startDocumentFlow(ctx context.Context, p confluence.PageRef, event, cause string, res *activities.RouteResult) error {
	var flow activities.Flow
	switch {
	case a.Rules.IsBridgePageSpace(p.SpaceKey):
		flow = activities.FlowDocumentPage
	case a.Rules.Documents != nil && a.Rules.ScansReferences(p.SpaceKey) && !strings.HasPrefix(event, "label_"):
		flow = activities.FlowReferences
	default:
		return nil
	}
	id, _, err := a.Starter.StartFlow(ctx, flow, p.ID, p.Version, cause)
	if err != nil {
		return fmt.Errorf("start %s for page %s v%d: %w", flow, p.ID, p.Version, err)
	}
	res.Documents = id
	return nil
}

// recordLabelApproval records who approved which version when the event
// is the approval label being added by a known account.
func (a *TriggerActivities) recordLabelApproval(ctx context.Context, spaceKey string, page *confluence.Page, in activities.RouteInput) error {
	space, err := a.Rules.ForSpace(spaceKey)
	if err != nil || in.Event != activities.EventLabelAdded || in.Actor == "" || in.Label == "" || in.Label != space.Approval.Label {
		return nil
	}
	labelled, err := a.versionAt(ctx, page, in.EventAt)
	if err != nil {
		return err
	}
	at := in.EventAt
	if at.IsZero() {
		at = time.Now().UTC()
	}
	return activities.RecordApproval(ctx, a.Confluence, page.ID, activities.Approval{
		PageVersion: labelled.Version.Number, By: in.Actor, At: at.UTC(), Source: activities.ApprovalByLabel,
		Signal: fmt.Sprintf("label %q added by %s", in.Label, in.Actor), Meaning: space.Approval.Meaning,
	})
}

// maxVersionWalk bounds the look back for the version a label was added to.
const maxVersionWalk = 20

// versionAt returns the page version that was current at t: the current
// one, unless the page was edited after t (between the event and now).
func (a *TriggerActivities) versionAt(ctx context.Context, page *confluence.Page, t time.Time) (*confluence.Page, error) {
	if t.IsZero() || !page.Version.CreatedAt.After(t) {
		return page, nil
	}
	for n := page.Version.Number - 1; n >= 1 && n >= page.Version.Number-maxVersionWalk; n-- {
		p, err := a.Confluence.GetPage(ctx, page.ID, confluence.GetPageOptions{Version: n})
		if err != nil {
			return nil, activities.BackendError(fmt.Sprintf("read page version %d", n), err)
		}
		if !p.Version.CreatedAt.After(t) {
			return p, nil
		}
	}
	return nil, activities.NonRetryable(activities.TypeNotApproved, "Confluence page %s: no version from before the label event at %s could be found", page.ID, t.Format(time.RFC3339))
}

// route starts the flow page p qualifies for. page is the full current
// version when the caller has it (nil: it is read when needed).
func (a *TriggerActivities) route(ctx context.Context, p confluence.PageRef, page *confluence.Page, cause string) (*activities.RouteResult, error) {
	res := &activities.RouteResult{PageID: p.ID, Version: p.Version, Flow: activities.FlowNone}
	flow, reason := activities.Decide(a.Rules, p.SpaceKey, p.Title, p.Labels)
	res.Reason = reason
	if flow == activities.FlowNone {
		return res, nil
	}
	if flow == activities.FlowPublish {
		ok, why, err := a.checkApproval(ctx, p, page, false)
		if err != nil {
			return nil, err
		}
		if !ok {
			res.Reason = why
			return res, nil
		}
	}
	id, existing, err := a.Starter.StartFlow(ctx, flow, p.ID, p.Version, cause)
	if err != nil {
		return nil, fmt.Errorf("start %s for page %s v%d: %w", flow, p.ID, p.Version, err)
	}
	res.Flow, res.WorkflowID, res.Existing = flow, id, existing
	return res, nil
}

// checkApproval says whether the current version of a page that looks
// approved really is (an approval of this version, by a known person or
// as the space allows), and resets the approval signal of a page edited
// after its approval when the space says so. A dry run reads the same
// evidence and reaches the same verdict, but writes nothing: no approval
// signal is removed and no content-state approval recorded.
func (a *TriggerActivities) checkApproval(ctx context.Context, p confluence.PageRef, page *confluence.Page, dryRun bool) (bool, string, error) {
	space, err := a.Rules.ForSpace(p.SpaceKey)
	if err != nil {
		return false, err.Error(), nil
	}
	if page == nil {
		page, err = a.Confluence.GetPage(ctx, p.ID, confluence.GetPageOptions{})
		if rest.IsKind(err, rest.KindNotFound) {
			return false, "page not found (deleted, or not visible to the bridge)", nil
		}
		if err != nil {
			return false, "", activities.BackendError("read page", err)
		}
	}
	if page.Version.Number != p.Version {
		// Edited since the search saw it: the newer version is judged by
		// the event (or reconciliation run) that the edit brings.
		return false, fmt.Sprintf("page changed to version %d since version %d was seen", page.Version.Number, p.Version), nil
	}
	verdict, err := activities.Judge(ctx, a.Confluence, space, page, p.Labels, true, !dryRun)
	if err != nil {
		return false, "", err
	}
	if verdict.Approved != nil {
		return true, "", nil
	}
	if verdict.Edited != nil && space.Approval.OnEdit == mapping.OnEditReset {
		if dryRun {
			return false, verdict.Why() + resetPreviewSuffix, nil
		}
		if err := a.resetApproval(ctx, space, p.ID, page.Version.Number, verdict.Edited); err != nil {
			return false, "", err
		}
		return false, verdict.Why() + resetSuffix, nil
	}
	return false, verdict.Why(), nil
}

// Suffixes of the reason of an edit after approval in a space whose
// on_edit is reset: what checkApproval did, or (dry run) would do.
const (
	resetSuffix        = " (approval signal removed, comment posted)"
	resetPreviewSuffix = " (the approval signal would be removed and a comment posted)"
)

// maxReported bounds the result (it is the next run's input and lives in
// history): counts are complete, the list is a sample.
const maxReported = 100

// ReconcileSpaces looks in every mapped space for pages changed since its
// cursor and starts whatever a webhook should have started. Starting is
// idempotent (deterministic ids), so overlap with webhooks costs nothing.
func (a *TriggerActivities) ReconcileSpaces(ctx context.Context, in activities.ReconcileInput) (_ *activities.ReconcileResult, err error) {
	defer func() { activities.Observe(ctx, "ReconcileSpaces", err) }()
	since := map[string]time.Time{}
	for _, c := range in.Cursors {
		since[c.SpaceKey] = c.Since
	}
	res := &activities.ReconcileResult{}
	for _, key := range a.Rules.ReferenceSpaces() {
		from, ok := since[key]
		if !ok {
			from = in.Now.Add(-in.Lookback)
		}
		pages, err := a.Confluence.ChangedPages(ctx, confluence.ChangedPagesOptions{SpaceKey: key, Since: from})
		if err != nil {
			return nil, activities.BackendError("search changed pages in "+key, err)
		}
		next := from
		for _, p := range pages {
			res.Pages++
			if p.SpaceKey == "" {
				p.SpaceKey = key
			}
			r, err := a.route(ctx, p, nil, "reconciliation")
			if err != nil {
				return nil, err
			}
			if err := a.startDocumentFlow(ctx, p, "", "reconciliation", r); err != nil {
				return nil, err
			}
			if r.Flow != activities.FlowNone || r.Documents != "" {
				res.StartedTotal++
				if len(res.Started) < maxReported {
					res.Started = append(res.Started, *r)
				}
			}
			if p.ModifiedAt.After(next) {
				next = p.ModifiedAt
			}
			if activity.IsActivity(ctx) {
				activity.RecordHeartbeat(ctx, p.ID)
			}
		}
		res.Cursors = append(res.Cursors, activities.SpaceCursor{SpaceKey: key, Since: next})
	}
	sort.Slice(res.Cursors, func(i, j int) bool { return res.Cursors[i].SpaceKey < res.Cursors[j].SpaceKey })
	return res, nil
}
