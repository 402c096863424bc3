package documentpages

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"strings"
	"sync"

	"github.com/xecm-bridge/xecm-bridge/access"
	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/documentpage"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// DocumentPageActivities keep the document pages in Confluence (flows F2,
// F6, F8). They run on the Confluence queue; the preview upload also reads
// the approved version from OTCS, because it streams it straight into the
// page's attachment.
//
//   - UpsertDocumentPages: create or update document pages, restore edited panels
//   - UnseenDocuments: pages of a hub whose document a full sweep missed
//   - ArchiveMissing: flag and archive pages whose source OTCS confirmed gone
//   - EnsureWorkspacePage: the connected space's "Workspace documents" page
//   - ReadReferences, RecordReferences: links from pages to OTCS documents
//   - DocumentPageNode: the OTCS node a document page stands for
//   - TemplateCopyNode: the OTCS template a controlled copy stands for
type DocumentPageActivities struct {
	Confluence *confluence.Client
	OTCS       *opentext.Client
	Rules      *mapping.Rules
	// Access looks Confluence groups up; nil: made from Rules.Access (one
	// cache per worker).
	Access *access.Resolver

	pages        sync.Map // title -> page id of hub, parent and archive pages
	resolverOnce activities.LazyResolver
}

// maxConflictRetries bounds the re-read-and-merge loop on a 409.
const maxConflictRetries = 5

// DocumentPageTitle is the title a document page is created with. The node
// id makes it unique in the space, so creating it is also claiming it: a
// second writer gets "title exists" and finds the page. It is never
// renamed, so Include Page macros that name it keep working.
func DocumentPageTitle(name string, nodeID int64) string {
	return fmt.Sprintf("%s (OTCS %d)", name, nodeID)
}

// TypeLabel is the label of a document type, for the workspace page.
func TypeLabel(typeSlug string) string { return "xecm-type-" + typeSlug }

// UpsertDocumentPages brings each document's page up to date: created
// (under its hub, restricted, labelled) the first time the document has an
// approved version, updated when what it shows changed, left alone
// otherwise. Only the panel is ever replaced; an edit made inside it is
// undone with a comment. A retry after a crash finds the page by label or
// by its title and finishes the job.
func (a *DocumentPageActivities) UpsertDocumentPages(ctx context.Context, in activities.UpsertInput) (_ *activities.UpsertResult, err error) {
	defer func() { activities.Observe(ctx, "UpsertDocumentPages", err) }()
	if a.Rules.Documents == nil {
		return nil, activities.NonRetryable(activities.TypeNoMapping, "the mapping has no documents: section")
	}
	out := &activities.UpsertResult{}
	for i := range in.Docs {
		p, err := a.upsert(ctx, &in.Docs[i])
		if err != nil {
			return nil, err
		}
		out.Pages = append(out.Pages, *p)
		activities.Heartbeat(ctx, i)
	}
	return out, nil
}

// pageState is a document page as read: page with storage body, labels
// and the bridge's record (nil when the page has none yet).
type pageState struct {
	page    *confluence.Page
	labels  []string
	rec     *activities.DocumentRecord
	readers string // the read restriction just placed, for the record; "" = unchanged
}

