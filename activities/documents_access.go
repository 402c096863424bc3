package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/xecm-bridge/xecm-bridge/access"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

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

// errNodeGone: OTCS shows the bridge no such node (deleted, or no longer
// visible to it).
var errNodeGone = errors.New("no such node, or not visible to the bridge")

// resolver is the principal look-up of the source activities.
func (a *DocumentSourceActivities) resolver() *access.Resolver {
	return a.resolverOnce.get(&a.Access, a.Rules, nil, a.OTCS)
}

// readership reads a node's permissions and maps every principal that may
// see it: the owner, the owner group and the assigned access entries.
// Public access with `see` makes it public whoever else is listed.
func (a *DocumentSourceActivities) readership(ctx context.Context, nodeID int64) (*Readership, int, error) {
	perms, err := a.OTCS.NodePermissions(ctx, nodeID)
	if rest.IsKind(err, rest.KindNotFound) {
		return nil, 1, fmt.Errorf("read the permissions of %d: %w", nodeID, errNodeGone)
	}
	if err != nil {
		return nil, 1, backendError(fmt.Sprintf("read the permissions of %d", nodeID), err)
	}
	if perms.PublicCanSee() {
		return &Readership{Public: true, Source: "OTCS public access"}, 1, nil
	}
	var entries []opentext.PermissionEntry
	for _, e := range []*opentext.PermissionEntry{perms.Owner, perms.OwnerGroup} {
		if e != nil {
			entries = append(entries, *e)
		}
	}
	entries = append(entries, perms.Custom...)
	out := &Readership{}
	var source []string
	res := a.resolver()
	for _, e := range entries {
		if e.RightID == 0 || !e.Permissions.Has(opentext.PermSee) {
			continue
		}
		name, group, err := res.OpenTextMember(ctx, e.RightID)
		if err != nil {
			return nil, 1, backendError(fmt.Sprintf("read OTCS member %d", e.RightID), err)
		}
		switch {
		case name == "":
			out.Unmapped = append(out.Unmapped, fmt.Sprintf("OTCS member %d (unknown to the bridge)", e.RightID))
			source = append(source, fmt.Sprintf("member %d", e.RightID))
		case group:
			source = append(source, "group "+name)
			if cg, ok := a.Rules.Access.ConfluenceGroup(name); ok {
				out.Groups = appendNew(out.Groups, cg)
			} else {
				out.Unmapped = append(out.Unmapped, "OTCS group "+name+" (add it to access.groups)")
			}
		default:
			source = append(source, "user "+name)
			if acct, ok := res.ConfluenceAccount(name); ok {
				out.Users = appendNew(out.Users, acct)
			} else {
				out.Unmapped = append(out.Unmapped, "OTCS user "+name+" (add it to access.user_table)")
			}
		}
	}
	sort.Strings(out.Groups)
	sort.Strings(out.Users)
	out.Source = "OTCS: nobody but administrators"
	if len(source) > 0 {
		out.Source = "OTCS: " + strings.Join(source, ", ")
	}
	return out, 1, nil
}

// readPlan is the read restriction a bridge page gets from its source's
// readership: none (Open), or exactly Users and Groups. Refused says why
// the source is refused (a principal the bridge cannot map, under
// access.unmapped: refuse); Users and Groups are then the bridge and the
// kept groups only.
type readPlan struct {
	Open          bool
	Users, Groups []string
	Refused       string
	Summary       string // for the page's record
}

// planReaders maps a readership to a page's read restriction: the mapped
// principals, the bridge account and access.keep.confluence, plus the
// fallback group when someone is unmapped and access.unmapped is
// fallback. A nil readership (not read) is restricted like an unmappable
// one: the bridge never opens what it has not checked. Mapped groups that
// Confluence does not have count as unmapped; kept groups it does not
// have are left out (that only narrows).
func planReaders(ctx context.Context, res *access.Resolver, rules *mapping.Access, bridge string, r *Readership) (readPlan, error) {
	if r != nil && r.Public {
		return readPlan{Open: true, Summary: "not restricted (" + r.Source + ")"}, nil
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
			return readPlan{}, backendError("look up Confluence group "+g, err)
		}
		if !ok {
			unmapped = append(unmapped, "Confluence group "+g+" (in access.groups, but Confluence has no such group)")
			continue
		}
		mapped = append(mapped, g)
	}
	p := readPlan{Users: []string{bridge}}
	var keep []string
	if rules != nil {
		keep = rules.Keep.Confluence
	}
	for _, g := range keep {
		ok, err := exists(g)
		if err != nil {
			return readPlan{}, backendError("look up Confluence group "+g, err)
		}
		if ok {
			p.Groups = appendNew(p.Groups, g)
		}
	}
	if len(unmapped) > 0 && (rules == nil || rules.Unmapped != mapping.UnmappedFallback) {
		p.Refused = "restricted in OpenText to principals the bridge cannot map (access.unmapped: refuse): " + strings.Join(unmapped, "; ")
		p.Summary = "refused: only the bridge and the kept groups (" + r.Source + ")"
		return p, nil
	}
	if len(unmapped) > 0 {
		p.Groups = appendNew(p.Groups, rules.Fallback.Confluence)
	}
	for _, g := range mapped {
		p.Groups = appendNew(p.Groups, g)
	}
	for _, u := range r.Users {
		p.Users = appendNew(p.Users, u)
	}
	sort.Strings(p.Groups)
	p.Summary = fmt.Sprintf("restricted to groups %s; users %s (%s)", strings.Join(p.Groups, ", "), strings.Join(p.Users, ", "), r.Source)
	if len(unmapped) > 0 {
		p.Summary += "; fallback group for " + strings.Join(unmapped, "; ")
	}
	return p, nil
}

// sameNames reports whether two lists hold the same names, in any order
// and case.
func sameNames(a, b []string) bool {
	norm := func(xs []string) []string {
		out := make([]string, 0, len(xs))
		for _, x := range xs {
			out = appendNew(out, strings.ToLower(x))
		}
		sort.Strings(out)
		return out
	}
	return slices.Equal(norm(a), norm(b))
}

// appendNew appends s unless it is there already (case-insensitively).
func appendNew(list []string, s string) []string {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return list
		}
	}
	return append(list, s)
}

// authorMaySee reports whether a Confluence user may see a node in OTCS:
// anyone may see what public access may see (its page is open to the
// documents space anyway); otherwise the user must map to an OTCS user
// (access.user_table, or the email with users: email) whose effective
// permissions on the node include see.
func (a *DocumentSourceActivities) authorMaySee(ctx context.Context, nodeID int64, author ReferenceAuthor) (bool, error) {
	perms, err := a.OTCS.NodePermissions(ctx, nodeID)
	if rest.IsKind(err, rest.KindNotFound) {
		return false, nil
	}
	if err != nil {
		return false, backendError(fmt.Sprintf("read the permissions of %d", nodeID), err)
	}
	if perms.PublicCanSee() {
		return true, nil
	}
	uid, found, err := a.resolver().OpenTextUserID(ctx, confluence.User{AccountID: author.AccountID, Email: author.Email})
	if err != nil {
		return false, backendError("look up the OTCS user of "+author.AccountID, err)
	}
	if !found {
		return false, nil
	}
	eff, err := a.OTCS.EffectivePermissions(ctx, nodeID, uid)
	if err != nil {
		return false, backendError(fmt.Sprintf("read the permissions of user %d on %d", uid, nodeID), err)
	}
	return eff.Has(opentext.PermSee), nil
}
