package activities

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/xecm-bridge/xecm-bridge/access"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// SpaceViewers reads who may view a space, as one more read restriction
// of its pages; nil when one of access.everyone may (or on Data Center).
func SpaceViewers(ctx context.Context, conf *confluence.Client, acc *mapping.Access, spaceID, spaceKey string) (*confluence.PageReadRestriction, error) {
	principals, err := conf.SpaceReadPermissions(ctx, spaceID)
	if rest.IsKind(err, rest.KindBadRequest) {
		return nil, nil // Data Center: no API (see above)
	}
	if err != nil {
		return nil, BackendError("read the View permission of space "+spaceKey, err)
	}
	level := &confluence.PageReadRestriction{PageID: "space " + spaceKey}
	for _, p := range principals {
		switch p.Type {
		case "group":
			g, err := conf.GroupByID(ctx, p.ID)
			if err != nil {
				return nil, BackendError("read group "+p.ID, err)
			}
			if acc.IsEveryone(g.Name) {
				return nil, nil
			}
			level.Groups = append(level.Groups, *g)
		case "user":
			u, err := conf.User(ctx, p.ID)
			if err != nil {
				return nil, BackendError("read user "+p.ID, err)
			}
			level.Users = append(level.Users, *u)
		default:
			// A role (or anything else) cannot be mapped: it stands as a
			// group no rule maps, so the page is refused, never opened.
			level.Groups = append(level.Groups, confluence.Group{ID: p.ID, Name: p.Type + " " + p.ID})
		}
	}
	return level, nil
}

// Readership is who may see a document in OTCS, mapped to Confluence
// (permissions follow the content). Metadata only: names, never content.
type Readership struct {
	// Public: OTCS public access may see the document, so its page is not
	// restricted and the documents space's permissions decide.
	Public bool `json:"public,omitempty"`
	// Groups and Users are the Confluence groups (names) and accounts (ids)
	// the OTCS principals with `see` map to.
	Groups []string `json:"groups,omitempty"`
	Users  []string `json:"users,omitempty"`
	// Unmapped describes the OTCS principals with `see` that no access:
	// rule maps.
	Unmapped []string `json:"unmapped,omitempty"`
	// Source says what OTCS grants, for the page's record.
	Source string `json:"source,omitempty"`
}

// Restricted reports whether the page must get a read restriction.
func (r *Readership) Restricted() bool { return r == nil || !r.Public }

// ReadPlan is the read restriction a bridge page gets from its source's
// readership: none (Open), or exactly Users and Groups. Refused says why
// the source is refused (a principal the bridge cannot map, under
// access.unmapped: refuse); Users and Groups are then the bridge and the
// kept groups only.
type ReadPlan struct {
	Open          bool
	Users, Groups []string
	Refused       string
	Summary       string // for the page's record
}

// PlanReaders maps a readership to a page's read restriction: the mapped
// principals, the bridge account and access.keep.confluence, plus the
// fallback group when someone is unmapped and access.unmapped is
// fallback. A nil readership (not read) is restricted like an unmappable
// one: the bridge never opens what it has not checked. Mapped groups that
// Confluence does not have count as unmapped; kept groups it does not
// have are left out (that only narrows).
func PlanReaders(ctx context.Context, res *access.Resolver, rules *mapping.Access, bridge string, r *Readership) (ReadPlan, error) {
	if r != nil && r.Public {
		return ReadPlan{Open: true, Summary: "not restricted (" + r.Source + ")"}, nil
	}
	if r == nil {
		r = &Readership{Unmapped: []string{"the OTCS permissions were not read"}}
	}
	unmapped := append([]string{}, r.Unmapped...)
	exists := func(g string) (bool, error) {
		_, found, err := res.ConfluenceGroupID(ctx, g)
		return found, err
	}
	var mapped []string
	for _, g := range r.Groups {
		ok, err := exists(g)
		if err != nil {
			return ReadPlan{}, BackendError("look up Confluence group "+g, err)
		}
		if !ok {
			unmapped = append(unmapped, "Confluence group "+g+" (in access.groups, but Confluence has no such group)")
			continue
		}
		mapped = append(mapped, g)
	}
	p := ReadPlan{Users: []string{bridge}}
	var keep []string
	if rules != nil {
		keep = rules.Keep.Confluence
	}
	for _, g := range keep {
		ok, err := exists(g)
		if err != nil {
			return ReadPlan{}, BackendError("look up Confluence group "+g, err)
		}
		if ok {
			p.Groups = AppendNew(p.Groups, g)
		}
	}
	if len(unmapped) > 0 && (rules == nil || rules.Unmapped != mapping.UnmappedFallback) {
		p.Refused = "restricted in OpenText to principals the bridge cannot map (access.unmapped: refuse): " + strings.Join(unmapped, "; ")
		p.Summary = "refused: only the bridge and the kept groups (" + r.Source + ")"
		return p, nil
	}
	if len(unmapped) > 0 {
		p.Groups = AppendNew(p.Groups, rules.Fallback.Confluence)
	}
	for _, g := range mapped {
		p.Groups = AppendNew(p.Groups, g)
	}
	for _, u := range r.Users {
		p.Users = AppendNew(p.Users, u)
	}
	sort.Strings(p.Groups)
	p.Summary = fmt.Sprintf("restricted to groups %s; users %s (%s)", strings.Join(p.Groups, ", "), strings.Join(p.Users, ", "), r.Source)
	if len(unmapped) > 0 {
		p.Summary += "; fallback group for " + strings.Join(unmapped, "; ")
	}
	return p, nil
}

// SameNames reports whether two lists hold the same names, in any order
// and case.
func SameNames(a, b []string) bool {
	norm := func(xs []string) []string {
		out := make([]string, 0, len(xs))
		for _, x := range xs {
			out = AppendNew(out, strings.ToLower(x))
		}
		sort.Strings(out)
		return out
	}
	return slices.Equal(norm(a), norm(b))
}