func (a *DocumentPageActivities) upsert(ctx context.Context, st *activities.DocumentState) (*activities.UpsertedPage, error) {
	res := &activities.UpsertedPage{NodeID: st.Doc.NodeID, Locked: st.Locked(), BackLink: st.BackLink, Watch: st.Watch}
	if st.Missing != "" {
		res.Skipped = st.Missing
		return res, nil
	}
	cur, err := a.findDocumentPage(ctx, st.Doc.NodeID, st.Doc.Name)
	if err != nil {
		return nil, err
	}
	var prev *activities.DocumentRecord
	if cur != nil {
		prev = cur.rec
	}
	doc, ok := resolveDocument(st, prev)
	if !ok {
		res.Skipped = "no approved version yet"
		return res, nil
	}
	plan, err := activities.PlanReaders(ctx, a.resolver(), a.Rules.Access, a.Rules.Documents.BridgeAccount, st.Readers)
	if err != nil {
		return nil, err
	}
	res.Restricted, res.Refused = !plan.Open, plan.Refused
	if cur == nil && plan.Refused != "" {
		res.Skipped = RefusedNote
		return res, nil
	}
	if cur == nil {
		if cur, err = a.createDocumentPage(ctx, st, doc, plan); err != nil {
			return nil, err
		}
		res.Created = true
	}
	// Narrowed before anything new is written to the page.
	if err := a.placeReaders(ctx, st.Watch, cur, plan); err != nil {
		return nil, err
	}
	if plan.Refused != "" {
		// Kept, readable by the bridge and the kept groups only, and left
		// as it was: nothing of the source's new state is written.
		res.Skipped = RefusedNote
		return res, nil
	}
	res.PageID, res.Title, res.URL = cur.page.ID, cur.page.Title, a.Confluence.PageURL(cur.page)
	cur.readers = plan.Summary
	if err := a.applyMerging(ctx, st, doc, cur, res); err != nil {
		return nil, err
	}
	return res, nil
}

// RefusedNote is why a document whose readers the bridge cannot map has
// no page anyone but the bridge and the kept groups may read. It names no
// principal: references show it on people's pages.
const RefusedNote = "restricted in OpenText to people the bridge cannot map"

// resolver is the principal look-up of the page activities.
func (a *DocumentPageActivities) resolver() *access.Resolver {
	return a.resolverOnce.Get(&a.Access, a.Rules, a.Confluence, nil)
}

// placeReaders gives a document page the read restriction of plan, then
// moves a page still under the staging page (made there, or left there
// by a crash) to its hub: the restriction is in place before the page
// leaves the page that hid it.
func (a *DocumentPageActivities) placeReaders(ctx context.Context, watch string, cur *pageState, plan activities.ReadPlan) error {
	if _, err := activities.SetReaders(ctx, a.Confluence, cur.page.ID, plan); err != nil {
		return err
	}
	hub, err := a.hubPage(ctx, watch)
	if err != nil || cur.page.ParentID == hub {
		return err
	}
	if v, ok := a.pages.Load("page:" + a.Rules.Documents.Archive); ok && v.(string) == cur.page.ParentID {
		return nil // archived: its place is the archive
	}
	sp, err := a.space(ctx)
	if err != nil {
		return err
	}
	return activities.LeaveStaging(ctx, a.Confluence, &a.pages, sp, a.Rules.Documents.BridgeAccount, cur.page, hub)
}

// applyMerging applies the document to its page, reading the page again
// and merging again when someone saved it in between.
func (a *DocumentPageActivities) applyMerging(ctx context.Context, st *activities.DocumentState, doc documentpage.Document, cur *pageState, res *activities.UpsertedPage) error {
	for attempt := 0; ; attempt++ {
		done, err := a.applyDocument(ctx, st, doc, cur, res)
		if err != nil || done {
			return err
		}
		if attempt >= maxConflictRetries {
			return activities.BackendError("update document page "+cur.page.ID, fmt.Errorf("the page kept changing under the bridge (%d version conflicts)", attempt+1))
		}
		// Someone saved the page in between: read it again and merge again.
		if cur, err = a.readDocumentPage(ctx, cur.page.ID, nil); err != nil {
			return err
		}
	}
}

