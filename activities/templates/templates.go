package templates

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/xecm-bridge/xecm-bridge/access"
	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/conversion"
	"github.com/xecm-bridge/xecm-bridge/documentpage"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// TemplateActivities publish approved OTCS templates as read-only
// Confluence pages and Confluence page templates (flow F4). They run on
// the OpenText queue: each one downloads the approved version, converts it
// (pandoc for DOCX, natively for HTML and Markdown) in a bounded
// subprocess or in memory, and writes the result to Confluence — the bytes
// stream through a temporary file and never enter Temporal.
//
//   - PublishTemplates: create or update copies and templates, restore
//     edited copies, withdraw the ones OTCS withdrew
type TemplateActivities struct {
	OTCS       *opentext.Client
	Confluence *confluence.Client
	Rules      *mapping.Rules
	// Limits bound every conversion; zero values take the conversion
	// package's defaults (the input limit is templates.max_bytes).
	Limits conversion.Limits
	// Access looks Confluence groups up; nil: made from Rules.Access.
	Access *access.Resolver

	pages        sync.Map // title -> parent page id
	resolverOnce activities.LazyResolver
}

// TemplateHeaderName names the bridge-owned header of a controlled copy.
const TemplateHeaderName = "xecm-template"

// TemplateNodeLabel finds a template's controlled copy.
func TemplateNodeLabel(nodeID int64) string { return fmt.Sprintf("xecm-template-%d", nodeID) }

// copyState is a controlled copy as read.
type copyState struct {
	page   *confluence.Page
	labels []string
	rec    *activities.TemplateRecord
}

// PublishTemplates brings each template's controlled copy and Confluence
// template up to date. A template that cannot be converted is reported
// with its typed error and nothing of it is written; the others go on.
func (a *TemplateActivities) PublishTemplates(ctx context.Context, in activities.PublishTemplatesInput) (_ *activities.PublishTemplatesResult, err error) {
	defer func() { activities.Observe(ctx, "PublishTemplates", err) }()
	if a.Rules.Templates == nil {
		return nil, activities.NonRetryable(activities.TypeNoMapping, "the mapping has no templates: section")
	}
	if in.MissingFrom != "" {
		return a.withdrawMissing(ctx, in)
	}
	out := &activities.PublishTemplatesResult{}
	for i := range in.Docs {
		r, err := a.publish(ctx, &in.Docs[i])
		if err != nil {
			return nil, err
		}
		out.Templates = append(out.Templates, *r)
		activities.Heartbeat(ctx, i)
	}
	return out, nil
}

