package access

import (
	"context"
	"fmt"
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

// PageAccess is who may read a Confluence page version and who its OTCS
// record may therefore be read by.
type PageAccess struct {
	// Open: neither the page nor an ancestor has a read restriction, so
	// the record keeps its folder's access list.
	Open bool
	// Readers are the OTCS principals the page's readers map to: every
	// Confluence group that admits a reader at every restricted level, and
	// every user admitted at every level (through a group or by name).
	Readers []Principal
	// Unmapped names the Confluence principals that no access: rule maps
	// (a group not in access.groups, a user without a table entry or a
	// visible email that OTCS knows).
	Unmapped []string
	// Source says, for the record's evidence, what the page was
	// restricted to: "groups legal; users lena@example.com".
	Source string
}

// ForPage computes who may read a page from its effective read
// restrictions (confluence.EffectiveReadRestriction: the page's own and
// every ancestor's; a reader must pass each) and maps them to OTCS.
//
// A group named at every level admits all its members everywhere and is
// kept as a group; any other reader must be admitted at each level, by
// name or through a group there, so those groups are expanded into their
// members and the users who pass every level are kept one by one.
func (r *Resolver) ForPage(ctx context.Context, levels []confluence.PageReadRestriction) (*PageAccess, error) {
	if len(levels) == 0 {
		return &PageAccess{Open: true, Source: "not restricted"}, nil
	}
	common := commonGroups(levels)
	// Every user who may pass: named at a level, or in a group at a level
	// that is not common to all.
	members := map[string][]confluence.User{} // group name (lower) -> members
	candidates := map[string]confluence.User{}
	for _, l := range levels {
		for _, u := range l.Users {
			candidates[u.AccountID] = mergeUser(candidates[u.AccountID], u)
		}
		for _, g := range l.Groups {
			key := strings.ToLower(g.Name)
			if _, isCommon := common[key]; isCommon || members[key] != nil {
				continue
			}
			ms, err := r.Confluence.GroupMembers(ctx, g)
			if err != nil {
				return nil, fmt.Errorf("read the members of Confluence group %s: %w", g.Name, err)
			}
			members[key] = append([]confluence.User{}, ms...)
			for _, u := range ms {
				candidates[u.AccountID] = mergeUser(candidates[u.AccountID], u)
			}
		}
	}
	out := &PageAccess{}
	var groupNames, userNames []string
	for _, key := range sortedKeys(common) {
		name := groupName(levels, key)
		groupNames = append(groupNames, name)
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
	ids := make([]string, 0, len(candidates))
	for id := range candidates {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		u := candidates[id]
		// A member of a common group already reads through the group;
		// keeping them by name as well is harmless and saves expanding it.
		if !passesAll(u, levels, members) {
			continue
		}
		userNames = append(userNames, userLabel(u))
		oid, found, err := r.OpenTextUserID(ctx, u)
		if err != nil {
			return nil, fmt.Errorf("look up the OTCS user of %s: %w", userLabel(u), err)
		}
		if !found {
			why := "no access.user_table entry"
			if u.Email == "" {
				why += " and Confluence hides the email"
			} else {
				why += " and no OTCS user has the email " + u.Email
			}
			out.Unmapped = append(out.Unmapped, fmt.Sprintf("Confluence user %s (%s)", userLabel(u), why))
			continue
		}
		out.Readers = append(out.Readers, Principal{ID: oid, Name: userLabel(u)})
	}
	var parts []string
	if len(groupNames) > 0 {
		parts = append(parts, "groups "+strings.Join(groupNames, ", "))
	}
	if len(userNames) > 0 {
		parts = append(parts, "users "+strings.Join(userNames, ", "))
	}
	if len(parts) == 0 {
		parts = append(parts, "nobody but the bridge")
	}
	out.Source = fmt.Sprintf("restricted (%d level(s)) to %s", len(levels), strings.Join(parts, "; "))
	return out, nil
}

// commonGroups are the groups (by lower-case name) named at every level.
func commonGroups(levels []confluence.PageReadRestriction) map[string]string {
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
	out := map[string]string{}
	for k, n := range count {
		if n == len(levels) {
			out[k] = k
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

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