// resolveDocument decides what the page shows from OTCS's state now and
// what the page showed before; ok is false when there is nothing to show
// (no approved version, and no page yet).
func resolveDocument(st *activities.DocumentState, prev *activities.DocumentRecord) (documentpage.Document, bool) {
	doc := st.Doc
	var before *documentpage.Document
	if prev != nil {
		before = &prev.Doc
		doc.Referenced = prev.Doc.Referenced
		doc.SourceChanged = prev.Doc.SourceChanged
	}
	keepPrevious := func() {
		if before != nil && before.Approved != nil {
			doc.Approved, doc.VersionURL = before.Approved, before.VersionURL
		}
	}
	switch {
	case st.Withdrawn:
		keepPrevious()
		doc.Status = documentpage.StatusWithdrawn
	case st.Hold != "":
		keepPrevious()
		if doc.Approved == nil && !st.Pending {
			doc.Approved = st.Doc.Approved
		}
		doc.Status, doc.Note = documentpage.StatusOnHold, st.Hold
	case st.Pending:
		// A newer draft: the rule's approved version stands (major: the
		// latest major version); only a rule that names none now (an
		// attribute no longer saying Approved) keeps the one shown before.
		if doc.Approved == nil {
			keepPrevious()
		}
		doc.Status = documentpage.StatusNewerDraft
		if doc.Approved == nil {
			doc.Status = documentpage.StatusNoApproved
		}
	case st.Record:
		doc.Status = documentpage.StatusRecord
	case doc.Approved != nil && doc.Latest.Number != doc.Approved.Number:
		doc.Status = documentpage.StatusNewerDraft
	default:
		doc.Status = documentpage.StatusCurrent
	}
	if doc.Approved == nil && before == nil {
		return doc, false
	}
	if st.Preview && doc.Approved != nil && previewable(doc.Approved.MimeType) {
		doc.Preview = previewName(doc)
	}
	return doc, true
}

// previewable says whether Confluence shows the file inline.
func previewable(mime string) bool {
	return mime == "application/pdf" || strings.HasPrefix(mime, "image/")
}

// controlledCopyName is the name of the page's controlled-copy
// attachment: the one it already has, else the approved file's name. A
// page attached before the name was recorded has the file name of the
// version it last attached.
func controlledCopyName(rec activities.DocumentRecord, doc documentpage.Document) string {
	switch {
	case rec.PreviewName != "":
		return rec.PreviewName
	case rec.PreviewVersion != 0 && rec.Doc.Approved != nil:
		return previewName(rec.Doc)
	}
	return previewName(doc)
}

// previewName is the name a first controlled copy gets.
func previewName(d documentpage.Document) string {
	if d.Approved.FileName != "" {
		return d.Approved.FileName
	}
	return d.Name
}

