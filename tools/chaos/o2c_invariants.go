package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/documentpage"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	confluencesim "github.com/xecm-bridge/xecm-bridge/simulators/confluence"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// documentRules is what the O→C checks take from mapping.yaml: the first
// watched folder (the scenario seeds into it) and where pages live.
type documentRules struct {
	folder         int64
	watch          mapping.Watch
	space, archive string
	backLinkCat    int64
	backLinkAttr   string
}

func loadDocumentRules(root string) (*documentRules, error) {
	rules, err := mapping.LoadFile(filepath.Join(root, "mapping.yaml"))
	if err != nil {
		return nil, err
	}
	d := rules.Documents
	if d == nil {
		return nil, fmt.Errorf("mapping.yaml has no documents: section")
	}
	out := &documentRules{space: d.Space, archive: d.Archive}
	if d.BackLink != nil {
		out.backLinkCat, out.backLinkAttr = d.BackLink.Category, d.BackLink.Attribute
	}
	for _, w := range d.Watches {
		cat := w.Approved.Category
		if cat == 0 {
			cat = w.Show.Category
		}
		if w.Folder != 0 && w.Show.Category == opentextsim.DocumentControlCategoryID && out.backLinkCat == w.Show.Category &&
			(w.Approved.Kind != mapping.ApprovedAttribute || cat == w.Show.Category) {
			out.folder, out.watch = w.Folder, w
			return out, nil
		}
	}
	return nil, fmt.Errorf("mapping.yaml: no documents.watch with a folder to seed into that shows, approves by and links back in Document Control (%d)", opentextsim.DocumentControlCategoryID)
}

// approvedNumber applies the watch's rule to a document's versions as OTCS
// holds them now: the version its page must show (0: none approved).
func approvedNumber(rule mapping.ApprovedRule, n opentextsim.Node, versions []opentextsim.Version, values map[string]string) int {
	if len(versions) == 0 {
		return 0
	}
	latest := versions[len(versions)-1].Number
	switch rule.Kind {
	case mapping.ApprovedMajor:
		if !n.Advanced {
			return latest
		}
		for i := len(versions) - 1; i >= 0; i-- {
			if versions[i].MinorNumber == 0 && versions[i].MajorNumber > 0 {
				return versions[i].Number
			}
		}
		return 0
	case mapping.ApprovedAttribute:
		if strings.EqualFold(values[rule.Attribute], rule.Equals) {
			return latest
		}
		return 0
	}
	return latest
}

// docControlKeys are the attribute keys of the seeded Document Control
// category (simulators/opentext seed), by display name.
var docControlKeys = map[string]string{"Document Type": "9002_2", "Owner": "9002_3", "Approval Status": "9002_4", "Approved By": "9002_5", "Confluence Page": "9002_6"}

// docControl reads Document Control on a node by attribute display name.
func docControl(ot *opentextsim.Server, nodeID int64) map[string]string {
	out := map[string]string{}
	vals, _ := ot.CategoryValues(nodeID, opentextsim.DocumentControlCategoryID)
	for name, key := range docControlKeys {
		if v := vals[key]; v != nil {
			out[name] = fmt.Sprint(v)
		}
	}
	return out
}