func (a *TemplateActivities) publish(ctx context.Context, st *activities.DocumentState) (*activities.TemplateResult, error) {
	t := a.Rules.Templates
	res := &activities.TemplateResult{NodeID: st.Doc.NodeID, Name: st.Doc.Name}
	if st.Missing != "" {
		res.Skipped = st.Missing
		return res, nil
	}
	cur, err := a.findCopy(ctx, st.Doc.NodeID)
	if err != nil {
		return nil, err
	}
	if st.Withdrawn {
		return a.withdraw(ctx, cur, res, "withdrawn in OpenText")
	}
	// The approved version by the watch's rule; when there is none now (an
	// attribute rule that no longer holds) or the template is on hold, the
	// copy stays at the version approved before.
	version := st.Doc.Approved
	if (version == nil || st.Hold != "") && cur != nil && cur.rec != nil {
		version = &documentpage.Version{Number: cur.rec.Version, Name: cur.rec.VersionLabel, Date: cur.rec.ApprovedAt,
			FileName: cur.rec.FileName, MimeType: cur.rec.MimeType}
		st.Doc.VersionURL = cur.rec.VersionURL
	}
	if version == nil {
		res.Skipped = "no approved version yet"
		return res, nil
	}
	res.Version = version.Label()
	name := t.TemplateName(st.Doc.Name, st.Doc.NodeID)
	plan, err := activities.PlanReaders(ctx, a.resolver(), a.Rules.Access, t.BridgeAccount, st.Readers)
	if err != nil {
		return nil, err
	}
	res.Restricted = !plan.Open
	if cur != nil {
		// Narrowed first: the Confluence template (which cannot be
		// restricted) goes, and the copy's restriction is set, before any
		// new content is written.
		if err := a.narrowCopy(ctx, cur, plan); err != nil {
			return nil, err
		}
	}
	if plan.Refused != "" {
		res.ErrorType, res.Error = activities.TypeRestrictedSourceUnmapped, plan.Refused
		if cur != nil {
			res.PageID = cur.page.ID
		}
		return res, nil
	}
	if cur != nil && cur.rec != nil && cur.rec.Version == version.Number && cur.rec.Status == activities.TemplateCurrent &&
		documentpage.Fingerprint(cur.page.Body) == cur.rec.BodyPrint {
		exists, err := a.templateExists(ctx, cur.rec.TemplateID)
		if err != nil {
			return nil, err
		}
		if exists || !plan.Open {
			res.PageID, res.TemplateID, res.Kind = cur.page.ID, cur.rec.TemplateID, cur.rec.Kind
			return res, nil // unchanged: nothing downloaded, nothing written
		}
	}
	file, sum, err := a.download(ctx, st.Doc.NodeID, version.Number)
	if err != nil {
		return nil, err
	}
	defer os.Remove(file.Name())
	defer file.Close()
	conv, err := conversion.Convert(ctx, version.FileName, version.MimeType, file, a.limits())
	if err != nil {
		return typedTemplateError(res, err)
	}
	res.Kind = conv.Kind
	rec := activities.TemplateRecord{NodeID: st.Doc.NodeID, Name: st.Doc.Name, Watch: st.Watch, Version: version.Number, VersionLabel: version.Label(),
		ApprovedAt: version.Date, VersionURL: st.Doc.VersionURL, SHA256: sum, FileName: version.FileName, MimeType: version.MimeType,
		Kind: conv.Kind, TemplateName: name, Status: activities.TemplateCurrent}
	if cur != nil && cur.rec != nil {
		rec.TemplateID, rec.Restricted, rec.Archived = cur.rec.TemplateID, cur.rec.Restricted, cur.rec.Archived
		if rec.VersionURL == "" {
			rec.VersionURL = cur.rec.VersionURL
		}
		res.Restored = cur.rec.Version == version.Number && cur.rec.Status == activities.TemplateCurrent &&
			documentpage.Fingerprint(cur.page.Body) != cur.rec.BodyPrint
	}
	body := templateHeader(rec, false) + conv.Storage
	if cur == nil {
		if cur, err = a.createCopy(ctx, st, name, body, plan); err != nil {
			if errors.Is(err, errNameClash) {
				res.ErrorType, res.Error = activities.TypeNameClash, fmt.Sprintf("a page titled %q exists in space %s and was not made by the bridge; it is left alone (rename it, or change templates.name)", name, t.Space)
				return res, nil
			}
			return nil, err
		}
		res.Created = true
	}
	res.PageID = cur.page.ID
	if err := a.placeCopy(ctx, cur, plan); err != nil {
		return nil, err
	}
	if err := a.uploadAll(ctx, cur.page.ID, conv.Attachments); err != nil {
		return nil, err
	}
	if res.Restored {
		// Said before the copy is put back (see applyDocument); once per edit.
		marker := fmt.Sprintf("xecm-bridge:template:%d:restored:v%d", rec.NodeID, cur.page.Version.Number)
		note := "<p>This page is a controlled copy of an OpenText template; an edit made here was undone. Change the template in OpenText.</p>"
		if err := activities.NoteOnce(ctx, a.Confluence, cur.page.ID, marker, note); err != nil {
			return nil, activities.BackendError("comment on controlled copy "+cur.page.ID, err)
		}
	}
	if cur.page.Body != body {
		msg := fmt.Sprintf("OTCS version %s, approved %s", rec.VersionLabel, rec.ApprovedAt.UTC().Format("2006-01-02"))
		if res.Restored {
			msg = "Controlled copy restored from OpenText"
		}
		p, err := a.Confluence.UpdatePage(ctx, cur.page.ID, cur.page.Title, body, cur.page.Version.Number+1, msg)
		if err != nil {
			return nil, activities.BackendError("update controlled copy "+cur.page.ID, err)
		}
		cur.page = p
		res.Changed = !res.Created
	}
	if rec.Archived && t.Parent != "" {
		// Approved again after a withdrawal: back from the archive.
		_, parent, err := a.copiesPage(ctx, t.Parent, "")
		if err != nil {
			return nil, err
		}
		if err := a.Confluence.MovePage(ctx, cur.page.ID, parent); err != nil {
			return nil, activities.BackendError("move controlled copy "+cur.page.ID+" back to "+t.Parent, err)
		}
	}
	rec.Archived = false
	if err := a.finishCopy(ctx, cur, &rec, st.Watch); err != nil {
		return nil, err
	}
	if plan.Open {
		if rec.TemplateID, err = a.keepTemplate(ctx, rec, cur.page.Title, conv.Storage); err != nil {
			return nil, err
		}
	}
	res.TemplateID = rec.TemplateID
	rec.BodyPrint = documentpage.Fingerprint(cur.page.Body)
	if _, err := a.Confluence.SetProperty(ctx, cur.page.ID, activities.TemplatePropertyKey, rec); err != nil {
		return nil, activities.BackendError("record controlled copy "+cur.page.ID, err)
	}
	return res, nil
}

