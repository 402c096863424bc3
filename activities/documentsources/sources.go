package documentsources

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/xecm-bridge/xecm-bridge/access"
	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/documentpage"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// DocumentSourceActivities read the watched OTCS folders and workspaces and
// write back links into OTCS (flows F2, F6, F8). They run on the OpenText
// queue and read OTCS only:
//
//   - ChangedDocuments: the change feed, one browse page at a time
//   - DescribeDocuments: documents named by id (references, refreshes)
//   - WriteBackLinks: the document page URL into a category attribute
//   - EnsureWorkspaceLink: the URL object in a connected workspace
type DocumentSourceActivities struct {
	OTCS  *opentext.Client
	Rules *mapping.Rules
	// Access maps OTCS principals to Confluence ones; nil: made from
	// Rules.Access (one cache per worker).
	Access *access.Resolver

	workspaces   sync.Map // watch name -> resolved workspace node id
	resolverOnce activities.LazyResolver
}

// feedPageSize is how many children one change-feed browse reads. A run
// over an unchanged watch costs one browse of this size.
const feedPageSize = 50

// ChangedDocuments reads one browse page of one watch and describes the
// documents changed since the watch's cursor.
//
// A change run reads newest change first (sort=desc_modify_date, which
// OTCS's own UI uses) and stops at the cursor: an unchanged watch costs one
// request, whatever its size.
//
// A full sweep describes every document, so holds, moves and deletions
// that leave no modify date behind are seen too. It pages by name (each
// name is unique in its container), not by modify date: a document edited
// while the sweep runs would jump to a page already read and be skipped.
// Its cursor is the newest modify date when the sweep began, read first,
// so everything changed during the sweep is newer and the next change run
// reads it. A listing paged by offset can still shift when a document is
// deleted or renamed meanwhile; the sweep therefore never concludes absence
// from it alone (ConfirmAbsence).
func (a *DocumentSourceActivities) ChangedDocuments(ctx context.Context, in activities.ChangedDocumentsInput) (_ *activities.ChangedDocumentsResult, err error) {
	defer func() { activities.Observe(ctx, "ChangedDocuments", err) }()
	watches := a.watches(in.Feed)
	out := &activities.ChangedDocumentsResult{Cursors: copyCursors(in.Cursors), Next: copyCursors(in.Next)}
	if in.Watch >= len(watches) {
		out.Done = true
		return out, nil
	}
	w := &watches[in.Watch]
	page := max(in.Page, 1)
	container, err := a.container(ctx, w)
	if err != nil {
		return nil, err
	}
	// prev is where the previous run stopped; next is this run's cursor
	// for the watch: its newest modify date (the first child newest first)
	// and every document at exactly that date.
	prev := in.Cursors[w.Name]
	next := out.Next[w.Name]
	browse := func(sort string) (*opentext.NodePage, error) {
		np, err := a.OTCS.ListChildren(ctx, container, opentext.ListOptions{
			WhereTypes: []int{opentext.TypeDocument}, Sort: sort, Page: page, Limit: feedPageSize})
		out.Requests++
		if err != nil {
			return nil, activities.BackendError(fmt.Sprintf("browse watch %q (node %d)", w.Name, container), err)
		}
		return np, nil
	}
	var np *opentext.NodePage
	if page == 1 || !in.Full {
		if np, err = browse("desc_modify_date"); err != nil {
			return nil, err
		}
		if page == 1 {
			next = cursorOf(np)
		}
	}
	if in.Full {
		// The cursor is fixed: the sweep pages by name.
		if np, err = browse("asc_name"); err != nil {
			return nil, err
		}
	}
	reachedOld := false
	for i := range np.Nodes {
		n := &np.Nodes[i]
		if n.ModifyDate.Equal(next.At) && settled(np, n) && !activities.ContainsID(next.IDs, n.ID) {
			next.IDs = append(next.IDs, n.ID)
		}
		if !in.Full && !prev.At.IsZero() {
			if n.ModifyDate.Before(prev.At) {
				reachedOld = true
				break
			}
			if n.ModifyDate.Equal(prev.At) && activities.ContainsID(prev.IDs, n.ID) {
				continue
			}
		}
		st, reqs, err := a.describe(ctx, n, w)
		out.Requests += reqs
		if err != nil {
			return nil, err
		}
		out.Docs = append(out.Docs, st)
		if in.Full {
			out.Seen = append(out.Seen, n.ID)
		}
		activities.Heartbeat(ctx, n.ID)
	}
	out.Next[w.Name] = next
	lastPage := np.PageTotal <= page || len(np.Nodes) < feedPageSize
	if reachedOld || lastPage {
		// The watch is read to the previous cursor: its new cursor holds.
		out.Cursors[w.Name] = laterCursor(prev, next)
		delete(out.Next, w.Name)
		out.Watch, out.Page = in.Watch+1, 1
		if in.Full {
			out.FinishedWatch = w.Name
		}
	} else {
		out.Watch, out.Page = in.Watch, page+1
	}
	out.Done = out.Watch >= len(watches)
	return out, nil
}