// checkO2C reads both simulators' state (and Temporal's, for the runs)
// and records every broken invariant; it returns every sync run, for the
// retry figures.
func (w *world) checkO2C(ctx context.Context, docs []seededDoc, res *Result) []runRef {
	fig := res.O2C
	ot := w.otSim
	rules, err := loadDocumentRules(w.cfg.Root)
	if err != nil {
		res.violate("mapping: %v", err)
		return nil
	}
	seeded := map[int64]bool{}
	for _, d := range docs {
		seeded[d.ID] = true
	}

	// Document pages by node label; the archive page.
	archiveID := ""
	byNode := map[int64][]confluencesim.Page{}
	for _, p := range w.confSim.Pages() {
		if p.SpaceKey != rules.space || p.Status != "current" {
			continue
		}
		if p.Title == rules.archive {
			archiveID = p.ID
		}
		for _, l := range p.Labels {
			if rest, ok := strings.CutPrefix(l, "xecm-node-"); ok {
				var id int64
				if _, err := fmt.Sscan(rest, &id); err == nil {
					byNode[id] = append(byNode[id], p)
				}
			}
		}
	}
	// The bridge's writes in OTCS, back links apart.
	backLinks := map[int64]int{}
	backLinkAt := map[int64][]string{}
	var other []opentextsim.Write
	for _, wr := range ot.Writes() {
		if wr.User != "bridge" {
			continue
		}
		if wr.CategoryID == rules.backLinkCat && strings.Contains(wr.Route, "/categories") && wr.Method != "DELETE" {
			backLinks[wr.NodeID]++
			backLinkAt[wr.NodeID] = append(backLinkAt[wr.NodeID], secs(wr.At.Sub(w.t0.Truncate(time.Second))))
			continue
		}
		other = append(other, wr)
	}

	checks := []*check{
		{Name: "one document page per approved document (none missing, no duplicates)"},
		{Name: "none wrongly withdrawn or archived (status, record, parent not the Archive)"},
		{Name: "page on the latest approved version, with the current Owner"},
		{Name: "one controlled copy per page (one attachment, latest approved version, same SHA-256, no version uploaded twice)"},
		{Name: "back link in OTCS = page URL, written once per document"},
		{Name: "OTCS document untouched otherwise (versions, name)"},
	}
	held := func(i int, ok bool) {
		checks[i].Checked++
		if ok {
			checks[i].Held++
		}
	}
	total := 0
	for _, n := range ot.Children(rules.folder) {
		if n.Type != 144 {
			continue
		}
		total++
		versions := ot.Versions(n.ID)
		show := docControl(ot, n.ID)
		approved := approvedNumber(rules.watch.Approved, n, versions, show)
		pages := byNode[n.ID]

		// 5: nothing else changed (versions are the seed's plus the edits').
		wantVersions := 1 + fig.Edits.Added[n.ID]
		if !seeded[n.ID] {
			wantVersions = len(versions) // a demo document: checked through the write log only
		}
		untouched := len(versions) == wantVersions
		if !untouched {
			res.violate("document %d: %d versions, %d expected (1 seeded + %d added by the chaos)", n.ID, len(versions), wantVersions, fig.Edits.Added[n.ID])
		}
		held(5, untouched)

		if approved == 0 {
			one := len(pages) == 0
			if !one {
				res.violate("document %d (nothing approved): %d document page(s)", n.ID, len(pages))
			}
			held(0, one)
			continue
		}
		// 0: one page.
		one := len(pages) == 1
		if !one {
			res.violate("document %d %q: %d document pages %v", n.ID, n.Name, len(pages), pageIDs(pages))
		}
		held(0, one)
		if len(pages) == 0 {
			for i := 1; i <= 4; i++ {
				held(i, false)
			}
			continue
		}
		page := pages[0]
		var rec activities.DocumentRecord
		raw, _, hasRec := w.confSim.Property(page.ID, activities.DocumentPropertyKey)
		if hasRec {
			hasRec = json.Unmarshal(raw, &rec) == nil
		}

		// 1: not withdrawn, not archived.
		live := hasRec && rec.Doc.Status != documentpage.StatusWithdrawn && !rec.Archived && page.ParentID != archiveID
		if !live {
			res.violate("document %d (live, approved %s): page %s status %q, archived %v, parent %s (Archive %s)%s",
				n.ID, versionName(versions, approved), page.ID, rec.Doc.Status, rec.Archived, page.ParentID, archiveID, fig.edited(n.ID))
		}
		held(1, live)

		// 2: the latest approved version and the current owner.
		latestOK := hasRec && rec.Doc.Approved != nil && rec.Doc.Approved.Number == approved && rec.Doc.Owner == show["Owner"]
		if latestOK {
			wantStatus := documentpage.StatusCurrent
			if versions[len(versions)-1].Number != approved {
				wantStatus = documentpage.StatusNewerDraft
			}
			latestOK = rec.Doc.Status == wantStatus
		}
		if !latestOK {
			got := "none"
			if rec.Doc.Approved != nil {
				got = rec.Doc.Approved.Label()
			}
			res.violate("document %d: page %s shows version %s, owner %q, status %q; OTCS approved %s, owner %q%s",
				n.ID, page.ID, got, rec.Doc.Owner, rec.Doc.Status, versionName(versions, approved), show["Owner"], fig.edited(n.ID))
		}
		held(2, latestOK)

		// 3: one controlled copy.
		held(3, w.checkCopy(res, rules, n, page, versions, approved, fig.edited(n.ID)))

		// 4: back link once.
		pg, err := w.conf.GetPage(ctx, page.ID, confluence.GetPageOptions{})
		link := show[rules.backLinkAttr]
		linkOK := err == nil && link != "" && link == pg.WebURL && backLinks[n.ID] == 1
		if !linkOK {
			url := ""
			if pg != nil {
				url = pg.WebURL
			}
			if link == url && err == nil {
				res.violate("document %d: the bridge wrote its back link %d times (at %s after the first sync, to the second)", n.ID, backLinks[n.ID], strings.Join(backLinkAt[n.ID], ", "))
			} else {
				res.violate("document %d: back link %q, page URL %q (%v); the bridge wrote category %d %d time(s)", n.ID, link, url, err, rules.backLinkCat, backLinks[n.ID])
			}
		}
		held(4, linkOK)
	}
	if total < len(docs) {
		res.violate("OTCS: %d documents in folder %d, %d seeded", total, rules.folder, len(docs))
	}
	for _, c := range checks {
		res.Checks = append(res.Checks, *c)
	}

	// Any other OTCS write of the bridge: only the connected workspace's
	// link back to its space is expected (once).
	otherOK := check{Name: "no other OTCS write by the bridge (no version, node or category change)", Checked: 1}
	creates, unexpected := 0, 0
	for _, wr := range other {
		if strings.HasSuffix(wr.Route, "/nodes") && wr.Method == "POST" && creates == 0 {
			creates++ // the connected workspace's link to its space (checked below)
			continue
		}
		unexpected++
		if unexpected <= 10 {
			res.violate("OTCS: unexpected write by the bridge: %s node %d category %d at %s", wr.Route, wr.NodeID, wr.CategoryID, wr.At.Format(time.TimeOnly))
		}
	}
	links := 0
	for _, n := range ot.Children(opentextsim.ProjectApolloWorkspaceID) {
		if n.Type == 140 && strings.HasPrefix(n.Name, "Confluence space ") {
			links++
		}
	}
	if links != creates {
		unexpected++
		res.violate("OTCS: the bridge created %d node(s); the workspace holds %d link(s) to its space", creates, links)
	}
	if unexpected == 0 {
		otherOK.Held = 1
	}
	res.Checks = append(res.Checks, otherOK)

	// No page was archived: no document left its hub in this run.
	arch := check{Name: "no sync archived a page (no document left the hub)"}
	for _, r := range allRuns(fig) {
		if r.Result == nil {
			continue
		}
		arch.Checked++
		if r.Result.Totals.Archived == 0 {
			arch.Held++
		} else {
			res.violate("sync %s (%s, started at %s) archived %d page(s) of documents still in the hub", r.ID, r.Kind, secs(r.Started), r.Result.Totals.Archived)
		}
	}
	res.Checks = append(res.Checks, arch)

	// The syncs after the settle sync wrote nothing.
	quiet := check{Name: "a second sync writes nothing (no page, page version, label, property, attachment, comment; no OTCS write)", Checked: 1}
	sw := fig.SecondWrites
	quietOK := sw.Pages == 0 && sw.OTCS == 0
	for _, r := range fig.Second {
		if r.Result == nil {
			quietOK = false
			continue
		}
		if t := r.Result.Totals; t.Created+t.Changed+t.Archived+t.BackLinks+t.Restored > 0 {
			quietOK = false
			res.violate("sync %s after the settle sync: %s", r.ID, syncLine(r.Result))
		}
	}
	if sw.Pages > 0 || sw.OTCS > 0 {
		res.violate("after the settle sync: %d page(s) changed in Confluence %v, %d OTCS write(s)", sw.Pages, sw.Examples, sw.OTCS)
	}
	if quietOK {
		quiet.Held = 1
	}
	res.Checks = append(res.Checks, quiet)

	runs, ch := w.checkSyncRuns(ctx, res)
	res.Checks = append(res.Checks, ch)
	return runs
}

