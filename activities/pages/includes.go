package pages

import (
	"context"
	"fmt"
	"html"
	"regexp"
	"strings"

	"github.com/xecm-bridge/xecm-bridge/access"
	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
)

// maxReportedPages bounds how many pages of one Page Properties Report
// are checked; a report over more is refused.
const maxReportedPages = 100

var (
	macroRE   = regexp.MustCompile(`(?s)<ac:structured-macro\b[^>]*\bac:name="(include|excerpt-include|detailssummary)"[^>]*>(.*?)</ac:structured-macro>`)
	riPageRE  = regexp.MustCompile(`<ri:page\b([^>]*)/?>`)
	titleRE   = regexp.MustCompile(`\bri:content-title="([^"]*)"`)
	spaceKeRE = regexp.MustCompile(`\bri:space-key="([^"]*)"`)
	cqlRE     = regexp.MustCompile(`(?s)<ac:parameter\b[^>]*\bac:name="cql"[^>]*>(.*?)</ac:parameter>`)
	// Macros that list other pages' titles as the bridge sees them: a
	// start tag (they are often self-closing) and what follows it.
	listRE  = regexp.MustCompile(`(?s)<ac:structured-macro\b[^>]*\bac:name="(children|pagetree|contentbylabel|recently-updated|blog-posts|content-report-table|tasks-report-macro)"[^>]*?(/>|>(.*?)</ac:structured-macro>)`)
	paramRE = regexp.MustCompile(`(?s)<ac:parameter\b[^>]*\bac:name="([^"]*)"[^>]*>(.*?)</ac:parameter>`)
)

// included is a page whose content a macro pulls into the body.
type included struct {
	macro string
	page  confluence.PageRef
}

// checkIncludes refuses a version whose body pulls in content (Include
// Page, Excerpt Include, Page Properties Report) or titles (Children
// Display, Page Tree, Content by Label) from other pages that its
// author or approver may not read, or that fewer people may read than the
// page itself: Confluence renders the record's body as the bridge, which
// reads everything, so the record would show that content to readers the
// other page excludes.
func (a *ConfluenceActivities) checkIncludes(ctx context.Context, snap *activities.PageSnapshot, storage string) error {
	pages, err := a.includedPages(ctx, snap, storage)
	if err != nil {
		return err
	}
	if len(pages) == 0 {
		return nil
	}
	groupsOf := map[string][]string{}
	memberOf := func(accountID string) ([]string, error) {
		if gs, ok := groupsOf[accountID]; ok {
			return gs, nil
		}
		gs, err := a.Confluence.GroupsOf(ctx, accountID)
		if err != nil {
			return nil, activities.BackendError("read the groups of "+accountID, err)
		}
		names := make([]string, len(gs))
		for i, g := range gs {
			names[i] = g.Name
		}
		groupsOf[accountID] = names
		return names, nil
	}
	for _, inc := range pages {
		if inc.page.ID == snap.PageID {
			continue
		}
		spaceID, err := a.spaceIDOf(ctx, inc.page.SpaceKey)
		if err != nil {
			return err
		}
		readers, err := a.readersOf(ctx, inc.page.ID, spaceID, inc.page.SpaceKey)
		if err != nil {
			return err
		}
		refuse := func(why string) error {
			return activities.NonRetryable(activities.TypeIncludedPageRestricted, "Confluence page %s version %d pulls in page %s (%q) with its %s macro, which %s; its record would show that text to them. Remove the macro, or give the included page the same readers, then file again",
				snap.PageID, snap.Version, inc.page.ID, inc.page.Title, inc.macro, why)
		}
		for _, who := range []string{snap.AuthorID, snap.ApprovedBy} {
			if who == "" || who == activities.UnknownApprover {
				continue
			}
			ok, err := admits(readers, who, memberOf)
			if err != nil {
				return err
			}
			if !ok {
				return refuse(who + " (its author or approver) may not read")
			}
		}
		narrower, err := narrowerThan(readers, snap.Readers, memberOf)
		if err != nil {
			return err
		}
		if narrower != "" {
			return refuse("fewer people may read than this page (" + narrower + ")")
		}
	}
	return nil
}

