package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"sort"
	"strings"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/documentpage"
)

// Reference is one OTCS document a page references.
type Reference struct {
	NodeID       int64  `json:"nodeId"`
	URL          string `json:"url,omitempty"` // the link as written; "" for a reference an operator added
	Status       string `json:"status"`        // RefAvailable, RefUnavailable, RefRefused
	Reason       string `json:"reason,omitempty"`
	DocumentPage string `json:"documentPageId,omitempty"`
	Title        string `json:"documentPageTitle,omitempty"`
	Manual       bool   `json:"manual,omitempty"`     // added by `starter reference add`; kept without a link
	Restricted   bool   `json:"restricted,omitempty"` // not public in OTCS: shown as RestrictedDocument, no name
}

// Reference statuses.
const (
	RefAvailable   = "available"   // a document with a document page
	RefUnavailable = "unavailable" // no such node, or the bridge or the page's author may not see it
	RefRefused     = "refused"     // a node that is not a document (a folder, ...)
)

// ReferenceList is what the bridge keeps on a referencing page (content
// property ReferencesPropertyKey).
type ReferenceList struct {
	Refs []Reference `json:"references"`
	// Commented lists the nodes whose broken link the page has already
	// been told about, so each gets one comment.
	Commented []int64 `json:"commented,omitempty"`
}

// ReferenceScan is what a page references now, and what it did before.
type ReferenceScan struct {
	PageID, Title, SpaceKey, URL string
	SpaceID                      string  `json:",omitempty"`
	Skip                         string  // why the page is not scanned ("" = scanned)
	Linked                       []int64 // nodes linked in the body, in id order
	LinkURLs                     map[string]string
	Previous                     ReferenceList
	// Author is who wrote the page version scanned: a reference is
	// accepted only to a node this person may see in OTCS.
	Author *ReferenceAuthor `json:",omitempty"`
}

// ReferenceAuthor is the Confluence identity of a page version's author,
// for mapping to an OTCS user (access.user_table, or the email where
// Confluence shows it).
type ReferenceAuthor struct {
	AccountID, Email string
}

// ReadReferencesInput names a page to scan.
type ReadReferencesInput struct {
	PageID string
}

