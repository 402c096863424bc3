package pages

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"slices"
	"strconv"

	"go.temporal.io/sdk/activity"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// PageRecords reads which record each page links (its record property);
// pages without one, or gone, are left out.
func (a *ConfluenceActivities) PageRecords(ctx context.Context, pageIDs []string) (_ *activities.PageRecordsResult, err error) {
	defer func() { activities.Observe(ctx, "PageRecords", err) }()
	out := &activities.PageRecordsResult{}
	for i, id := range pageIDs {
		prop, err := a.Confluence.GetProperty(ctx, id, activities.RecordPropertyKey)
		if rest.IsKind(err, rest.KindNotFound) {
			continue
		}
		if err != nil {
			return nil, activities.BackendError("read the record of page "+id, err)
		}
		var link activities.RecordLink
		if json.Unmarshal(prop.Value, &link) == nil && link.NodeID != 0 {
			out.Records = append(out.Records, activities.PageRecord{PageID: id, NodeID: link.NodeID, URL: link.URL})
		}
		activities.Heartbeat(ctx, i+1)
	}
	return out, nil
}

// ShowRecordStatus shows each record's life on its source page, without
// a page version: the status property (RecordStatusPropertyKey) holds the
// state, and every change of it is posted once as a footer comment, which
// both Cloud and Data Center show. A held record freezes its page: only
// the bridge and the records group may edit it (attachments included)
// until the last hold is released, when exactly what the bridge added is
// taken away again. A disposed record's page gets the mapping's disposal
// policy (record_life.on_disposal).
//
// Every write is safe to repeat: what the bridge is about to change is
// written to the property before it changes it, so an attempt that died
// between two calls is finished by the retry, and a release knows what
// was there before the freeze.
func (a *ConfluenceActivities) ShowRecordStatus(ctx context.Context, in activities.RecordStatusInput) (_ *activities.RecordStatusResult, err error) {
	defer func() { activities.Observe(ctx, "ShowRecordStatus", err) }()
	out := &activities.RecordStatusResult{}
	for i, st := range in.States {
		err := a.showRecordStatus(ctx, st, out)
		var refused *refusedError
		if errors.As(err, &refused) {
			// A restriction that leaves the bridge out: this page only is
			// skipped, and named, until someone lets the bridge back in.
			if activity.IsActivity(ctx) {
				activity.GetLogger(ctx).Warn("Record status not shown: the bridge may not edit the page", "page", st.PageID, "error", refused.msg)
			}
			out.Refused = append(out.Refused, st.PageID)
			continue
		}
		if err != nil {
			return nil, err
		}
		activities.Heartbeat(ctx, i+1)
	}
	return out, nil
}

// statusPage is one page's status property as last read.
type statusPage struct {
	a    *ConfluenceActivities
	id   string
	prop *confluence.Property // nil: none yet
	cur  activities.RecordStatus
	gone bool
	// fresh: no earlier attempt can have posted a status comment, so
	// none is looked for before posting.
	fresh bool
}

func (s *statusPage) save(ctx context.Context, next activities.RecordStatus) error {
	prop, err := s.a.Confluence.SetPropertyFrom(ctx, s.id, activities.RecordStatusPropertyKey, s.prop, next)
	if rest.IsKind(err, rest.KindNotFound) {
		s.gone = true
		return nil
	}
	if err != nil {
		return statusError("write the record status of page "+s.id, err)
	}
	s.prop, s.cur = prop, next
	return nil
}

func (a *ConfluenceActivities) showRecordStatus(ctx context.Context, st activities.RecordState, out *activities.RecordStatusResult) error {
	sp, err := a.readStatus(ctx, st.PageID)
	if err != nil {
		return err
	}
	return a.showStatus(ctx, sp, st, out)
}

