package documentpages

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"sort"
	"strings"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/documentpage"
)

// ReadReferences reads a page and finds its links to documents on the
// configured OTCS host (Smart View and classic links). Pages of spaces the
// mapping does not scan, and the bridge's own document pages, are skipped.
func (a *DocumentPageActivities) ReadReferences(ctx context.Context, in activities.ReadReferencesInput) (_ *activities.ReferenceScan, err error) {
	defer func() { activities.Observe(ctx, "ReadReferences", err) }()
	p, err := a.Confluence.GetPage(ctx, in.PageID, confluence.GetPageOptions{BodyFormat: "storage"})
	if rest.IsKind(err, rest.KindNotFound) {
		return nil, activities.NonRetryable(activities.TypePageNotFound, "page %s does not exist (or the bridge may not see it)", in.PageID)
	}
	if err != nil {
		return nil, activities.BackendError("read page "+in.PageID, err)
	}
	scan := &activities.ReferenceScan{PageID: p.ID, Title: p.Title, SpaceKey: p.SpaceKey, SpaceID: p.SpaceID, URL: a.Confluence.PageURL(p), LinkURLs: map[string]string{}}
	switch {
	case a.Rules.Documents != nil && p.SpaceKey == a.Rules.Documents.Space:
		scan.Skip = "a page of the documents space"
		return scan, nil
	case !a.Rules.ScansReferences(p.SpaceKey):
		scan.Skip = "space " + p.SpaceKey + " is not scanned for references"
		return scan, nil
	}
	for _, l := range documentpage.Links(p.Body, a.otcsHost()) {
		scan.Linked = append(scan.Linked, l.NodeID)
		scan.LinkURLs[fmt.Sprint(l.NodeID)] = l.URL
	}
	if author := activities.FirstNonBlank(p.Version.AuthorID, p.AuthorID); author != "" {
		scan.Author = &activities.ReferenceAuthor{AccountID: author}
		// The email, where Confluence shows it, maps the author to OTCS
		// when no access.user_table entry does.
		if u, err := a.Confluence.User(ctx, author); err == nil {
			scan.Author.Email = u.Email
		} else if !rest.IsKind(err, rest.KindNotFound) {
			return nil, activities.BackendError("read the author of "+p.ID, err)
		}
	}
	prop, err := a.Confluence.GetProperty(ctx, p.ID, activities.ReferencesPropertyKey)
	switch {
	case rest.IsKind(err, rest.KindNotFound):
	case err != nil:
		return nil, activities.BackendError("read the references of "+p.ID, err)
	default:
		_ = json.Unmarshal(prop.Value, &scan.Previous)
	}
	return scan, nil
}

// otcsHost is the host[:port] of the configured OTCS, the only host whose
// links count.
func (a *DocumentPageActivities) otcsHost() string {
	u, err := url.Parse(a.OTCS.NodeURL(1))
	if err != nil {
		return ""
	}
	return u.Host
}