// limits are the conversion limits, with templates.max_bytes as input cap.
func (a *TemplateActivities) limits() conversion.Limits {
	l := a.Limits
	if l.MaxInput == 0 {
		l.MaxInput = a.Rules.Templates.MaxBytes
	}
	return l
}

// typedTemplateError reports a conversion error on res.
func typedTemplateError(res *activities.TemplateResult, err error) (*activities.TemplateResult, error) {
	var ce *conversion.Error
	if !errors.As(err, &ce) {
		return nil, fmt.Errorf("convert %q: %w", res.Name, err)
	}
	switch ce.Kind {
	case conversion.ErrTooLarge, conversion.ErrOutputTooLarge:
		res.ErrorType = activities.TypeTemplateTooLarge
	case conversion.ErrConverterMissing:
		res.ErrorType = activities.TypeConverterMissing
	default:
		res.ErrorType = activities.TypeConversionFailed
	}
	res.Error = ce.Error()
	return res, nil
}

// download streams a version into a temporary file, hashing it; the
// template limit is checked before and while reading.
func (a *TemplateActivities) download(ctx context.Context, nodeID int64, number int) (*os.File, string, error) {
	body, err := a.OTCS.DownloadVersion(ctx, nodeID, number)
	if err != nil {
		return nil, "", activities.BackendError(fmt.Sprintf("download version %d of template %d", number, nodeID), err)
	}
	defer body.Close()
	f, err := os.CreateTemp("", "xecm-template-*")
	if err != nil {
		return nil, "", err
	}
	h := sha256.New()
	limit := a.Rules.Templates.MaxBytes
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(body, limit+1))
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, "", fmt.Errorf("download version %d of template %d: %w", number, nodeID, err)
	}
	_ = n // the converter refuses more than the limit with a typed error
	return f, hex.EncodeToString(h.Sum(nil)), nil
}

// findCopy finds a template's controlled copy by its node label.
func (a *TemplateActivities) findCopy(ctx context.Context, nodeID int64) (*copyState, error) {
	refs, err := a.Confluence.PagesWithLabel(ctx, a.Rules.Templates.Space, TemplateNodeLabel(nodeID))
	if err != nil {
		return nil, activities.BackendError("find the copy of template "+fmt.Sprint(nodeID), err)
	}
	if len(refs) == 0 {
		return nil, nil
	}
	return a.readCopy(ctx, refs[0].ID, refs[0].Labels)
}