// readStatus reads a page's status property.
func (a *ConfluenceActivities) readStatus(ctx context.Context, pageID string) (*statusPage, error) {
	sp := &statusPage{a: a, id: pageID}
	prop, err := a.Confluence.GetProperty(ctx, pageID, activities.RecordStatusPropertyKey)
	switch {
	case rest.IsKind(err, rest.KindNotFound):
	case err != nil:
		return nil, statusError("read the record status of page "+pageID, err)
	default:
		sp.prop = prop
		_ = json.Unmarshal(prop.Value, &sp.cur) // unreadable: shown again from scratch
	}
	return sp, nil
}

// showFiledStatus shows a record just filed on its page, as the sweep
// would (property and comment), so the page shows it is a record at once.
// A first publish's page read said the page has neither a record link nor
// a status yet: then the property is not read again, and on the first
// attempt no status comment can be there to look for. A page whose edit
// restriction leaves the bridge out is logged, not failed: the record is
// filed, and the sweep shows the status once the bridge may edit.
func (a *ConfluenceActivities) showFiledStatus(ctx context.Context, in activities.WriteBackInput) error {
	var sp *statusPage
	if in.StatusProperty.Known && in.StatusProperty.ID == "" {
		sp = &statusPage{a: a, id: in.PageID, fresh: activities.FirstAttempt(ctx) && in.Property.Known && in.Property.ID == ""}
	} else {
		var err error
		if sp, err = a.readStatus(ctx, in.PageID); err != nil {
			return err
		}
	}
	err := a.showStatus(ctx, sp, *in.Status, &activities.RecordStatusResult{})
	var refused *refusedError
	if errors.As(err, &refused) {
		if activity.IsActivity(ctx) {
			activity.GetLogger(ctx).Warn("Record status not shown: the bridge may not edit the page", "page", in.PageID, "error", refused.msg)
		}
		return nil
	}
	return err
}

// showStatus brings one page's status (sp, as read) to st.
func (a *ConfluenceActivities) showStatus(ctx context.Context, sp *statusPage, st activities.RecordState, out *activities.RecordStatusResult) error {
	rl := a.Rules.RecordLifeOf()
	next := sp.cur
	next.State, next.Line = st, st.Line()
	changed := next.Line != sp.cur.Line
	if changed {
		next.Seq = sp.cur.Seq + 1
	}
	var extra string
	switch {
	case st.Held():
		froze, err := a.freeze(ctx, sp, rl, st)
		if err != nil || sp.gone {
			return err
		}
		next.Freeze = sp.cur.Freeze
		if froze {
			out.Frozen = append(out.Frozen, st.PageID)
		}
		if changed {
			if err := a.label(ctx, st.PageID, activities.HoldLabel); err != nil {
				return err
			}
		}
		extra = fmt.Sprintf("Only the bridge and the group %s may edit this page until the hold is released.", rl.RecordsGroup)
	case sp.cur.Freeze != nil:
		if err := a.unfreeze(ctx, sp); err != nil || sp.gone {
			return err
		}
		if err := a.Confluence.RemoveLabel(ctx, st.PageID, activities.HoldLabel); err != nil && !rest.IsKind(err, rest.KindNotFound) {
			return statusError("remove the hold label of page "+st.PageID, err)
		}
		next.Freeze = nil
		out.Released = append(out.Released, st.PageID)
		extra = "The hold was released: the page's edit restriction is as it was before."
	}
	if st.Disposed && (sp.cur.Disposal == "" || sp.cur.Disposal == mapping.DisposalTrash) {
		return a.dispose(ctx, sp, rl, st, next, out)
	}
	if changed {
		if err := a.statusComment(ctx, st, next, extra, sp.fresh); err != nil {
			return err
		}
	}
	if changed || next.Freeze != sp.cur.Freeze || sp.prop == nil {
		if err := sp.save(ctx, next); err != nil {
			return err
		}
	}
	if changed && !sp.gone {
		out.Updated = append(out.Updated, st.PageID)
	}
	return nil
}

// frozenTo is who may edit a frozen page.
func (a *ConfluenceActivities) frozenTo(ctx context.Context, rl mapping.RecordLife) ([]string, []string, error) {
	self, err := a.self(ctx)
	if err != nil {
		return nil, nil, err
	}
	return []string{self}, []string{rl.RecordsGroup}, nil
}