// checkCopy checks the page's controlled copy of the approved version.
func (w *world) checkCopy(res *Result, rules *documentRules, n opentextsim.Node, page confluencesim.Page, versions []opentextsim.Version, approved int, edited string) bool {
	var v opentextsim.Version
	for _, x := range versions {
		if x.Number == approved {
			v = x
		}
	}
	atts := w.confSim.Attachments(page.ID)
	if !rules.watch.Preview || !(v.MimeType == "application/pdf" || strings.HasPrefix(v.MimeType, "image/")) {
		if len(atts) != 0 {
			res.violate("document %d: page %s has %d attachment(s), no preview applies", n.ID, page.ID, len(atts))
			return false
		}
		return true
	}
	if len(atts) != 1 {
		names := []string{}
		for _, a := range atts {
			names = append(names, a.Title)
		}
		res.violate("document %d: page %s has %d attachments %v, want one controlled copy%s", n.ID, page.ID, len(atts), names, edited)
		return false
	}
	a := atts[0]
	want := fmt.Sprintf("Controlled copy of OTCS %d version %s", n.ID, v.Name)
	ok := a.Comment == want && a.SHA256 == v.SHA256
	if !ok {
		res.violate("document %d: page %s copy %q (comment %q, sha %.12s), want %q sha %.12s%s", n.ID, page.ID, a.Title, a.Comment, a.SHA256, want, v.SHA256, edited)
	}
	all, _ := w.confSim.AttachmentVersions(a.ID)
	seen := map[string]int{}
	for _, av := range all {
		seen[av.Comment]++
	}
	for c, k := range seen {
		if k > 1 {
			ok = false
			res.violate("document %d: page %s copy %q holds %q %d times", n.ID, page.ID, a.Title, c, k)
		}
	}
	return ok
}

