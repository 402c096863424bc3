package documentpages

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"sort"
	"strconv"
	"strings"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/documentpage"
)

// ReferencedDocumentsTitle is the parent of document pages of referenced
// documents that belong to no hub.
const ReferencedDocumentsTitle = "Referenced documents"

// WorkspacePageTitle is the page a connected space gets.
const WorkspacePageTitle = "Workspace documents"

// space reads the documents space.
func (a *DocumentPageActivities) space(ctx context.Context) (*confluence.Space, error) {
	key := a.Rules.Documents.Space
	if v, ok := a.pages.Load("space:" + key); ok {
		return v.(*confluence.Space), nil
	}
	sp, err := a.Confluence.GetSpaceByKey(ctx, key)
	if err != nil {
		if rest.IsKind(err, rest.KindNotFound) {
			return nil, activities.NonRetryable(activities.TypeNoMapping, "documents.space %s does not exist in Confluence (or the bridge may not see it)", key)
		}
		return nil, activities.BackendError("read space "+key, err)
	}
	a.pages.Store("space:"+key, sp)
	return sp, nil
}

// rootParent is the page that hub pages go under: documents.parent, made
// at the top of the space when missing; "" puts hubs at the top.
func (a *DocumentPageActivities) rootParent(ctx context.Context) (string, error) {
	title := a.Rules.Documents.Parent
	if title == "" {
		return "", nil
	}
	return a.parentPage(ctx, title, func(context.Context) (string, error) { return "", nil }, func(string) string {
		return "<p>Controlled documents from OpenText, one page per document, kept current by xecm-bridge. " +
			"Embed one in your page with the Include Page or Excerpt Include macro.</p>"
	})
}

// hubPage returns the parent of a watch's document pages: its index page,
// a Page Properties Report over the hub's label, so Confluence itself lists
// every document with its version and status and the bridge never has to
// rewrite the index.
func (a *DocumentPageActivities) hubPage(ctx context.Context, watch string) (string, error) {
	if watch == "" {
		return a.parentPage(ctx, ReferencedDocumentsTitle, a.rootParent, func(string) string {
			return "<p>OpenText documents that pages reference and that belong to no hub.</p>" + report(`label = "`+activities.DocumentLabel+`" and space = "`+a.Rules.Documents.Space+`"`)
		})
	}
	return a.parentPage(ctx, watch, a.rootParent, func(string) string {
		return "<p>Every approved document of the OpenText hub <strong>" + html.EscapeString(watch) + "</strong>, kept current by xecm-bridge.</p>" +
			report(`label = "`+activities.HubLabel(watch)+`" and space = "`+a.Rules.Documents.Space+`"`)
	})
}

// report is a Page Properties Report over the document panels of cql.
func report(cql string) string {
	return `<ac:structured-macro ac:name="detailssummary" ac:schema-version="2">` +
		`<ac:parameter ac:name="cql">` + html.EscapeString(cql) + `</ac:parameter>` +
		`<ac:parameter ac:name="id">` + documentpage.PropertiesID + `</ac:parameter>` +
		`<ac:parameter ac:name="headings">Approved version,Version date,Status,Document type,Owner</ac:parameter>` +
		`<ac:parameter ac:name="sortBy">Title</ac:parameter>` +
		`</ac:structured-macro>`
}

// parentPage finds or creates a page by title in the documents space, under
// the page parent gives.
func (a *DocumentPageActivities) parentPage(ctx context.Context, title string, parent func(context.Context) (string, error), body func(string) string) (string, error) {
	if v, ok := a.pages.Load("page:" + title); ok {
		return v.(string), nil
	}
	sp, err := a.space(ctx)
	if err != nil {
		return "", err
	}
	p, err := a.Confluence.FindPageByTitle(ctx, sp.ID, sp.Key, title)
	if err != nil {
		return "", activities.BackendError("find page "+title, err)
	}
	if p == nil {
		parentID, err := parent(ctx)
		if err != nil {
			return "", err
		}
		p, err = a.Confluence.CreatePage(ctx, confluence.CreatePageRequest{SpaceID: sp.ID, SpaceKey: sp.Key, ParentID: parentID, Title: title, StorageBody: body(title)})
		if confluence.IsTitleTaken(err) {
			p, err = a.Confluence.FindPageByTitle(ctx, sp.ID, sp.Key, title)
		}
		if err != nil || p == nil {
			return "", activities.BackendError("create page "+title, err)
		}
	}
	a.pages.Store("page:"+title, p.ID)
	return p.ID, nil
}