// freeze edit-restricts a held record's page to the bridge and the
// records group. What the page's edit restriction was, and what the
// bridge adds, is written first; a restriction someone made since (a
// space admin, during the hold) is added to what a release gives back.
// It reports whether the page was frozen just now.
func (a *ConfluenceActivities) freeze(ctx context.Context, sp *statusPage, rl mapping.RecordLife, st activities.RecordState) (bool, error) {
	users, groups, err := a.frozenTo(ctx, rl)
	if err != nil {
		return false, err
	}
	r, err := a.Confluence.Restrictions(ctx, sp.id)
	if rest.IsKind(err, rest.KindNotFound) {
		sp.gone = true
		return false, nil
	}
	if err != nil {
		return false, statusError("read the restrictions of page "+sp.id, err)
	}
	first := sp.cur.Freeze == nil
	f := activities.Freeze{Holds: st.Holds}
	if first {
		f.PriorUsers, f.PriorGroups = r.UpdateUsers, r.UpdateGroups
		f.AddedUsers, f.AddedGroups = minus(users, r.UpdateUsers), minus(groups, r.UpdateGroups)
	} else {
		f = *sp.cur.Freeze
		f.Holds = st.Holds
		known := func(prior, added, frozen []string) func(string) bool {
			return func(x string) bool {
				return slices.Contains(prior, x) || slices.Contains(added, x) || slices.Contains(frozen, x)
			}
		}
		f.PriorUsers = appendNew(f.PriorUsers, r.UpdateUsers, known(f.PriorUsers, f.AddedUsers, users))
		f.PriorGroups = appendNew(f.PriorGroups, r.UpdateGroups, known(f.PriorGroups, f.AddedGroups, groups))
	}
	if first || !sameJSON(&f, sp.cur.Freeze) {
		rec := sp.cur
		rec.Freeze = &f
		if err := sp.save(ctx, rec); err != nil || sp.gone {
			return false, err
		}
	}
	if !sameSet(r.UpdateUsers, users) || !sameSet(r.UpdateGroups, groups) {
		if err := a.Confluence.SetUpdateRestriction(ctx, sp.id, users, groups); err != nil {
			return false, statusError("freeze page "+sp.id+" for its record's hold", err)
		}
	}
	return first, nil
}

// unfreeze gives the page back its edit restriction: what was there
// before the freeze, plus anything someone added since, minus what the
// bridge added.
func (a *ConfluenceActivities) unfreeze(ctx context.Context, sp *statusPage) error {
	f := sp.cur.Freeze
	r, err := a.Confluence.Restrictions(ctx, sp.id)
	if rest.IsKind(err, rest.KindNotFound) {
		sp.gone = true
		return nil
	}
	if err != nil {
		return statusError("read the restrictions of page "+sp.id, err)
	}
	users := appendNew(slices.Clone(f.PriorUsers), minus(r.UpdateUsers, f.AddedUsers), func(string) bool { return false })
	groups := appendNew(slices.Clone(f.PriorGroups), minus(r.UpdateGroups, f.AddedGroups), func(string) bool { return false })
	if sameSet(r.UpdateUsers, users) && sameSet(r.UpdateGroups, groups) {
		return nil // a retry: done before
	}
	if err := a.Confluence.SetUpdateRestriction(ctx, sp.id, users, groups); err != nil {
		return statusError("release page "+sp.id+" after its record's hold", err)
	}
	return nil
}