// edited says what the chaos did to a document, for a violation message.
func (f *o2cFigures) edited(id int64) string {
	kinds := f.Edits.ByDoc[id]
	if len(kinds) == 0 {
		return " (not edited)"
	}
	names := map[int]string{editMajor: "major version", editMinor: "minor version", editMetadata: "owner"}
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = names[k]
	}
	return " (edited: " + strings.Join(parts, ", ") + ")"
}

func versionName(vs []opentextsim.Version, number int) string {
	for _, v := range vs {
		if v.Number == number {
			return v.Name
		}
	}
	return fmt.Sprint(number)
}

func pageIDs(ps []confluencesim.Page) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func allRuns(f *o2cFigures) []syncRun {
	out := append([]syncRun{}, f.Syncs...)
	out = append(out, f.Settle)
	return append(out, f.Second...)
}

// checkSyncRuns asks visibility for every SyncDocuments run: each closed
// completed (or continued as new), none failed, timed out or running.
func (w *world) checkSyncRuns(ctx context.Context, res *Result) ([]runRef, check) {
	c := w.tc.get()
	ch := check{Name: "no sync run failed (visibility: every SyncDocuments run completed or continued as new)"}
	var runs []runRef
	statuses := map[string]int{}
	deadline := time.Now().Add(15 * time.Second)
	for {
		runs, statuses = nil, map[string]int{}
		var token []byte
		var err error
		for {
			var resp *workflowservice.ListWorkflowExecutionsResponse
			resp, err = c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
				Query: "WorkflowType = 'SyncDocuments'", PageSize: 1000, NextPageToken: token,
			})
			if err != nil {
				break
			}
			for _, e := range resp.GetExecutions() {
				runs = append(runs, runRef{ID: e.GetExecution().GetWorkflowId(), RunID: e.GetExecution().GetRunId()})
				statuses[statusName(e.GetStatus())]++
			}
			if token = resp.GetNextPageToken(); len(token) == 0 {
				break
			}
		}
		if err == nil && statuses["Running"] == 0 || time.Now().After(deadline) {
			if err != nil {
				res.violate("visibility: %v", err)
			}
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	ch.Checked = len(runs)
	ch.Held = statuses["Completed"] + statuses["ContinuedAsNew"]
	for st, n := range statuses {
		if st != "Completed" && st != "ContinuedAsNew" {
			res.violate("visibility: %d SyncDocuments run(s) %s", n, st)
		}
	}
	res.Statuses = statuses
	sort.Slice(runs, func(i, j int) bool { return runs[i].ID < runs[j].ID })
	return runs, ch
}

// pageFingerprint is what a page is made of, to tell whether a sync
// changed anything.
type pageFingerprint struct {
	version, propVersion, comments int
	parent, status                 string
	labels, attachments            string
}

// writeStateSnap is every page of the Confluence simulator and the count
// of OTCS writes.
type writeStateSnap struct {
	pages map[string]pageFingerprint
	otcs  int
}

// secondWrites is what changed between two write states.
type secondWrites struct {
	Pages    int      // pages created or changed in any way
	Examples []string // a few of them
	OTCS     int      // OTCS writes by anyone through the API
}

func (w *world) writeState() writeStateSnap {
	out := writeStateSnap{pages: map[string]pageFingerprint{}, otcs: len(w.otSim.Writes())}
	for _, p := range w.confSim.Pages() {
		fp := pageFingerprint{version: p.Version, parent: p.ParentID, status: p.Status, comments: len(w.confSim.Comments(p.ID))}
		labels := slices.Clone(p.Labels)
		sort.Strings(labels)
		fp.labels = strings.Join(labels, ",")
		_, fp.propVersion, _ = w.confSim.Property(p.ID, activities.DocumentPropertyKey)
		var atts []string
		for _, a := range w.confSim.Attachments(p.ID) {
			atts = append(atts, fmt.Sprintf("%s:%d", a.ID, a.Version))
		}
		fp.attachments = strings.Join(atts, ",")
		out.pages[p.ID] = fp
	}
	return out
}

func (a writeStateSnap) diff(b writeStateSnap) secondWrites {
	out := secondWrites{OTCS: b.otcs - a.otcs}
	ids := make([]string, 0, len(b.pages))
	for id := range b.pages {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if before, ok := a.pages[id]; !ok || before != b.pages[id] {
			out.Pages++
			if len(out.Examples) < 5 {
				out.Examples = append(out.Examples, id)
			}
		}
	}
	return out
}