// RecordReferences records a page's references on both sides: the page's
// content property (no page version) and each document page's "Referenced
// from" list. A link that leads nowhere gets one comment on the page; a
// link removed from the page removes the reference.
func (a *DocumentPageActivities) RecordReferences(ctx context.Context, in activities.RecordReferencesInput) (_ *activities.RecordReferencesResult, err error) {
	defer func() { activities.Observe(ctx, "RecordReferences", err) }()
	scan := &in.Scan
	pages := map[int64]activities.UpsertedPage{}
	for _, p := range in.Pages {
		pages[p.NodeID] = p
	}
	manual := map[int64]bool{}
	for _, r := range scan.Previous.Refs {
		manual[r.NodeID] = r.Manual
	}
	for _, id := range in.Manual {
		manual[id] = true
	}
	list := activities.ReferenceList{Commented: scan.Previous.Commented}
	var broken []activities.Reference
	for _, st := range in.States {
		id := st.Doc.NodeID
		ref := activities.Reference{NodeID: id, URL: scan.LinkURLs[fmt.Sprint(id)], Manual: manual[id] && !activities.ContainsID(scan.Linked, id)}
		p := pages[id]
		switch {
		case st.Missing == activities.ReasonNotFound, st.Missing == activities.ReasonNotVisible:
			ref.Status, ref.Reason = activities.RefUnavailable, st.Missing
		case st.Missing != "":
			ref.Status, ref.Reason = activities.RefRefused, st.Missing
		case p.PageID == "":
			ref.Status, ref.Reason = activities.RefUnavailable, activities.FirstNonBlank(p.Skipped, "no document page")
		default:
			ref.Status, ref.DocumentPage, ref.Title = activities.RefAvailable, p.PageID, p.Title
			if st.Readers.Restricted() {
				// The working page's readers may not be the document's:
				// the reference names nothing but that it is restricted.
				ref.Title, ref.Restricted = documentpage.RestrictedDocument, true
			}
		}
		if ref.Status != activities.RefAvailable && !activities.ContainsID(list.Commented, id) {
			broken = append(broken, ref)
			list.Commented = append(list.Commented, id)
		}
		list.Refs = append(list.Refs, ref)
	}
	out := &activities.RecordReferencesResult{Refs: list.Refs}
	if len(broken) > 0 {
		ids := make([]string, len(broken))
		for i, r := range broken {
			ids[i] = fmt.Sprint(r.NodeID)
		}
		marker := "xecm-bridge:references:" + scan.PageID + ":broken:" + strings.Join(ids, ",")
		if err := activities.NoteOnce(ctx, a.Confluence, scan.PageID, marker, brokenLinksNote(broken)); err != nil {
			return nil, activities.BackendError("comment on "+scan.PageID, err)
		}
		out.Comment = true
	}
	if _, err := a.Confluence.SetProperty(ctx, scan.PageID, activities.ReferencesPropertyKey, list); err != nil {
		return nil, activities.BackendError("record the references of "+scan.PageID, err)
	}
	// Both sides: document pages gain or lose this page in "Referenced
	// from". A document page's readers may not be this page's, so it is
	// named there only when it has no read restriction of its own or
	// inherited (EffectiveReadRestriction empty) in a space everyone may
	// view; otherwise it counts as "a restricted page".
	me := documentpage.Ref{PageID: scan.PageID, Title: scan.Title, SpaceKey: scan.SpaceKey, URL: scan.URL}
	levels, err := a.Confluence.EffectiveReadRestriction(ctx, scan.PageID)
	if err != nil {
		return nil, activities.BackendError("read the restrictions of "+scan.PageID, err)
	}
	var viewers *confluence.PageReadRestriction
	if len(levels) == 0 && scan.SpaceID != "" {
		if viewers, err = activities.SpaceViewers(ctx, a.Confluence, a.Rules.Access, scan.SpaceID, scan.SpaceKey); err != nil {
			return nil, err
		}
	}
	if len(levels) > 0 || viewers != nil || scan.SpaceID == "" {
		me = documentpage.Ref{PageID: scan.PageID, Restricted: true}
	}
	before := map[string]bool{}
	for _, r := range scan.Previous.Refs {
		if r.Status == activities.RefAvailable {
			before[r.DocumentPage] = true
		}
	}
	now := map[string]bool{}
	for _, r := range list.Refs {
		if r.Status == activities.RefAvailable {
			now[r.DocumentPage] = true
			if err := a.setReferencedFrom(ctx, r.DocumentPage, me, true); err != nil {
				return nil, err
			}
			if !before[r.DocumentPage] {
				out.Added = append(out.Added, r.NodeID)
			}
		}
	}
	for _, r := range scan.Previous.Refs {
		if r.Status == activities.RefAvailable && !now[r.DocumentPage] {
			if err := a.setReferencedFrom(ctx, r.DocumentPage, me, false); err != nil {
				return nil, err
			}
			out.Removed = append(out.Removed, r.NodeID)
		}
	}
	return out, nil
}

func brokenLinksNote(refs []activities.Reference) string {
	var b strings.Builder
	b.WriteString("<p>The bridge could not resolve these links to OpenText documents:</p><ul>")
	for _, r := range refs {
		target := fmt.Sprintf("node %d", r.NodeID)
		if r.URL != "" {
			target = `<a href="` + html.EscapeString(r.URL) + `">` + html.EscapeString(r.URL) + `</a>`
		}
		b.WriteString("<li>" + target + " — " + html.EscapeString(r.Reason) + "</li>")
	}
	b.WriteString("</ul><p>The rest of the page is not affected.</p>")
	return b.String()
}

// setReferencedFrom adds (or removes) a page in a document page's
// "Referenced from" list and re-renders its panel from the record: a
// Confluence-only change, no OTCS call.
func (a *DocumentPageActivities) setReferencedFrom(ctx context.Context, docPageID string, ref documentpage.Ref, add bool) error {
	for attempt := 0; ; attempt++ {
		cur, err := a.readDocumentPage(ctx, docPageID, nil)
		if rest.IsKind(err, rest.KindNotFound) {
			return nil // the document page is gone; nothing to keep current
		}
		if err != nil {
			return err
		}
		if cur.rec == nil {
			return nil
		}
		doc := cur.rec.Doc
		var refs []documentpage.Ref
		for _, r := range doc.Referenced {
			if r.PageID != ref.PageID {
				refs = append(refs, r)
			}
		}
		if add {
			refs = append(refs, ref)
		}
		sort.Slice(refs, func(i, j int) bool { return idLess(refs[i].PageID, refs[j].PageID) })
		doc.Referenced = refs
		st := activities.DocumentState{Watch: doc.Hub, Doc: doc}
		res := &activities.UpsertedPage{}
		done, err := a.applyDocument(ctx, &st, doc, cur, res)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		if attempt >= maxConflictRetries {
			return activities.BackendError("update document page "+docPageID, fmt.Errorf("the page kept changing under the bridge (%d version conflicts)", attempt+1))
		}
	}
}

// idLess orders numeric ids as numbers.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