// dispose applies the disposal policy to the page of a disposed record.
func (a *ConfluenceActivities) dispose(ctx context.Context, sp *statusPage, rl mapping.RecordLife, st activities.RecordState, next activities.RecordStatus, out *activities.RecordStatusResult) error {
	policy := rl.OnDisposal
	text := "Nothing was removed from this page."
	if policy == mapping.DisposalTrash && st.OtherLive {
		policy, text = mapping.DisposalFlag, "It is not moved to the trash: another record of this page is still kept."
	}
	switch policy {
	case mapping.DisposalArchive:
		users, groups, err := a.frozenTo(ctx, rl)
		if err != nil {
			return err
		}
		// Narrow first, then move: the page is never readable by more
		// people than before.
		if err := a.Confluence.SetReadRestriction(ctx, st.PageID, users, groups); err != nil {
			return statusError("restrict the disposed record's page "+st.PageID, err)
		}
		if err := a.Confluence.MovePage(ctx, st.PageID, rl.ArchivePage); err != nil {
			return statusError("move the disposed record's page "+st.PageID+" under "+rl.ArchivePage, err)
		}
		text = fmt.Sprintf("The page was moved to the archive; only the group %s may read it.", rl.RecordsGroup)
	case mapping.DisposalTrash:
		text = "The page is moved to the space's trash, from where a space admin can restore it."
	}
	if err := a.label(ctx, st.PageID, activities.DisposedLabel); err != nil {
		return err
	}
	if next.Seq == sp.cur.Seq {
		next.Seq++
	}
	if err := a.statusComment(ctx, st, next, text, false); err != nil {
		return err
	}
	next.Disposal = policy
	if err := sp.save(ctx, next); err != nil || sp.gone {
		return err
	}
	if policy == mapping.DisposalTrash {
		if err := a.Confluence.TrashPage(ctx, st.PageID); err != nil {
			return statusError("move the disposed record's page "+st.PageID+" to the trash", err)
		}
	}
	out.Disposed = append(out.Disposed, st.PageID)
	return nil
}

// statusComment posts the status once (its sequence number names it).
func (a *ConfluenceActivities) statusComment(ctx context.Context, st activities.RecordState, next activities.RecordStatus, extra string, fresh bool) error {
	body := "<p><strong>Record status:</strong> " + html.EscapeString(next.Line)
	if !st.Disposed && st.URL != "" {
		body += fmt.Sprintf(` <a href="%s">Open the record in OTCS</a>`, html.EscapeString(st.URL))
	}
	body += "</p>"
	if extra != "" {
		body += "<p>" + html.EscapeString(extra) + "</p>"
	}
	marker := "xecm-bridge record status " + st.PageID + " #" + strconv.Itoa(next.Seq)
	note := activities.NoteOnce
	if fresh {
		note = activities.Note
	}
	err := note(ctx, a.Confluence, st.PageID, marker, body)
	if err != nil && !rest.IsKind(err, rest.KindNotFound) {
		return statusError("comment the record status on page "+st.PageID, err)
	}
	return nil
}

func (a *ConfluenceActivities) label(ctx context.Context, pageID, label string) error {
	if err := a.Confluence.AddLabels(ctx, pageID, label); err != nil && !rest.IsKind(err, rest.KindNotFound) {
		return statusError("label page "+pageID+" "+label, err)
	}
	return nil
}

// refusedError is Confluence refusing the bridge a write on one page (an
// edit restriction that leaves it out).
type refusedError struct{ msg string }

func (e *refusedError) Error() string { return e.msg }

// statusError is BackendError, except for a refusal of the bridge itself.
func statusError(what string, err error) error {
	if rest.IsKind(err, rest.KindForbidden) {
		return &refusedError{msg: what + ": " + err.Error()}
	}
	return activities.BackendError(what, err)
}

// minus is xs without the ones in ys.
func minus(xs, ys []string) []string {
	var out []string
	for _, x := range xs {
		if !slices.Contains(ys, x) {
			out = append(out, x)
		}
	}
	return out
}

// appendNew appends the xs that are not yet in dst and not skipped.
func appendNew(dst, xs []string, skip func(string) bool) []string {
	for _, x := range xs {
		if !slices.Contains(dst, x) && !skip(x) {
			dst = append(dst, x)
		}
	}
	return dst
}

func sameSet(a, b []string) bool {
	return len(minus(a, b)) == 0 && len(minus(b, a)) == 0
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