// applyDocument writes what changed; done is false on a version conflict
// (the caller re-reads and calls again).
func (a *DocumentPageActivities) applyDocument(ctx context.Context, st *activities.DocumentState, doc documentpage.Document, cur *pageState, res *activities.UpsertedPage) (bool, error) {
	d := a.Rules.Documents
	rec := activities.DocumentRecord{}
	if cur.rec != nil {
		rec = *cur.rec
	}
	body := cur.page.Body
	// An edit inside the panel: the panel there is not the one the bridge wrote.
	if stored, ok := documentpage.PanelOf(body); ok && rec.PanelPrint != "" && fingerprint(stored) != rec.PanelPrint {
		res.Restored = true
	}
	// The source-changed flag: raised when a new version is approved and
	// people wrote a summary; cleared once an editor removes the label.
	prevApproved := 0
	if cur.rec != nil && cur.rec.Doc.Approved != nil {
		prevApproved = cur.rec.Doc.Approved.Number
	}
	if doc.SourceChanged && !activities.HasLabel(cur.labels, activities.SourceChangedLabel) {
		doc.SourceChanged = false
	}
	raise := prevApproved != 0 && doc.Approved != nil && doc.Approved.Number != prevApproved &&
		!doc.SourceChanged && documentpage.HumanText(body) != ""
	if raise {
		doc.SourceChanged = true
	}

	if doc.Preview != "" {
		// One controlled copy per document: the attachment keeps the name
		// it was first given, whatever later versions' files are called.
		doc.Preview = controlledCopyName(rec, doc)
		if rec.PreviewVersion != doc.Approved.Number {
			if err := a.uploadPreview(ctx, cur.page.ID, doc); err != nil {
				return false, err
			}
			rec.PreviewVersion = doc.Approved.Number
		}
		rec.PreviewName = doc.Preview
	}

	if res.Restored {
		// Said before the panel is put back: a retry after the update no
		// longer sees the edit, and the marker keeps it to one comment.
		note := "<p>The bridge put the document panel back as OpenText has it: the panel shows the controlled document and is kept by the bridge. Write your notes below the panel; change the document itself in OpenText.</p>"
		marker := fmt.Sprintf("xecm-bridge:document:%d:panel-restored:v%d", doc.NodeID, cur.page.Version.Number)
		if err := activities.NoteOnce(ctx, a.Confluence, cur.page.ID, marker, note); err != nil {
			return false, activities.BackendError("comment on document page "+cur.page.ID, err)
		}
	}
	panel := documentpage.Panel(doc)
	merged := documentpage.Merge(body, panel)
	if merged != body {
		msg := fmt.Sprintf("OTCS %s: %s", versionText(doc), doc.Status)
		if res.Restored {
			msg = "Panel restored from OpenText"
		}
		p, err := a.Confluence.UpdatePage(ctx, cur.page.ID, cur.page.Title, merged, cur.page.Version.Number+1, msg)
		if rest.IsKind(err, rest.KindConflict) {
			return false, nil
		}
		if err != nil {
			return false, activities.BackendError("update document page "+cur.page.ID, err)
		}
		cur.page = p
		res.Changed = true
	}
	if raise {
		if err := a.Confluence.AddLabels(ctx, cur.page.ID, activities.SourceChangedLabel); err != nil {
			return false, activities.BackendError("label document page "+cur.page.ID, err)
		}
		owner := ""
		if cur.page.OwnerID != "" {
			owner = `<ac:link><ri:user ri:account-id="` + html.EscapeString(cur.page.OwnerID) + `" /></ac:link> `
		}
		note := fmt.Sprintf("<p>%sThe source has a new approved version (%s). Please review the summary on this page; remove the label <code>%s</code> when it is current.</p>",
			owner, html.EscapeString(versionText(doc)), activities.SourceChangedLabel)
		marker := fmt.Sprintf("xecm-bridge:document:%d:source-changed:v%d", doc.NodeID, doc.Approved.Number)
		if err := activities.NoteOnce(ctx, a.Confluence, cur.page.ID, marker, note); err != nil {
			return false, activities.BackendError("comment on document page "+cur.page.ID, err)
		}
		res.Flagged = true
	}
	want := []string{activities.DocumentLabel, activities.NodeLabel(doc.NodeID)}
	if st.Watch != "" {
		want = append(want, activities.HubLabel(st.Watch))
	}
	if st.TypeSlug != "" {
		want = append(want, TypeLabel(st.TypeSlug))
	}
	if missing := activities.MissingLabels(cur.labels, want); len(missing) > 0 {
		if err := a.Confluence.AddLabels(ctx, cur.page.ID, missing...); err != nil {
			return false, activities.BackendError("label document page "+cur.page.ID, err)
		}
	}
	if !rec.Restricted {
		var groups []string
		if d.EditorsGroup != "" {
			groups = []string{d.EditorsGroup}
		}
		if err := a.Confluence.SetUpdateRestriction(ctx, cur.page.ID, []string{d.BridgeAccount}, groups); err != nil {
			return false, activities.BackendError("restrict document page "+cur.page.ID, err)
		}
		rec.Restricted = true
	}
	if doc.Status == documentpage.StatusWithdrawn && !rec.Archived {
		archive, err := a.parentPage(ctx, d.Archive, a.rootParent, activities.ArchiveBody)
		if err != nil {
			return false, err
		}
		if err := a.Confluence.MovePage(ctx, cur.page.ID, archive); err != nil {
			return false, activities.BackendError("move document page "+cur.page.ID+" to "+d.Archive, err)
		}
		rec.Archived, res.Archived = true, true
		rec.Archives++
	}
	if doc.Status != documentpage.StatusWithdrawn && rec.Archived {
		if err := a.unarchive(ctx, st.Watch, doc, cur, rec.Archives); err != nil {
			return false, err
		}
		rec.Archived, res.Unarchived = false, true
	}
	rec.Doc, rec.PanelPrint = doc, fingerprint(panel)
	if cur.readers != "" {
		rec.Readers = cur.readers
	}
	if cur.rec == nil || !sameRecord(*cur.rec, rec) {
		if _, err := a.Confluence.SetProperty(ctx, cur.page.ID, activities.DocumentPropertyKey, rec); err != nil {
			return false, activities.BackendError("record document page "+cur.page.ID, err)
		}
	}
	return true, nil
}