// cursorOf is the cursor a newest-first page gives: its first modify date
// and every document at exactly that date that cannot change again
// within it unseen (settled).
func cursorOf(newestFirst *opentext.NodePage) activities.WatchCursor {
	if len(newestFirst.Nodes) == 0 {
		return activities.WatchCursor{}
	}
	c := activities.WatchCursor{At: newestFirst.Nodes[0].ModifyDate}
	for i := range newestFirst.Nodes {
		n := &newestFirst.Nodes[i]
		if n.ModifyDate.Equal(c.At) && settled(newestFirst, n) {
			c.IDs = append(c.IDs, n.ID)
		}
	}
	return c
}

// settleMargin is how long after a document's modify date a listing must
// be served, by the server's clock, for that listing to be its last
// change within that second. OTCS dates have whole seconds: a document
// listed early in a second and changed again later in it keeps its date.
// The margin leaves a second for the time between the server's read and
// its answer.
const settleMargin = 2 * time.Second

// settled reports whether a listing has seen n's last change at its
// modify date, so the cursor may name it as read. An unsettled document
// is read again by the next change run (an unchanged one writes nothing);
// a listing whose time or dates cannot be compared settles nothing.
func settled(listing *opentext.NodePage, n *opentext.Node) bool {
	return !listing.ServedAt.IsZero() && !listing.ServedAt.Before(n.ModifyDate.Add(settleMargin))
}

// DescribeDocuments describes documents named by node id, each under the
// rules of the watch whose container holds it (or the defaults: latest
// version approved, no category values, when none does).
func (a *DocumentSourceActivities) DescribeDocuments(ctx context.Context, in activities.DescribeInput) (_ []activities.DocumentState, err error) {
	defer func() { activities.Observe(ctx, "DescribeDocuments", err) }()
	out := make([]activities.DocumentState, 0, len(in.NodeIDs))
	for _, id := range in.NodeIDs {
		n, err := a.OTCS.GetNode(ctx, id)
		switch {
		case rest.IsKind(err, rest.KindNotFound), rest.IsKind(err, rest.KindForbidden):
			out = append(out, activities.DocumentState{Doc: documentpage.Document{NodeID: id, NodeURL: a.OTCS.NodeURL(id)}, Missing: activities.ReasonNotFound})
			continue
		case err != nil:
			return nil, activities.BackendError(fmt.Sprintf("read node %d", id), err)
		}
		if in.Author != nil {
			ok, err := a.authorMaySee(ctx, id, *in.Author)
			if err != nil {
				return nil, err
			}
			if !ok {
				out = append(out, activities.DocumentState{Doc: documentpage.Document{NodeID: id, NodeURL: a.OTCS.NodeURL(id)}, Missing: activities.ReasonNotVisible})
				continue
			}
		}
		switch {
		case n.Type != opentext.TypeDocument:
			out = append(out, activities.DocumentState{Doc: documentpage.Document{NodeID: id, Name: n.Name, NodeURL: a.OTCS.NodeURL(id)},
				Missing: fmt.Sprintf("%s (it is a %s)", activities.ReasonNotDocument, strings.ToLower(n.TypeName))})
			continue
		}
		w, err := a.watchOf(ctx, in.Feed, n.ParentID)
		if err != nil {
			return nil, err
		}
		st, _, err := a.describe(ctx, n, w)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
		activities.Heartbeat(ctx, id)
	}
	return out, nil
}

