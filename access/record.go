package access

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
)

// Principal is one OTCS user or group a record is readable by.
type Principal struct {
	ID    int64
	Name  string
	Group bool
}

// PageReaders is who may read a Confluence page, in Confluence's terms:
// what the Confluence side of the bridge reads, for the OpenText side to
// map. It holds names and ids only.
type PageReaders struct {
	// Open: neither the page nor an ancestor has a read restriction.
	Open bool `json:",omitempty"`
	// Groups admit a reader at every restricted level.
	Groups []string `json:",omitempty"`
	// Users are admitted at every level, by name or through a group there
	// (members of Groups are not repeated).
	Users []confluence.User `json:",omitempty"`
	// Levels is the number of restricted pages (the page and ancestors).
	Levels int `json:",omitempty"`
}

// Source says, for the record's evidence, whom the page is restricted to:
// "groups legal; users lena@example.com".
func (p *PageReaders) Source() string {
	if p == nil || p.Open {
		return "not restricted"
	}
	var parts []string
	if len(p.Groups) > 0 {
		parts = append(parts, "groups "+strings.Join(p.Groups, ", "))
	}
	if len(p.Users) > 0 {
		names := make([]string, len(p.Users))
		for i, u := range p.Users {
			names[i] = userLabel(u)
		}
		parts = append(parts, "users "+strings.Join(names, ", "))
	}
	if len(parts) == 0 {
		parts = append(parts, "nobody but the bridge")
	}
	return strings.Join(parts, "; ")
}

// ReadersOf computes who may read a page from its effective read
// restrictions (confluence.EffectiveReadRestriction: the page's own and
// every ancestor's; a reader must pass each). It calls Confluence only.
//
// A group named at every level admits all its members everywhere and is
// kept as a group; any other reader must be admitted at each level, by
// name or through a group there, so those groups are expanded into their
// members and the users who pass every level are kept one by one. The
// bridge's own account (self) is left out: it owns its copies anyway.
func ReadersOf(ctx context.Context, conf *confluence.Client, self string, levels []confluence.PageReadRestriction) (*PageReaders, error) {
	if len(levels) == 0 {
		return &PageReaders{Open: true}, nil
	}
	common := commonGroups(levels)
	members := map[string][]confluence.User{} // group name (lower) -> members
	candidates := map[string]confluence.User{}
	for _, l := range levels {
		for _, u := range l.Users {
			candidates[u.AccountID] = mergeUser(candidates[u.AccountID], u)
		}
		for _, g := range l.Groups {
			key := strings.ToLower(g.Name)
			if common[key] || members[key] != nil {
				continue
			}
			ms, err := conf.GroupMembers(ctx, g)
			if err != nil {
				return nil, fmt.Errorf("read the members of Confluence group %s: %w", g.Name, err)
			}
			members[key] = append([]confluence.User{}, ms...)
			for _, u := range ms {
				candidates[u.AccountID] = mergeUser(candidates[u.AccountID], u)
			}
		}
	}
	out := &PageReaders{Levels: len(levels)}
	for _, key := range slices.Sorted(maps.Keys(common)) {
		out.Groups = append(out.Groups, groupName(levels, key))
	}
	ids := make([]string, 0, len(candidates))
	for id := range candidates {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		// A member of a common group may also be named; keeping them by
		// name as well is harmless and saves expanding the group.
		if u := candidates[id]; id != self && passesAll(u, levels, members) {
			out.Users = append(out.Users, u)
		}
	}
	return out, nil
}

// PageAccess is who a page's OTCS record may be read by.
type PageAccess struct {
	// Open: the page is not restricted; the record keeps its folder's
	// access list.
	Open bool
	// Readers are the OTCS principals the page's readers map to.
	Readers []Principal
	// Unmapped names the page's readers that no access: rule maps (a
	// group not in access.groups, a user without a table entry or a
	// visible email that OTCS knows): the record must not be written for
	// them, or only to the fallback group.
	Unmapped []string
}

// ForPage maps a page's readers to OTCS principals. It calls OTCS only.
func (r *Resolver) ForPage(ctx context.Context, pr *PageReaders) (*PageAccess, error) {
	if pr == nil || pr.Open {
		return &PageAccess{Open: true}, nil
	}
	out := &PageAccess{}
	for _, name := range pr.Groups {
		otcs, ok := r.Rules.OpenTextGroup(name)
		if !ok {
			out.Unmapped = append(out.Unmapped, "Confluence group "+name+" (add it to access.groups)")
			continue
		}
		id, found, err := r.OpenTextGroupID(ctx, otcs)
		if err != nil {
			return nil, fmt.Errorf("look up OTCS group %s: %w", otcs, err)
		}
		if !found {
			out.Unmapped = append(out.Unmapped, fmt.Sprintf("Confluence group %s (mapped to OTCS group %s, which OTCS does not have)", name, otcs))
			continue
		}
		out.Readers = append(out.Readers, Principal{ID: id, Name: otcs, Group: true})
	}
	for _, u := range pr.Users {
		oid, found, err := r.OpenTextUserID(ctx, u)
		if err != nil {
			return nil, fmt.Errorf("look up the OTCS user of %s: %w", userLabel(u), err)
		}
		if !found {
			why := "no access.user_table entry"
			if u.Email == "" {
				why += ", and Confluence hides the email"
			} else if r.Rules.ByEmail() {
				why += ", and no OTCS user has the email " + u.Email
			}
			out.Unmapped = append(out.Unmapped, fmt.Sprintf("Confluence user %s (%s)", userLabel(u), why))
			continue
		}
		out.Readers = append(out.Readers, Principal{ID: oid, Name: userLabel(u)})
	}
	return out, nil
}

// commonGroups are the groups (by lower-case name) named at every level.
func commonGroups(levels []confluence.PageReadRestriction) map[string]bool {
	count := map[string]int{}
	for _, l := range levels {
		seen := map[string]bool{}
		for _, g := range l.Groups {
			k := strings.ToLower(g.Name)
			if !seen[k] {
				seen[k] = true
				count[k]++
			}
		}
	}
	out := map[string]bool{}
	for k, n := range count {
		if n == len(levels) {
			out[k] = true
		}
	}
	return out
}

// passesAll reports whether u is admitted at every level.
func passesAll(u confluence.User, levels []confluence.PageReadRestriction, members map[string][]confluence.User) bool {
	for _, l := range levels {
		ok := false
		for _, x := range l.Users {
			ok = ok || x.AccountID == u.AccountID
		}
		for _, g := range l.Groups {
			for _, m := range members[strings.ToLower(g.Name)] {
				ok = ok || m.AccountID == u.AccountID
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func groupName(levels []confluence.PageReadRestriction, key string) string {
	for _, l := range levels {
		for _, g := range l.Groups {
			if strings.ToLower(g.Name) == key {
				return g.Name
			}
		}
	}
	return key
}

func mergeUser(a, b confluence.User) confluence.User {
	if a.AccountID == "" {
		return b
	}
	if a.Email == "" {
		a.Email = b.Email
	}
	if a.DisplayName == "" {
		a.DisplayName = b.DisplayName
	}
	return a
}

func userLabel(u confluence.User) string {
	if u.Email != "" {
		return u.Email
	}
	if u.DisplayName != "" {
		return u.DisplayName + " (" + u.AccountID + ")"
	}
	return u.AccountID
}