// UnseenDocuments lists the documents of a watch that have a page not yet
// archived but that a full sweep did not see. They are candidates only:
// ConfirmAbsence asks OTCS about each before ArchiveMissing withdraws
// anything.
func (a *DocumentPageActivities) UnseenDocuments(ctx context.Context, in activities.MissingInput) (_ []int64, err error) {
	defer func() { activities.Observe(ctx, "UnseenDocuments", err) }()
	refs, err := a.Confluence.PagesWithLabel(ctx, a.Rules.Documents.Space, activities.HubLabel(in.Watch))
	if err != nil {
		return nil, activities.BackendError("list the pages of hub "+in.Watch, err)
	}
	out := []int64{}
	for _, r := range refs {
		// The node label says which document a page stands for: only the
		// pages of documents the sweep did not see are read.
		if node := nodeOfLabels(r.Labels); node != 0 && activities.ContainsID(in.Seen, node) {
			continue
		}
		cur, err := a.readDocumentPage(ctx, r.ID, r.Labels)
		if err != nil {
			return nil, err
		}
		if cur.rec == nil || cur.rec.Archived || activities.ContainsID(in.Seen, cur.rec.Doc.NodeID) || activities.ContainsID(out, cur.rec.Doc.NodeID) {
			continue
		}
		out = append(out, cur.rec.Doc.NodeID)
	}
	return out, nil
}

// ArchiveMissing flags the document pages of documents that OTCS confirmed
// gone from their watch (ConfirmAbsence): "Withdrawn", with the reason,
// and moved under the archive parent. Nothing is deleted; a page whose
// source comes back is moved back under its hub.
func (a *DocumentPageActivities) ArchiveMissing(ctx context.Context, in activities.ArchiveInput) (_ *activities.UpsertResult, err error) {
	defer func() { activities.Observe(ctx, "ArchiveMissing", err) }()
	out := &activities.UpsertResult{}
	for _, g := range in.Gone {
		refs, err := a.Confluence.PagesWithLabel(ctx, a.Rules.Documents.Space, activities.NodeLabel(g.NodeID))
		if err != nil {
			return nil, activities.BackendError(fmt.Sprintf("find the document page of %d", g.NodeID), err)
		}
		if len(refs) == 0 {
			continue
		}
		cur, err := a.readDocumentPage(ctx, refs[0].ID, refs[0].Labels)
		if err != nil {
			return nil, err
		}
		if cur.rec == nil || cur.rec.Archived {
			continue
		}
		st := activities.DocumentState{Watch: in.Watch, Doc: cur.rec.Doc, Withdrawn: true}
		res := &activities.UpsertedPage{NodeID: g.NodeID, PageID: cur.page.ID, Title: cur.page.Title, URL: a.Confluence.PageURL(cur.page), Locked: true}
		doc, _ := resolveDocument(&st, cur.rec)
		doc.Note = g.Note
		if err := a.applyMerging(ctx, &st, doc, cur, res); err != nil {
			return nil, err
		}
		out.Pages = append(out.Pages, *res)
		activities.Heartbeat(ctx, g.NodeID)
	}
	return out, nil
}

// workspaceRecord is kept on the "Workspace documents" page.
type workspaceRecord struct {
	Types []string `json:"types"`
}