// ConfirmAbsence asks OTCS about each document whose page a full sweep
// of a watch did not reach, before anything is withdrawn: a listing paged
// by offset can skip a document (one deleted or renamed meanwhile shifts
// the rest), so "not seen" is never "gone". A document still in the
// watch's container is described like any other and comes back as
// Present; it is Gone only when OTCS says so: not found, no longer visible
// to the bridge, moved out of the container, or no longer a document.
func (a *DocumentSourceActivities) ConfirmAbsence(ctx context.Context, in activities.AbsenceInput) (_ *activities.AbsenceResult, err error) {
	defer func() { activities.Observe(ctx, "ConfirmAbsence", err) }()
	watches := a.watches(in.Feed)
	var w *mapping.Watch
	for i := range watches {
		if watches[i].Name == in.Watch {
			w = &watches[i]
		}
	}
	if w == nil {
		return nil, activities.NonRetryable(activities.TypeNoMapping, "no watch %q in the mapping", in.Watch)
	}
	container, err := a.container(ctx, w)
	if err != nil {
		return nil, err
	}
	out := &activities.AbsenceResult{}
	for _, id := range in.NodeIDs {
		n, err := a.OTCS.GetNode(ctx, id)
		out.Requests++
		gone := ""
		switch {
		case rest.IsKind(err, rest.KindNotFound):
			gone = activities.GoneDeleted
		case rest.IsKind(err, rest.KindForbidden):
			gone = activities.GoneInvisible
		case err != nil:
			return nil, activities.BackendError(fmt.Sprintf("read node %d", id), err)
		case n.ParentID != container:
			gone = activities.GoneMoved
		case n.Type != opentext.TypeDocument:
			gone = activities.GoneNotDocument
		}
		if gone != "" {
			out.Gone = append(out.Gone, activities.GoneDocument{NodeID: id, Note: gone})
			continue
		}
		st, reqs, err := a.describe(ctx, n, w)
		out.Requests += reqs
		if err != nil {
			return nil, err
		}
		out.Present = append(out.Present, st)
		activities.Heartbeat(ctx, id)
	}
	return out, nil
}

// watchOf returns the watch whose container is parentID, or a default
// watch (latest version approved) for documents outside every hub.
func (a *DocumentSourceActivities) watchOf(ctx context.Context, feed string, parentID int64) (*mapping.Watch, error) {
	watches := a.watches(feed)
	for i := range watches {
		c, err := a.container(ctx, &watches[i])
		if err != nil {
			return nil, err
		}
		if c == parentID {
			return &watches[i], nil
		}
	}
	return &mapping.Watch{Approved: mapping.ApprovedRule{Kind: mapping.ApprovedLatest}}, nil
}

// watches lists the watches of a feed: FeedDocuments (the documents:
// section) or FeedTemplates (templates:); none when the section is absent.
func (a *DocumentSourceActivities) watches(feed string) []mapping.Watch {
	switch {
	case feed == activities.FeedTemplates && a.Rules.Templates != nil:
		return a.Rules.Templates.Watches
	case feed == activities.FeedDocuments && a.Rules.Documents != nil:
		return a.Rules.Documents.Watches
	}
	return nil
}

// backLink is the documents: section's back link, nil when none.
func (a *DocumentSourceActivities) backLink() *mapping.BackLink {
	if a.Rules.Documents == nil {
		return nil
	}
	return a.Rules.Documents.BackLink
}

// container is the node id a watch reads.
func (a *DocumentSourceActivities) container(ctx context.Context, w *mapping.Watch) (int64, error) {
	if w.Workspace == nil {
		return w.Folder, nil
	}
	if w.Workspace.ID != 0 {
		return w.Workspace.ID, nil
	}
	if id, ok := a.workspaces.Load(w.Name); ok {
		return id.(int64), nil
	}
	ws, err := a.OTCS.FindBusinessWorkspace(ctx, opentext.BusinessObjectRef{System: w.Workspace.System, Type: w.Workspace.Type, ID: w.Workspace.ObjectID})
	if err != nil {
		return 0, activities.BackendError("find "+w.Workspace.String(), err)
	}
	if ws == nil {
		return 0, activities.NonRetryable(activities.TypeNoMapping, "watch %q: no business workspace in OTCS for %s", w.Name, w.Workspace)
	}
	a.workspaces.Store(w.Name, ws.ID) // resolved once per worker
	return ws.ID, nil
}