// includedPages finds the pages the body's macros pull in.
func (a *ConfluenceActivities) includedPages(ctx context.Context, snap *activities.PageSnapshot, storage string) ([]included, error) {
	var out []included
	for _, m := range macroRE.FindAllStringSubmatch(storage, -1) {
		name, inner := m[1], m[2]
		if name == "detailssummary" {
			cq := cqlRE.FindStringSubmatch(inner)
			if cq == nil {
				continue
			}
			found, err := a.Confluence.SearchPages(ctx, html.UnescapeString(strings.TrimSpace(cq[1])), maxReportedPages+1)
			if err != nil {
				return nil, activities.BackendError("run the Page Properties Report's query", err)
			}
			if len(found) > maxReportedPages {
				return nil, activities.NonRetryable(activities.TypeIncludedPageRestricted, "Confluence page %s version %d has a Page Properties Report over more than %d pages; the bridge checks who may read each page it shows and refuses larger reports", snap.PageID, snap.Version, maxReportedPages)
			}
			for _, p := range found {
				out = append(out, included{macro: "Page Properties Report", page: p})
			}
			continue
		}
		ri := riPageRE.FindStringSubmatch(inner)
		if ri == nil {
			continue
		}
		title := titleRE.FindStringSubmatch(ri[1])
		if title == nil {
			continue
		}
		key := snap.SpaceKey
		if k := spaceKeRE.FindStringSubmatch(ri[1]); k != nil && k[1] != "" {
			key = html.UnescapeString(k[1])
		}
		p, err := a.Confluence.FindPageByTitle(ctx, "", key, html.UnescapeString(title[1]))
		if err != nil {
			return nil, activities.BackendError("find the included page "+title[1], err)
		}
		if p == nil {
			continue // nothing to pull in: the bridge cannot see it either
		}
		macro := "Include Page"
		if name == "excerpt-include" {
			macro = "Excerpt Include"
		}
		out = append(out, included{macro: macro, page: confluence.PageRef{ID: p.ID, Title: p.Title, SpaceKey: key}})
	}
	listed, err := a.listedPages(ctx, snap, storage)
	if err != nil {
		return nil, err
	}
	return append(out, listed...), nil
}

// listedPages finds the pages whose titles the body's listing macros show:
// Children Display and Page Tree (the page's descendants), Content by
// Label (its labels and spaces as CQL). Listings the bridge cannot
// enumerate (recently updated, blog posts, reports, tasks) are refused.
func (a *ConfluenceActivities) listedPages(ctx context.Context, snap *activities.PageSnapshot, storage string) ([]included, error) {
	var out []included
	for _, m := range listRE.FindAllStringSubmatch(storage, -1) {
		name, params := m[1], map[string]string{}
		for _, p := range paramRE.FindAllStringSubmatch(m[3], -1) {
			params[p[1]] = html.UnescapeString(strings.TrimSpace(p[2]))
		}
		switch {
		case (name == "children" || name == "pagetree") && params["page"] == "" && (params["root"] == "" || params["root"] == "@self"):
			kids, err := a.descendants(ctx, snap)
			if err != nil {
				return nil, err
			}
			for _, k := range kids {
				out = append(out, included{macro: "Children Display", page: k})
			}
		case name == "contentbylabel" && params["labels"] != "" && params["cql"] == "":
			cql := "label in (" + quotedList(params["labels"]) + ")"
			switch sp := params["spaces"]; sp {
			case "", "@self":
				cql += ` and space = "` + snap.SpaceKey + `"`
			case "@all":
			default:
				cql += " and space in (" + quotedList(sp) + ")"
			}
			found, err := a.Confluence.SearchPages(ctx, cql, maxReportedPages+1)
			if err != nil {
				return nil, activities.BackendError("run the Content by Label query", err)
			}
			if len(found) > maxReportedPages {
				return nil, activities.NonRetryable(activities.TypeIncludedPageRestricted, "Confluence page %s version %d has a Content by Label list over more than %d pages; the bridge checks who may read each page it shows and refuses larger lists", snap.PageID, snap.Version, maxReportedPages)
			}
			for _, p := range found {
				out = append(out, included{macro: "Content by Label", page: p})
			}
		default:
			return nil, activities.NonRetryable(activities.TypeIncludedPageRestricted, "Confluence page %s version %d has a %s macro, which lists pages the bridge cannot check for who may read them; its record would show their titles as the bridge sees them. Remove the macro (or list the pages by label), then file again",
				snap.PageID, snap.Version, name)
		}
	}
	return out, nil
}