// ReadReferences reads a page and finds its links to documents on the
// configured OTCS host (Smart View and classic links). Pages of spaces the
// mapping does not scan, and the bridge's own document pages, are skipped.
func (a *DocumentPageActivities) ReadReferences(ctx context.Context, in ReadReferencesInput) (_ *ReferenceScan, err error) {
	defer func() { observe(ctx, "ReadReferences", err) }()
	p, err := a.Confluence.GetPage(ctx, in.PageID, confluence.GetPageOptions{BodyFormat: "storage"})
	if rest.IsKind(err, rest.KindNotFound) {
		return nil, NonRetryable(TypePageNotFound, "page %s does not exist (or the bridge may not see it)", in.PageID)
	}
	if err != nil {
		return nil, backendError("read page "+in.PageID, err)
	}
	scan := &ReferenceScan{PageID: p.ID, Title: p.Title, SpaceKey: p.SpaceKey, SpaceID: p.SpaceID, URL: a.Confluence.PageURL(p), LinkURLs: map[string]string{}}
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
	if author := firstNonBlank(p.Version.AuthorID, p.AuthorID); author != "" {
		scan.Author = &ReferenceAuthor{AccountID: author}
		// The email, where Confluence shows it, maps the author to OTCS
		// when no access.user_table entry does.
		if u, err := a.Confluence.User(ctx, author); err == nil {
			scan.Author.Email = u.Email
		} else if !rest.IsKind(err, rest.KindNotFound) {
			return nil, backendError("read the author of "+p.ID, err)
		}
	}
	prop, err := a.Confluence.GetProperty(ctx, p.ID, ReferencesPropertyKey)
	switch {
	case rest.IsKind(err, rest.KindNotFound):
	case err != nil:
		return nil, backendError("read the references of "+p.ID, err)
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

// Wanted lists the nodes the page references now: its links, the manual
// references kept from before, and added.
func (s *ReferenceScan) Wanted(added []int64) []int64 {
	out := append([]int64{}, s.Linked...)
	for _, r := range s.Previous.Refs {
		if r.Manual && !containsID(out, r.NodeID) {
			out = append(out, r.NodeID)
		}
	}
	for _, id := range added {
		if !containsID(out, id) {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// RecordReferencesInput is a scan with the documents it resolved to.
type RecordReferencesInput struct {
	Scan   ReferenceScan
	Manual []int64 // references an operator added now
	States []DocumentState
	Pages  []UpsertedPage
}

// RecordReferencesResult reports the references recorded.
type RecordReferencesResult struct {
	Refs    []Reference
	Added   []int64 // documents whose "Referenced from" gained the page
	Removed []int64 // documents whose "Referenced from" lost it
	Comment bool    // the page got a comment about broken links
}

// RecordReferences records a page's references on both sides: the page's
// content property (no page version) and each document page's "Referenced
// from" list. A link that leads nowhere gets one comment on the page; a
// link removed from the page removes the reference.
func (a *DocumentPageActivities) RecordReferences(ctx context.Context, in RecordReferencesInput) (_ *RecordReferencesResult, err error) {
	defer func() { observe(ctx, "RecordReferences", err) }()
	scan := &in.Scan
	pages := map[int64]UpsertedPage{}
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
	list := ReferenceList{Commented: scan.Previous.Commented}
	var broken []Reference
	for _, st := range in.States {
		id := st.Doc.NodeID
		ref := Reference{NodeID: id, URL: scan.LinkURLs[fmt.Sprint(id)], Manual: manual[id] && !containsID(scan.Linked, id)}
		p := pages[id]
		switch {
		case st.Missing == ReasonNotFound, st.Missing == ReasonNotVisible:
			ref.Status, ref.Reason = RefUnavailable, st.Missing
		case st.Missing != "":
			ref.Status, ref.Reason = RefRefused, st.Missing
		case p.PageID == "":
			ref.Status, ref.Reason = RefUnavailable, firstNonBlank(p.Skipped, "no document page")
		default:
			ref.Status, ref.DocumentPage, ref.Title = RefAvailable, p.PageID, p.Title
			if st.Readers.Restricted() {
				// The working page's readers may not be the document's:
				// the reference names nothing but that it is restricted.
				ref.Title, ref.Restricted = documentpage.RestrictedDocument, true
			}
		}
		if ref.Status != RefAvailable && !containsID(list.Commented, id) {
			broken = append(broken, ref)
			list.Commented = append(list.Commented, id)
		}
		list.Refs = append(list.Refs, ref)
	}
	out := &RecordReferencesResult{Refs: list.Refs}
	if len(broken) > 0 {
		ids := make([]string, len(broken))
		for i, r := range broken {
			ids[i] = fmt.Sprint(r.NodeID)
		}
		marker := "xecm-bridge:references:" + scan.PageID + ":broken:" + strings.Join(ids, ",")
		if err := noteOnce(ctx, a.Confluence, scan.PageID, marker, brokenLinksNote(broken)); err != nil {
			return nil, backendError("comment on "+scan.PageID, err)
		}
		out.Comment = true
	}
	if _, err := a.Confluence.SetProperty(ctx, scan.PageID, ReferencesPropertyKey, list); err != nil {
		return nil, backendError("record the references of "+scan.PageID, err)
	}
	// Both sides: document pages gain or lose this page in "Referenced
	// from". A document page's readers may not be this page's, so it is
	// named there only when it has no read restriction of its own or
	// inherited (EffectiveReadRestriction empty) in a space everyone may
	// view; otherwise it counts as "a restricted page".
	me := documentpage.Ref{PageID: scan.PageID, Title: scan.Title, SpaceKey: scan.SpaceKey, URL: scan.URL}
	levels, err := a.Confluence.EffectiveReadRestriction(ctx, scan.PageID)
	if err != nil {
		return nil, backendError("read the restrictions of "+scan.PageID, err)
	}
	var viewers *confluence.PageReadRestriction
	if len(levels) == 0 && scan.SpaceID != "" {
		if viewers, err = spaceViewers(ctx, a.Confluence, a.Rules.Access, scan.SpaceID, scan.SpaceKey); err != nil {
			return nil, err
		}
	}
	if len(levels) > 0 || viewers != nil || scan.SpaceID == "" {
		me = documentpage.Ref{PageID: scan.PageID, Restricted: true}
	}
	before := map[string]bool{}
	for _, r := range scan.Previous.Refs {
		if r.Status == RefAvailable {
			before[r.DocumentPage] = true
		}
	}
	now := map[string]bool{}
	for _, r := range list.Refs {
		if r.Status == RefAvailable {
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
		if r.Status == RefAvailable && !now[r.DocumentPage] {
			if err := a.setReferencedFrom(ctx, r.DocumentPage, me, false); err != nil {
				return nil, err
			}
			out.Removed = append(out.Removed, r.NodeID)
		}
	}
	return out, nil
}

func brokenLinksNote(refs []Reference) string {
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
		st := DocumentState{Watch: doc.Hub, Doc: doc}
		res := &UpsertedPage{}
		done, err := a.applyDocument(ctx, &st, doc, cur, res)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		if attempt >= maxConflictRetries {
			return backendError("update document page "+docPageID, fmt.Errorf("the page kept changing under the bridge (%d version conflicts)", attempt+1))
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