// describe reads what a document page shows about n under watch w.
func (a *DocumentSourceActivities) describe(ctx context.Context, n *opentext.Node, w *mapping.Watch) (activities.DocumentState, int, error) {
	reqs := 0
	st := activities.DocumentState{Watch: w.Name, Preview: w.Preview, Connected: w.Connect != ""}
	doc := &st.Doc
	doc.NodeID, doc.Name, doc.Description, doc.Hub = n.ID, n.Name, n.Description, w.Name
	doc.NodeURL = a.OTCS.NodeURL(n.ID)

	versions, err := a.OTCS.Versions(ctx, n.ID)
	reqs++
	if err != nil {
		return st, reqs, activities.BackendError(fmt.Sprintf("read versions of %d", n.ID), err)
	}
	readers, r, err := a.readership(ctx, n.ID)
	reqs += r
	if err != nil {
		return st, reqs, err
	}
	st.Readers = readers
	cats := map[int64]map[string]string{} // category id -> attribute name -> value
	for _, c := range a.categoriesFor(w) {
		vals, r, err := a.namedValues(ctx, n.ID, c)
		reqs += r
		if err != nil {
			return st, reqs, err
		}
		cats[c] = vals
	}
	show := cats[w.Show.Category]
	doc.Type, doc.Owner = show[w.Show.Type], show[w.Show.Owner]
	for _, name := range w.Show.Attributes {
		if name == w.Show.Type || name == w.Show.Owner || name == w.Show.ApprovedBy {
			continue
		}
		if v := show[name]; v != "" {
			doc.Values = append(doc.Values, documentpage.Value{Name: name, Value: v})
		}
	}
	st.TypeSlug = activities.Slug(doc.Type)
	if bl := a.backLink(); bl != nil {
		st.BackLink = cats[bl.Category][bl.Attribute]
	}

	holds, err := a.OTCS.NodeHolds(ctx, n.ID)
	reqs++
	if err != nil && !rest.IsKind(err, rest.KindNotFound) {
		return st, reqs, activities.BackendError(fmt.Sprintf("read holds of %d", n.ID), err)
	}
	for _, h := range holds {
		if h.Active {
			st.Hold = h.Name
			break
		}
	}
	rm, err := a.OTCS.RMClassifications(ctx, n.ID)
	reqs++
	if err != nil && !rest.IsKind(err, rest.KindNotFound) {
		return st, reqs, activities.BackendError(fmt.Sprintf("read records management data of %d", n.ID), err)
	}
	if rm != nil {
		for _, c := range rm.Classifications {
			st.Record = st.Record || c.Official || c.Finalized
		}
	}

	if len(versions) == 0 {
		st.Pending = true
		return st, reqs, nil
	}
	latest := versions[len(versions)-1]
	doc.Latest = documentVersion(latest)
	approved, pending, withdrawn := approvedVersion(w.Approved, n.Advanced, versions, cats[w.Approved.Category])
	st.Pending, st.Withdrawn = pending, withdrawn
	if approved != nil {
		v := documentVersion(*approved)
		v.ApprovedBy = show[w.Show.ApprovedBy]
		doc.Approved = &v
		doc.VersionURL = versionURL(a.OTCS.NodeURL(n.ID), n.ID, approved.Number)
	}
	return st, reqs, nil
}

// categoriesFor lists the categories a watch reads, without repeats.
func (a *DocumentSourceActivities) categoriesFor(w *mapping.Watch) []int64 {
	var out []int64
	add := func(id int64) {
		if id != 0 && !activities.ContainsID(out, id) {
			out = append(out, id)
		}
	}
	add(w.Show.Category)
	if w.Approved.Kind == mapping.ApprovedAttribute {
		add(w.Approved.Category)
	}
	if bl := a.backLink(); bl != nil {
		add(bl.Category)
	}
	return out
}

// namedValues reads a category's values on a node by attribute name, as
// text. A category not applied gives no values.
func (a *DocumentSourceActivities) namedValues(ctx context.Context, nodeID, categoryID int64) (map[string]string, int, error) {
	vals, err := a.OTCS.CategoryValues(ctx, nodeID, categoryID)
	if rest.IsKind(err, rest.KindNotFound) {
		return map[string]string{}, 1, nil
	}
	if err != nil {
		return nil, 1, activities.BackendError(fmt.Sprintf("read category %d of %d", categoryID, nodeID), err)
	}
	def, err := a.OTCS.CategoryDefinition(ctx, nodeID, categoryID)
	if err != nil {
		return nil, 2, activities.BackendError(fmt.Sprintf("read category %d", categoryID), err)
	}
	out := make(map[string]string, len(def.Attributes))
	for _, attr := range def.Attributes {
		if v, ok := vals[attr.Key]; ok && v != nil {
			out[attr.Name] = strings.TrimSpace(fmt.Sprint(v))
		}
	}
	return out, 2, nil
}