// unarchive moves the page of a source that is current again (withdrawn
// by mistake, moved out and back, approved again) from the archive back
// under its hub, and says so once per archiving. The comment comes first:
// a retry after the move finds the comment and the page in place and only
// records it.
func (a *DocumentPageActivities) unarchive(ctx context.Context, watch string, doc documentpage.Document, cur *pageState, archives int) error {
	hub, err := a.hubPage(ctx, watch)
	if err != nil {
		return err
	}
	where := "its hub"
	if watch != "" {
		where = "the hub <strong>" + html.EscapeString(watch) + "</strong>"
	}
	note := fmt.Sprintf("<p>The source is current again in OpenText (%s): the bridge moved this page from the archive back under %s.</p>",
		html.EscapeString(versionText(doc)), where)
	marker := fmt.Sprintf("xecm-bridge:document:%d:unarchived:%d", doc.NodeID, archives)
	if err := activities.NoteOnce(ctx, a.Confluence, cur.page.ID, marker, note); err != nil {
		return activities.BackendError("comment on document page "+cur.page.ID, err)
	}
	if err := a.Confluence.MovePage(ctx, cur.page.ID, hub); err != nil {
		return activities.BackendError("move document page "+cur.page.ID+" back under its hub", err)
	}
	return nil
}

func versionText(d documentpage.Document) string {
	if d.Approved == nil {
		return "no approved version"
	}
	return "version " + d.Approved.Label()
}

// uploadPreview streams the approved version from OTCS into the page's one
// controlled-copy attachment (a new attachment version on a new OTCS
// version, never a second file).
func (a *DocumentPageActivities) uploadPreview(ctx context.Context, pageID string, doc documentpage.Document) error {
	comment := fmt.Sprintf("Controlled copy of OTCS %d version %s", doc.NodeID, doc.Approved.Label())
	// A retry after the upload (before the record said so) finds the copy
	// already there instead of adding the same bytes as another version.
	have, err := a.Confluence.Attachments(ctx, pageID)
	if err != nil {
		return activities.BackendError("list attachments of "+pageID, err)
	}
	for _, att := range have {
		if att.Title == doc.Preview && att.Comment == comment {
			return nil
		}
	}
	body, err := a.OTCS.DownloadVersion(ctx, doc.NodeID, doc.Approved.Number)
	if err != nil {
		return activities.BackendError(fmt.Sprintf("download version %d of %d", doc.Approved.Number, doc.NodeID), err)
	}
	defer body.Close()
	if _, err := a.Confluence.UploadAttachment(ctx, pageID, doc.Preview, doc.Approved.MimeType, body, comment); err != nil {
		return activities.BackendError("attach the controlled copy to "+pageID, err)
	}
	return nil
}

// findDocumentPage finds a document's page by its node label, or by the
// title it was created with (a crash may have left the page unlabelled).
func (a *DocumentPageActivities) findDocumentPage(ctx context.Context, nodeID int64, name string) (*pageState, error) {
	space := a.Rules.Documents.Space
	refs, err := a.Confluence.PagesWithLabel(ctx, space, activities.NodeLabel(nodeID))
	if err != nil {
		return nil, activities.BackendError("find the document page of "+fmt.Sprint(nodeID), err)
	}
	if len(refs) > 0 {
		return a.readDocumentPage(ctx, refs[0].ID, refs[0].Labels)
	}
	sp, err := a.space(ctx)
	if err != nil {
		return nil, err
	}
	p, err := a.Confluence.FindPageByTitle(ctx, sp.ID, sp.Key, DocumentPageTitle(name, nodeID))
	if err != nil {
		return nil, activities.BackendError("find the document page of "+fmt.Sprint(nodeID), err)
	}
	if p == nil {
		return nil, nil
	}
	return a.readDocumentPage(ctx, p.ID, nil)
}