func (a *TemplateActivities) readCopy(ctx context.Context, pageID string, labels []string) (*copyState, error) {
	p, err := a.Confluence.GetPage(ctx, pageID, confluence.GetPageOptions{BodyFormat: "storage"})
	if err != nil {
		return nil, activities.BackendError("read controlled copy "+pageID, err)
	}
	cs := &copyState{page: p, labels: labels}
	prop, err := a.Confluence.GetProperty(ctx, pageID, activities.TemplatePropertyKey)
	switch {
	case rest.IsKind(err, rest.KindNotFound):
	case err != nil:
		return nil, activities.BackendError("read the record of "+pageID, err)
	default:
		var rec activities.TemplateRecord
		if err := json.Unmarshal(prop.Value, &rec); err == nil {
			cs.rec = &rec
		}
	}
	return cs, nil
}

// errNameClash: the title is taken by a page the bridge did not make.
var errNameClash = errors.New("name clash")

// createCopy creates the controlled copy. A page with the title that the
// bridge account made is an earlier attempt's (a crash before its label):
// it is taken and finished; one that people made is left alone.
func (a *TemplateActivities) createCopy(ctx context.Context, st *activities.DocumentState, title, body string, plan activities.ReadPlan) (*copyState, error) {
	t := a.Rules.Templates
	sp, parent, err := a.copiesPage(ctx, t.Parent, "")
	if err != nil {
		return nil, err
	}
	if !plan.Open {
		// Made where only the bridge can read it (see StagingPageTitle).
		if parent, err = activities.Staging(ctx, a.Confluence, &a.pages, sp, t.BridgeAccount, true); err != nil {
			return nil, err
		}
	}
	p, err := a.Confluence.CreatePage(ctx, confluence.CreatePageRequest{SpaceID: sp.ID, SpaceKey: sp.Key, ParentID: parent, Title: title, StorageBody: body})
	if confluence.IsTitleTaken(err) {
		found, ferr := a.Confluence.FindPageByTitle(ctx, sp.ID, sp.Key, title)
		if ferr != nil || found == nil {
			return nil, activities.BackendError("find page "+title, firstErr(ferr, err))
		}
		if found.AuthorID != t.BridgeAccount || !strings.Contains(found.Body, TemplateNodeMarker(st.Doc.NodeID)) {
			return nil, errNameClash
		}
		return a.readCopy(ctx, found.ID, nil)
	}
	if rest.IsKind(err, rest.KindNotFound) {
		a.pages.Clear() // the parent page is gone: the retry makes it again
		return nil, fmt.Errorf("create controlled copy %s: its parent is gone; the retry makes it again: %w", title, err)
	}
	if err != nil {
		return nil, activities.BackendError("create controlled copy "+title, err)
	}
	return &copyState{page: p}, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// copiesPage finds or creates a parent page in the copies' space.
func (a *TemplateActivities) copiesPage(ctx context.Context, title, body string) (*confluence.Space, string, error) {
	key := a.Rules.Templates.Space
	sp, err := a.Confluence.GetSpaceByKey(ctx, key)
	if err != nil {
		return nil, "", activities.BackendError("read space "+key, err)
	}
	id, err := a.parentPage(ctx, sp, title, body)
	return sp, id, err
}

// parentPage finds or creates a page by title at the top of the space.
func (a *TemplateActivities) parentPage(ctx context.Context, sp *confluence.Space, title, body string) (string, error) {
	if title == "" {
		return "", nil
	}
	if v, ok := a.pages.Load(sp.Key + "/" + title); ok {
		return v.(string), nil
	}
	p, err := a.Confluence.FindPageByTitle(ctx, sp.ID, sp.Key, title)
	if err == nil && p == nil {
		if body == "" {
			body = "<p>Controlled copies of the approved templates in OpenText, kept by xecm-bridge. Start a new page from one with Create → Templates.</p>"
		}
		p, err = a.Confluence.CreatePage(ctx, confluence.CreatePageRequest{SpaceID: sp.ID, SpaceKey: sp.Key, Title: title, StorageBody: body})
		if confluence.IsTitleTaken(err) {
			p, err = a.Confluence.FindPageByTitle(ctx, sp.ID, sp.Key, title)
		}
	}
	if err != nil || p == nil {
		return "", activities.BackendError("find or create page "+title, err)
	}
	a.pages.Store(sp.Key+"/"+title, p.ID)
	return p.ID, nil
}

// finishCopy puts the labels and the restriction on a copy.
func (a *TemplateActivities) finishCopy(ctx context.Context, cur *copyState, rec *activities.TemplateRecord, watch string) error {
	t := a.Rules.Templates
	want := append([]string{TemplateNodeLabel(rec.NodeID)}, t.Labels...)
	if watch != "" {
		want = append(want, activities.TemplateWatchLabel(watch))
	}
	if cur.labels == nil {
		ls, err := a.Confluence.Labels(ctx, cur.page.ID)
		if err != nil {
			return activities.BackendError("read labels of "+cur.page.ID, err)
		}
		cur.labels = []string{}
		for _, l := range ls {
			cur.labels = append(cur.labels, l.Name)
		}
	}
	if missing := activities.MissingLabels(cur.labels, want); len(missing) > 0 {
		if err := a.Confluence.AddLabels(ctx, cur.page.ID, missing...); err != nil {
			return activities.BackendError("label controlled copy "+cur.page.ID, err)
		}
	}
	if !rec.Restricted {
		if err := a.Confluence.SetUpdateRestriction(ctx, cur.page.ID, []string{t.BridgeAccount}, nil); err != nil {
			return activities.BackendError("restrict controlled copy "+cur.page.ID, err)
		}
		rec.Restricted = true
	}
	return nil
}

// uploadAll attaches the converted file's images (or the file itself); an
// attachment whose comment already names the same SHA-256 is not sent again.
func (a *TemplateActivities) uploadAll(ctx context.Context, pageID string, atts []conversion.Attachment) error {
	if len(atts) == 0 {
		return nil
	}
	have, err := a.Confluence.Attachments(ctx, pageID)
	if err != nil {
		return activities.BackendError("list attachments of "+pageID, err)
	}
	for _, att := range atts {
		sum := sha256.Sum256(att.Data)
		comment := "sha256:" + hex.EncodeToString(sum[:])
		same := false
		for _, h := range have {
			same = same || (h.Title == att.Name && strings.Contains(h.Comment, comment))
		}
		if same {
			continue
		}
		if _, err := a.Confluence.UploadAttachment(ctx, pageID, att.Name, att.MediaType, strings.NewReader(string(att.Data)), "Controlled copy from OpenText, "+comment); err != nil {
			return activities.BackendError("attach "+att.Name+" to "+pageID, err)
		}
	}
	return nil
}

// attachmentRef matches an attachment reference of the copy's body.
var attachmentRef = regexp.MustCompile(`<ri:attachment ri:filename="([^"]*)"\s*(/>|>\s*</ri:attachment>)`)

// keepTemplate creates the Confluence page template once and then updates
// it by its id; a template someone deleted is made again. Its images and
// files point at the copy's attachments.
func (a *TemplateActivities) keepTemplate(ctx context.Context, rec activities.TemplateRecord, copyTitle, storage string) (string, error) {
	t := a.Rules.Templates
	body := attachmentRef.ReplaceAllString(storage, `<ri:attachment ri:filename="$1"><ri:page ri:content-title="`+html.EscapeString(copyTitle)+`" ri:space-key="`+html.EscapeString(t.Space)+`" /></ri:attachment>`)
	// The node marker ends the description: it is how a template is
	// recognised after a crash. Well under the update limit of 100.
	desc := fmt.Sprintf("OTCS version %.20s, approved %s (node %d)", rec.VersionLabel, rec.ApprovedAt.UTC().Format("2006-01-02"), rec.NodeID)
	req := confluence.TemplateRequest{Name: rec.TemplateName, Description: desc, SpaceKey: t.TemplateSpace, Labels: t.Labels, StorageBody: body}
	if rec.TemplateID != "" {
		tpl, err := a.Confluence.UpdateTemplate(ctx, rec.TemplateID, req)
		if err == nil {
			return tpl.ID, nil
		}
		if !confluence.IsUnknownTemplate(err) {
			return "", activities.BackendError("update Confluence template "+rec.TemplateID, err)
		}
	}
	// A crash after an earlier create (before its id was recorded) left a
	// template with this name and node: take it instead of making another.
	existing, err := a.Confluence.TemplatesInSpace(ctx, t.TemplateSpace)
	if err != nil {
		return "", activities.BackendError("list Confluence templates of "+t.TemplateSpace, err)
	}
	marker := fmt.Sprintf("(node %d)", rec.NodeID)
	for _, e := range existing {
		if e.Name == rec.TemplateName && strings.HasSuffix(e.Description, marker) {
			tpl, err := a.Confluence.UpdateTemplate(ctx, e.ID, req)
			if err != nil {
				return "", activities.BackendError("update Confluence template "+e.ID, err)
			}
			return tpl.ID, nil
		}
	}
	tpl, err := a.Confluence.CreateTemplate(ctx, req)
	if err != nil {
		return "", activities.BackendError("create Confluence template "+rec.TemplateName, err)
	}
	return tpl.ID, nil
}

// templateExists reports whether the Confluence template is still there.
func (a *TemplateActivities) templateExists(ctx context.Context, id string) (bool, error) {
	if id == "" {
		return false, nil
	}
	_, err := a.Confluence.GetTemplate(ctx, id)
	if confluence.IsUnknownTemplate(err) {
		return false, nil
	}
	if err != nil {
		return false, activities.BackendError("read Confluence template "+id, err)
	}
	return true, nil
}

// withdraw marks a copy withdrawn, moves it under the archive parent and
// removes its Confluence template, saying so on the page.
func (a *TemplateActivities) withdraw(ctx context.Context, cur *copyState, res *activities.TemplateResult, why string) (*activities.TemplateResult, error) {
	t := a.Rules.Templates
	if cur == nil || cur.rec == nil {
		res.Skipped = why + "; it has no controlled copy"
		return res, nil
	}
	res.PageID = cur.page.ID
	rec := *cur.rec
	if rec.Status == activities.TemplateWithdrawn && rec.Archived {
		return res, nil
	}
	res.Withdrawn = true
	body := documentpage.MergeNamed(cur.page.Body, templateHeader(rec, true), TemplateHeaderName)
	if body != cur.page.Body {
		p, err := a.Confluence.UpdatePage(ctx, cur.page.ID, cur.page.Title, body, cur.page.Version.Number+1, "Withdrawn in OpenText: "+why)
		if err != nil {
			return nil, activities.BackendError("mark controlled copy "+cur.page.ID+" withdrawn", err)
		}
		cur.page = p
	}
	if rec.TemplateID != "" {
		err := a.Confluence.DeleteTemplate(ctx, rec.TemplateID)
		if err != nil && !confluence.IsUnknownTemplate(err) {
			return nil, activities.BackendError("remove Confluence template "+rec.TemplateID, err)
		}
		note := fmt.Sprintf("<p>The template was %s. Its Confluence page template %q (id %s) was removed; this page stays as the record of the last approved version.</p>",
			html.EscapeString(why), html.EscapeString(rec.TemplateName), html.EscapeString(rec.TemplateID))
		marker := fmt.Sprintf("xecm-bridge:template:%d:removed:%s", rec.NodeID, rec.TemplateID)
		if err := activities.NoteOnce(ctx, a.Confluence, cur.page.ID, marker, note); err != nil {
			return nil, activities.BackendError("comment on controlled copy "+cur.page.ID, err)
		}
		rec.TemplateID = ""
	}
	if !rec.Archived {
		_, archive, err := a.copiesPage(ctx, t.Archive, activities.ArchiveBody(t.Archive))
		if err != nil {
			return nil, err
		}
		if err := a.Confluence.MovePage(ctx, cur.page.ID, archive); err != nil {
			return nil, activities.BackendError("move controlled copy "+cur.page.ID+" to "+t.Archive, err)
		}
		rec.Archived = true
	}
	rec.Status, rec.BodyPrint = activities.TemplateWithdrawn, documentpage.Fingerprint(cur.page.Body)
	if _, err := a.Confluence.SetProperty(ctx, cur.page.ID, activities.TemplatePropertyKey, rec); err != nil {
		return nil, activities.BackendError("record controlled copy "+cur.page.ID, err)
	}
	return res, nil
}

// withdrawMissing withdraws the copies of a watch's templates that a full
// sweep did not find (deleted, or moved out of the folder).
func (a *TemplateActivities) withdrawMissing(ctx context.Context, in activities.PublishTemplatesInput) (*activities.PublishTemplatesResult, error) {
	refs, err := a.Confluence.PagesWithLabel(ctx, a.Rules.Templates.Space, activities.TemplateWatchLabel(in.MissingFrom))
	if err != nil {
		return nil, activities.BackendError("list the copies of "+in.MissingFrom, err)
	}
	out := &activities.PublishTemplatesResult{}
	for _, r := range refs {
		cur, err := a.readCopy(ctx, r.ID, r.Labels)
		if err != nil {
			return nil, err
		}
		if cur.rec == nil || activities.ContainsID(in.Seen, cur.rec.NodeID) || cur.rec.Status == activities.TemplateWithdrawn {
			continue
		}
		why := "moved out of " + in.MissingFrom
		if _, err := a.OTCS.GetNode(ctx, cur.rec.NodeID); rest.IsKind(err, rest.KindNotFound) {
			why = "deleted in OpenText"
		} else if err != nil {
			return nil, activities.BackendError(fmt.Sprintf("read node %d", cur.rec.NodeID), err)
		}
		res, err := a.withdraw(ctx, cur, &activities.TemplateResult{NodeID: cur.rec.NodeID, Name: cur.rec.Name}, why)
		if err != nil {
			return nil, err
		}
		out.Templates = append(out.Templates, *res)
	}
	return out, nil
}

// TemplateNodeMarker is in every copy's header: it tells the bridge's own
// page from a person's page with the same title.
func TemplateNodeMarker(nodeID int64) string { return fmt.Sprintf("OTCS template %d", nodeID) }

// templateHeader is the bridge-owned header of a controlled copy.
func templateHeader(rec activities.TemplateRecord, withdrawn bool) string {
	var b strings.Builder
	b.WriteString(`<ac:structured-macro ac:name="excerpt" ac:schema-version="1"><ac:parameter ac:name="name">` + TemplateHeaderName + `</ac:parameter><ac:rich-text-body>`)
	macro, title := "info", "Controlled copy — "+TemplateNodeMarker(rec.NodeID)
	if withdrawn {
		macro, title = "warning", "Withdrawn in OpenText — "+TemplateNodeMarker(rec.NodeID)
	}
	b.WriteString(`<ac:structured-macro ac:name="` + macro + `" ac:schema-version="1"><ac:parameter ac:name="title">` + html.EscapeString(title) + `</ac:parameter><ac:rich-text-body><p>`)
	version := html.EscapeString(rec.VersionLabel)
	if rec.VersionURL != "" {
		version = `<a href="` + html.EscapeString(rec.VersionURL) + `">` + version + `</a>`
	}
	if withdrawn {
		b.WriteString(`This template was withdrawn in OpenText; do not start new pages from it. Last approved: OTCS <strong>` + html.EscapeString(rec.Name) + `</strong> version ` + version + `.`)
	} else {
		b.WriteString(`Controlled copy of OTCS <strong>` + html.EscapeString(rec.Name) + `</strong> version ` + version + `, approved ` +
			rec.ApprovedAt.UTC().Format("2006-01-02") + ` — change it in OpenText. Start a new page from the Confluence template <strong>` + html.EscapeString(rec.TemplateName) + `</strong>.`)
	}
	b.WriteString(`</p></ac:rich-text-body></ac:structured-macro></ac:rich-text-body></ac:structured-macro>`)
	return b.String()
}