// EnsureWorkspacePage keeps the connected space's "Workspace documents"
// page: one Page Properties Report per document type, each listing the
// document pages of that type, so Confluence keeps the lists current. The
// page is rewritten only when a new document type appears.
func (a *DocumentPageActivities) EnsureWorkspacePage(ctx context.Context, in activities.WorkspacePageInput) (_ *activities.WorkspacePageResult, err error) {
	defer func() { activities.Observe(ctx, "EnsureWorkspacePage", err) }()
	w := a.Rules.Documents.WatchByName(in.Watch)
	if w == nil || w.Connect == "" {
		return nil, activities.NonRetryable(activities.TypeNoMapping, "watch %q is not connected to a space", in.Watch)
	}
	sp, err := a.Confluence.GetSpaceByKey(ctx, w.Connect)
	if err != nil {
		return nil, activities.BackendError("read connected space "+w.Connect, err)
	}
	p, err := a.Confluence.FindPageByTitle(ctx, sp.ID, sp.Key, WorkspacePageTitle)
	if err != nil {
		return nil, activities.BackendError("find "+WorkspacePageTitle, err)
	}
	var rec workspaceRecord
	if p != nil {
		prop, err := a.Confluence.GetProperty(ctx, p.ID, activities.WorkspacePropertyKey)
		if err != nil && !rest.IsKind(err, rest.KindNotFound) {
			return nil, activities.BackendError("read "+WorkspacePageTitle, err)
		}
		if prop != nil {
			_ = json.Unmarshal(prop.Value, &rec)
		}
	}
	types := append([]string{}, rec.Types...)
	for _, t := range in.Types {
		if t != "" && !containsString(types, t) {
			types = append(types, t)
		}
	}
	sort.Strings(types)
	res := &activities.WorkspacePageResult{}
	if p == nil || len(types) != len(rec.Types) {
		body := a.workspaceBody(w.Name, types)
		if p == nil {
			p, err = a.Confluence.CreatePage(ctx, confluence.CreatePageRequest{SpaceID: sp.ID, SpaceKey: sp.Key, Title: WorkspacePageTitle, StorageBody: body})
			if confluence.IsTitleTaken(err) {
				p, err = a.Confluence.FindPageByTitle(ctx, sp.ID, sp.Key, WorkspacePageTitle)
			}
		} else {
			p, err = a.Confluence.UpdatePage(ctx, p.ID, p.Title, body, p.Version.Number+1, "New document types from the workspace")
		}
		if err != nil || p == nil {
			return nil, activities.BackendError("write "+WorkspacePageTitle+" in "+w.Connect, err)
		}
		if _, err := a.Confluence.SetProperty(ctx, p.ID, activities.WorkspacePropertyKey, workspaceRecord{Types: types}); err != nil {
			return nil, activities.BackendError("record "+WorkspacePageTitle, err)
		}
		res.Changed = true
	}
	res.PageID = p.ID
	res.SpaceURL = spaceURL(a.Confluence.PageURL(p))
	return res, nil
}

func (a *DocumentPageActivities) workspaceBody(watch string, types []string) string {
	hub := `label = "` + activities.HubLabel(watch) + `" and space = "` + a.Rules.Documents.Space + `"`
	var b strings.Builder
	b.WriteString("<p>The controlled documents of the OpenText business workspace <strong>" + html.EscapeString(watch) +
		"</strong>, grouped by document type. Each links to its document page; kept current by xecm-bridge.</p>")
	var slugs []string
	for _, t := range types {
		s := activities.Slug(t)
		slugs = append(slugs, `"`+TypeLabel(s)+`"`)
		b.WriteString("<h2>" + html.EscapeString(t) + "</h2>")
		b.WriteString(report(hub + ` and label = "` + TypeLabel(s) + `"`))
	}
	b.WriteString("<h2>Other documents</h2>")
	if len(slugs) > 0 {
		b.WriteString(report(hub + " and label not in (" + strings.Join(slugs, ", ") + ")"))
	} else {
		b.WriteString(report(hub))
	}
	return b.String()
}

// spaceURL is the space a page URL belongs to (Cloud: …/spaces/KEY).
func spaceURL(pageURL string) string {
	if before, _, ok := strings.Cut(pageURL, "/pages/"); ok && strings.Contains(before, "/spaces/") {
		return before
	}
	return pageURL
}

// DocumentPageNode returns the OTCS node a document page stands for; 0
// when the page is not a document page.
func (a *DocumentPageActivities) DocumentPageNode(ctx context.Context, pageID string) (_ int64, err error) {
	defer func() { activities.Observe(ctx, "DocumentPageNode", err) }()
	prop, err := a.Confluence.GetProperty(ctx, pageID, activities.DocumentPropertyKey)
	if rest.IsKind(err, rest.KindNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, activities.BackendError("read the record of "+pageID, err)
	}
	var rec activities.DocumentRecord
	if err := json.Unmarshal(prop.Value, &rec); err != nil {
		return 0, nil
	}
	return rec.Doc.NodeID, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// nodeOfLabels reads the node id from a page's NodeLabel; 0 when absent.
func nodeOfLabels(labels []string) int64 {
	for _, l := range labels {
		if rest, ok := strings.CutPrefix(l, "xecm-node-"); ok {
			if id, err := strconv.ParseInt(rest, 10, 64); err == nil {
				return id
			}
		}
	}
	return 0
}

// TemplateCopyNode returns the OTCS template a controlled copy stands for;
// 0 when the page is not a copy.
func (a *DocumentPageActivities) TemplateCopyNode(ctx context.Context, pageID string) (_ int64, err error) {
	defer func() { activities.Observe(ctx, "TemplateCopyNode", err) }()
	prop, err := a.Confluence.GetProperty(ctx, pageID, activities.TemplatePropertyKey)
	if rest.IsKind(err, rest.KindNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, activities.BackendError("read the record of "+pageID, err)
	}
	var rec activities.TemplateRecord
	if err := json.Unmarshal(prop.Value, &rec); err != nil {
		return 0, nil
	}
	return rec.NodeID, nil
}