// descendants lists the page's descendants (at most maxReportedPages,
// else the version is refused).
func (a *ConfluenceActivities) descendants(ctx context.Context, snap *activities.PageSnapshot) ([]confluence.PageRef, error) {
	var out []confluence.PageRef
	queue := []string{snap.PageID}
	for len(queue) > 0 {
		kids, err := a.Confluence.Children(ctx, queue[0])
		if err != nil {
			return nil, activities.BackendError("list the children of "+queue[0], err)
		}
		queue = queue[1:]
		for _, k := range kids {
			k.SpaceKey = snap.SpaceKey
			out = append(out, k)
			queue = append(queue, k.ID)
		}
		if len(out) > maxReportedPages {
			return nil, activities.NonRetryable(activities.TypeIncludedPageRestricted, "Confluence page %s version %d lists its descendants, more than %d pages; the bridge checks who may read each page it shows and refuses larger lists", snap.PageID, snap.Version, maxReportedPages)
		}
	}
	return out, nil
}

// quotedList makes a macro's comma-separated names a CQL list.
func quotedList(names string) string {
	var q []string
	for _, n := range strings.Split(names, ",") {
		if n = strings.TrimSpace(n); n != "" {
			q = append(q, `"`+strings.ReplaceAll(strings.ReplaceAll(n, `\`, `\\`), `"`, `\"`)+`"`)
		}
	}
	return strings.Join(q, ",")
}

// admits reports whether the readers let the account read.
func admits(r *access.PageReaders, accountID string, memberOf func(string) ([]string, error)) (bool, error) {
	if r == nil || r.Open {
		return true, nil
	}
	for _, u := range r.Users {
		if u.AccountID == accountID {
			return true, nil
		}
	}
	if len(r.Groups) == 0 {
		return false, nil
	}
	groups, err := memberOf(accountID)
	if err != nil {
		return false, err
	}
	for _, g := range groups {
		for _, want := range r.Groups {
			if strings.EqualFold(g, want) {
				return true, nil
			}
		}
	}
	return false, nil
}

// narrowerThan says whom of the page's readers the included page's
// readers leave out ("" when none).
func narrowerThan(included, page *access.PageReaders, memberOf func(string) ([]string, error)) (string, error) {
	if included == nil || included.Open {
		return "", nil
	}
	if page == nil || page.Open {
		return "this page is not restricted; that one is: " + included.Source(), nil
	}
	for _, g := range page.Groups {
		found := false
		for _, h := range included.Groups {
			found = found || strings.EqualFold(g, h)
		}
		if !found {
			return "group " + g, nil
		}
	}
	for _, u := range page.Users {
		ok, err := admits(included, u.AccountID, memberOf)
		if err != nil {
			return "", err
		}
		if !ok {
			return fmt.Sprintf("user %s", activities.FirstNonBlank(u.Email, u.AccountID)), nil
		}
	}
	return "", nil
}

// spaceIDOf is the id of a space key, read once per worker.
func (a *ConfluenceActivities) spaceIDOf(ctx context.Context, key string) (string, error) {
	if v, ok := a.spaceIDs.Load(key); ok {
		return v.(string), nil
	}
	sp, err := a.Confluence.GetSpaceByKey(ctx, key)
	if err != nil {
		return "", activities.BackendError("read space "+key, err)
	}
	a.spaceIDs.Store(key, sp.ID)
	return sp.ID, nil
}