// WithdrawnValue is the approval attribute value that withdraws a document.
const WithdrawnValue = "Withdrawn"

// approvedVersion applies a watch's approved-version rule. pending: the
// rule does not hold for the latest version now; withdrawn: the approval
// attribute withdraws the document.
func approvedVersion(rule mapping.ApprovedRule, advanced bool, versions []opentext.Version, values map[string]string) (v *opentext.Version, pending, withdrawn bool) {
	latest := &versions[len(versions)-1]
	switch rule.Kind {
	case mapping.ApprovedMajor:
		if !advanced {
			return latest, false, false // standard versioning: every version is a whole one
		}
		for i := len(versions) - 1; i >= 0; i-- {
			if versions[i].Minor == 0 && versions[i].Major > 0 {
				return &versions[i], i != len(versions)-1, false
			}
		}
		return nil, true, false
	case mapping.ApprovedAttribute:
		got := values[rule.Attribute]
		switch {
		case strings.EqualFold(got, rule.Equals):
			return latest, false, false
		case strings.EqualFold(got, WithdrawnValue):
			return nil, false, true
		}
		return nil, true, false
	}
	return latest, false, false
}

func documentVersion(v opentext.Version) documentpage.Version {
	return documentpage.Version{Number: v.Number, Name: v.Name, Date: v.CreateDate, FileName: v.FileName, MimeType: v.MimeType, Size: v.FileSize}
}

// versionURL links one version: the classic UI's download of that version
// number, since Smart View has no documented per-version route.
func versionURL(nodeURL string, id int64, number int) string {
	base := strings.TrimSuffix(nodeURL, fmt.Sprintf("/app/nodes/%d", id))
	return fmt.Sprintf("%s?func=ll&objId=%d&objAction=download&vernum=%d", base, id, number)
}

// WriteBackLinks writes each document page URL into the mapping's
// back-link attribute (flow F2). Documents on hold, declared records and
// withdrawn ones are never modified; their link lives on the Confluence
// side only, and the result says so. An attribute already holding the URL
// is not written again.
func (a *DocumentSourceActivities) WriteBackLinks(ctx context.Context, in activities.BackLinkInput) (_ *activities.BackLinkResult, err error) {
	defer func() { activities.Observe(ctx, "WriteBackLinks", err) }()
	out := &activities.BackLinkResult{}
	bl := a.backLink()
	if bl == nil {
		return out, nil
	}
	var watched []activities.UpsertedPage
	for _, p := range in.Links {
		// Only documents of a watched container: a reference from any page
		// to any document must not make the bridge modify that document.
		if p.Watch != "" {
			watched = append(watched, p)
		}
	}
	in.Links = watched
	def, err := a.OTCS.CategoryDefinition(ctx, a.Rules.Root, bl.Category)
	if err != nil {
		return nil, activities.BackendError(fmt.Sprintf("read category %d", bl.Category), err)
	}
	key, name := "", ""
	for _, at := range def.Attributes {
		if strings.EqualFold(at.Name, bl.Attribute) {
			key, name = at.Key, at.Name
		}
	}
	if key == "" {
		return nil, activities.NonRetryable(activities.TypeNoSuchAttribute, "category %d %q has no attribute %q (documents.back_link)", bl.Category, def.Name, bl.Attribute)
	}
	// A retry skips the links an earlier attempt reported written, and
	// reads each of the rest before writing it: heartbeats are sent in
	// batches, so the killed attempt may have written more than it
	// reported, and every write is an OTCS modification and audit entry.
	done, retry := backLinkProgress(ctx)
	for i, p := range in.Links {
		if i < done || p.URL == "" || p.BackLink == p.URL {
			continue
		}
		if p.Locked {
			out.KeptInConfluence = append(out.KeptInConfluence, p.NodeID)
			continue
		}
		if retry {
			vals, _, err := a.namedValues(ctx, p.NodeID, bl.Category)
			if err != nil {
				return nil, err
			}
			if vals[name] == p.URL {
				activities.Heartbeat(ctx, backLinksDone{Done: i + 1})
				continue
			}
		}
		if err := a.setValue(ctx, p.NodeID, bl.Category, key, p.URL); err != nil {
			return nil, activities.BackendError(fmt.Sprintf("write the back link of %d", p.NodeID), err)
		}
		out.Written++
		activities.Heartbeat(ctx, backLinksDone{Done: i + 1})
	}
	return out, nil
}