// readDocumentPage reads a page with its storage body, labels and record.
// labels, when a search already returned them, saves a request.
func (a *DocumentPageActivities) readDocumentPage(ctx context.Context, pageID string, labels []string) (*pageState, error) {
	p, err := a.Confluence.GetPage(ctx, pageID, confluence.GetPageOptions{BodyFormat: "storage"})
	if err != nil {
		return nil, activities.BackendError("read document page "+pageID, err)
	}
	st := &pageState{page: p, labels: labels}
	if labels == nil {
		ls, err := a.Confluence.Labels(ctx, pageID)
		if err != nil {
			return nil, activities.BackendError("read labels of "+pageID, err)
		}
		st.labels = []string{}
		for _, l := range ls {
			st.labels = append(st.labels, l.Name)
		}
	}
	prop, err := a.Confluence.GetProperty(ctx, pageID, activities.DocumentPropertyKey)
	switch {
	case rest.IsKind(err, rest.KindNotFound):
	case err != nil:
		return nil, activities.BackendError("read the record of "+pageID, err)
	default:
		var rec activities.DocumentRecord
		if err := json.Unmarshal(prop.Value, &rec); err != nil {
			return nil, activities.NonRetryable(activities.TypeBackendRejected, "page %s: property %s is not the bridge's: %v", pageID, activities.DocumentPropertyKey, err)
		}
		st.rec = &rec
	}
	return st, nil
}

// createDocumentPage creates the page under its hub, or under the
// staging page when its source is restricted. When the title is taken, an
// earlier attempt made the page: it is found and finished instead.
func (a *DocumentPageActivities) createDocumentPage(ctx context.Context, st *activities.DocumentState, doc documentpage.Document, plan activities.ReadPlan) (*pageState, error) {
	sp, err := a.space(ctx)
	if err != nil {
		return nil, err
	}
	parent, err := a.hubPage(ctx, st.Watch)
	if err != nil {
		return nil, err
	}
	if !plan.Open {
		// Made where nobody but the bridge can read it; placeReaders
		// restricts it and then moves it to the hub.
		if parent, err = activities.Staging(ctx, a.Confluence, &a.pages, sp, a.Rules.Documents.BridgeAccount, true); err != nil {
			return nil, err
		}
	}
	title := DocumentPageTitle(doc.Name, doc.NodeID)
	p, err := a.Confluence.CreatePage(ctx, confluence.CreatePageRequest{SpaceID: sp.ID, SpaceKey: sp.Key, ParentID: parent, Title: title, StorageBody: documentpage.Panel(doc)})
	if confluence.IsTitleTaken(err) {
		found, ferr := a.Confluence.FindPageByTitle(ctx, sp.ID, sp.Key, title)
		if ferr != nil {
			return nil, activities.BackendError("find document page "+title, ferr)
		}
		if found == nil {
			return nil, activities.BackendError("create document page "+title, err)
		}
		return a.readDocumentPage(ctx, found.ID, nil)
	}
	if rest.IsKind(err, rest.KindNotFound) {
		// A parent page this worker remembered is gone: find or make it
		// again on the retry.
		a.pages.Clear()
		return nil, fmt.Errorf("create document page %s: its parent is gone; the retry makes it again: %w", title, err)
	}
	if err != nil {
		return nil, activities.BackendError("create document page "+title, err)
	}
	return &pageState{page: p}, nil
}

func fingerprint(panel string) string {
	sum := sha256.Sum256([]byte(documentpage.Fingerprint(panel)))
	return hex.EncodeToString(sum[:])
}

func sameRecord(a, b activities.DocumentRecord) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