// backLinksDone is WriteBackLinks' heartbeat: the links before Done are
// written (or were already).
type backLinksDone struct{ Done int }

// backLinkProgress is where a retried WriteBackLinks resumes, and whether
// this is a retry at all.
func backLinkProgress(ctx context.Context) (done int, retry bool) {
	if !activity.IsActivity(ctx) {
		return 0, false
	}
	var p backLinksDone
	if activity.HasHeartbeatDetails(ctx) && activity.GetHeartbeatDetails(ctx, &p) == nil {
		return p.Done, true
	}
	return 0, activity.GetInfo(ctx).Attempt > 1
}

// setValue writes one attribute: an update when the category is applied,
// else applying it; a concurrent writer that applied it in between makes
// the apply fail, and the update after that wins.
func (a *DocumentSourceActivities) setValue(ctx context.Context, nodeID, categoryID int64, key string, value any) error {
	vals := map[string]any{key: value}
	err := a.OTCS.UpdateCategory(ctx, nodeID, categoryID, vals)
	if !rest.IsKind(err, rest.KindNotFound) && !rest.IsKind(err, rest.KindBadRequest) {
		return err
	}
	err = a.OTCS.ApplyCategory(ctx, nodeID, categoryID, vals)
	if rest.IsKind(err, rest.KindBadRequest) || rest.IsKind(err, rest.KindConflict) {
		return a.OTCS.UpdateCategory(ctx, nodeID, categoryID, vals)
	}
	return err
}

// EnsureWorkspaceLink makes sure a connected workspace holds a URL object
// "Confluence space KEY" pointing at the space (found by name, so a retry
// or a second run never makes two).
func (a *DocumentSourceActivities) EnsureWorkspaceLink(ctx context.Context, in activities.WorkspaceLinkInput) (_ int64, err error) {
	defer func() { activities.Observe(ctx, "EnsureWorkspaceLink", err) }()
	w := a.Rules.Documents.WatchByName(in.Watch)
	if w == nil || w.Connect == "" {
		return 0, activities.NonRetryable(activities.TypeNoMapping, "watch %q is not connected to a space", in.Watch)
	}
	ws, err := a.container(ctx, w)
	if err != nil {
		return 0, err
	}
	name := "Confluence space " + w.Connect
	existing, err := a.OTCS.FindChild(ctx, ws, name)
	if err != nil {
		return 0, activities.BackendError("look for "+name, err)
	}
	if existing != nil {
		if existing.URL != in.SpaceURL && in.SpaceURL != "" && existing.Type == opentext.TypeURL {
			if _, err := a.OTCS.UpdateURL(ctx, existing.ID, in.SpaceURL); err != nil {
				return 0, activities.BackendError("update "+name, err)
			}
		}
		return existing.ID, nil
	}
	n, err := a.OTCS.CreateURL(ctx, ws, name, in.SpaceURL, "Working notes of this workspace in Confluence (kept by xecm-bridge)")
	if err != nil {
		return 0, activities.BackendError("create "+name, err)
	}
	return n.ID, nil
}

func copyCursors(in map[string]activities.WatchCursor) map[string]activities.WatchCursor {
	out := make(map[string]activities.WatchCursor, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

// laterCursor is the cursor that has seen more: the later date, or at the
// same date every id either saw.
func laterCursor(a, b activities.WatchCursor) activities.WatchCursor {
	switch {
	case b.At.After(a.At):
		return b
	case a.At.After(b.At):
		return a
	}
	return activities.WatchCursor{At: a.At, IDs: mergeIDs(a.IDs, b.IDs)}
}

func mergeIDs(a, b []int64) []int64 {
	out := append([]int64{}, a...)
	for _, id := range b {
		if !activities.ContainsID(out, id) {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
