package mapping

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// Access says how read access follows the content between the two
// systems: which Confluence principals are which OTCS principals, where the
// bridge restricts when it cannot map someone, and whom it always keeps on
// the copies it restricts. Without an access: section the bridge can map
// nobody, so it refuses every restricted source (fails closed).
type Access struct {
	Line int
	// Groups maps Confluence group names to OTCS group names (both ways).
	Groups []GroupPair
	// Users says how a Confluence user is found in OTCS: UsersByEmail (the
	// Confluence email is the OTCS business email) or UsersByTable (only
	// UserTable). Confluence Cloud may hide emails; such users are mapped by
	// the table or not at all.
	Users string
	// UserTable maps Confluence account ids to OTCS login names, before
	// and besides the email match.
	UserTable []UserPair
	// Fallback is where the bridge restricts a copy whose source names
	// someone it cannot map, when Unmapped is UnmappedFallback.
	Fallback Principals
	// Keep are the principals every restricted copy keeps (records
	// administrators); the bridge's own account is always kept.
	Keep struct {
		Confluence []string // group names
		OpenText   []string // group names
		// ConfluenceLines and OpenTextLines are the file lines of the
		// names, index by index (for the live checks' messages).
		ConfluenceLines, OpenTextLines []int
	}
	// Unmapped is what a source naming an unmappable principal gets:
	// UnmappedRefuse (default: nothing is written, a typed error) or
	// UnmappedFallback (the copy is restricted to the mapped principals and
	// the fallback group).
	Unmapped string
	// Everyone are the Confluence groups every licensed user is in
	// (default DefaultEveryone): a space whose View permission one of them
	// holds is open to all; any other space's readers restrict each of its
	// pages.
	Everyone []string
	// Staging is the OTCS folder path (under otcs.root) where the bridge
	// creates the records of restricted pages before their access list is
	// set: readable by the bridge and the kept groups only, so no one else
	// can read a record at any moment.
	Staging []string
}

// GroupPair is one group mapped between the systems.
type GroupPair struct {
	Confluence, OpenText string
	Line                 int
}

// UserPair is one Confluence account mapped to an OTCS login.
type UserPair struct {
	AccountID, Login string
	Line             int
}

// Principals names one group on each side.
type Principals struct {
	Confluence, OpenText string
	// ConfluenceLine and OpenTextLine are where the names stand in the
	// file; 0 when not from a file.
	ConfluenceLine, OpenTextLine int
}

// How users are mapped, what an unmappable principal gets, and what a
// restricted source gets.
const (
	UsersByEmail = "email"
	UsersByTable = "table"

	UnmappedRefuse   = "refuse"
	UnmappedFallback = "fallback"

	RestrictedMirror = "mirror" // the copy gets the source's access, mapped
	RestrictedRefuse = "refuse" // restricted sources are never copied
)

// DefaultStaging is the staging folder when access.staging is not set.
var DefaultStaging = []string{"xecm-bridge staging"}

// OpenTextGroup returns the OTCS group a Confluence group maps to.
func (a *Access) OpenTextGroup(confluenceGroup string) (string, bool) {
	if a == nil {
		return "", false
	}
	for _, g := range a.Groups {
		if strings.EqualFold(g.Confluence, confluenceGroup) {
			return g.OpenText, true
		}
	}
	return "", false
}

// ConfluenceGroup returns the Confluence group an OTCS group maps to.
func (a *Access) ConfluenceGroup(otcsGroup string) (string, bool) {
	if a == nil {
		return "", false
	}
	for _, g := range a.Groups {
		if strings.EqualFold(g.OpenText, otcsGroup) {
			return g.Confluence, true
		}
	}
	return "", false
}

// LoginFor returns the OTCS login the table gives a Confluence account.
func (a *Access) LoginFor(accountID string) (string, bool) {
	if a == nil {
		return "", false
	}
	for _, u := range a.UserTable {
		if u.AccountID == accountID {
			return u.Login, true
		}
	}
	return "", false
}

// AccountFor returns the Confluence account the table gives an OTCS login.
func (a *Access) AccountFor(login string) (string, bool) {
	if a == nil {
		return "", false
	}
	for _, u := range a.UserTable {
		if strings.EqualFold(u.Login, login) {
			return u.AccountID, true
		}
	}
	return "", false
}

// DefaultEveryone is access.everyone when the mapping does not say:
// Confluence's own group of every licensed user.
var DefaultEveryone = []string{"confluence-users"}

// IsEveryone reports whether a Confluence group stands for every user.
func (a *Access) IsEveryone(group string) bool {
	everyone := DefaultEveryone
	if a != nil && a.Everyone != nil {
		everyone = a.Everyone
	}
	for _, g := range everyone {
		if strings.EqualFold(g, group) {
			return true
		}
	}
	return false
}

// ByEmail reports whether users are matched by email.
func (a *Access) ByEmail() bool { return a != nil && a.Users == UsersByEmail }

// StagingPath is the staging folder's path under otcs.root.
func (a *Access) StagingPath() []string {
	if a == nil || len(a.Staging) == 0 {
		return DefaultStaging
	}
	return a.Staging
}

// access parses the access: section.
func (p *parser) access(n *yaml.Node) *Access {
	const rule = "access"
	a := &Access{Line: n.Line, Users: UsersByEmail, Unmapped: UnmappedRefuse}
	f := p.fields(n, rule, "groups", "users", "user_table", "fallback_group", "keep", "unmapped", "staging", "everyone")
	if v, ok := f["everyone"]; ok {
		a.Everyone = p.strList(v, rule+".everyone")
	}
	if v, ok := f["groups"]; ok {
		for _, kv := range p.pairs(v, rule+".groups") {
			a.Groups = append(a.Groups, GroupPair{Confluence: kv[0].Value, OpenText: p.str(kv[1], rule+".groups."+kv[0].Value), Line: kv[0].Line})
		}
	}
	if v, ok := f["users"]; ok {
		a.Users = p.str(v, rule+".users")
		if a.Users != UsersByEmail && a.Users != UsersByTable {
			p.fail(v, rule+".users", "must be %q (Confluence email = OTCS business email) or %q (user_table only), not %q", UsersByEmail, UsersByTable, a.Users)
		}
	}
	if v, ok := f["user_table"]; ok {
		for _, kv := range p.pairs(v, rule+".user_table") {
			a.UserTable = append(a.UserTable, UserPair{AccountID: kv[0].Value, Login: p.str(kv[1], rule+".user_table."+kv[0].Value), Line: kv[0].Line})
		}
	}
	if v, ok := f["fallback_group"]; ok {
		ff := p.fields(v, rule+".fallback_group", "confluence", "opentext")
		if c, ok := ff["confluence"]; ok {
			a.Fallback.Confluence, a.Fallback.ConfluenceLine = p.str(c, rule+".fallback_group.confluence"), c.Line
		}
		if o, ok := ff["opentext"]; ok {
			a.Fallback.OpenText, a.Fallback.OpenTextLine = p.str(o, rule+".fallback_group.opentext"), o.Line
		}
	}
	if v, ok := f["keep"]; ok {
		kf := p.fields(v, rule+".keep", "confluence", "opentext")
		if c, ok := kf["confluence"]; ok {
			a.Keep.Confluence, a.Keep.ConfluenceLines = p.strList(c, rule+".keep.confluence"), itemLines(c)
		}
		if o, ok := kf["opentext"]; ok {
			a.Keep.OpenText, a.Keep.OpenTextLines = p.strList(o, rule+".keep.opentext"), itemLines(o)
		}
	}
	if v, ok := f["unmapped"]; ok {
		a.Unmapped = p.str(v, rule+".unmapped")
		if a.Unmapped != UnmappedRefuse && a.Unmapped != UnmappedFallback {
			p.fail(v, rule+".unmapped", "must be %q or %q, not %q", UnmappedRefuse, UnmappedFallback, a.Unmapped)
		}
	}
	if a.Unmapped == UnmappedFallback && (a.Fallback.Confluence == "" || a.Fallback.OpenText == "") {
		p.fail(n, rule+".fallback_group", "is required on both sides (confluence, opentext) when unmapped: %s", UnmappedFallback)
	}
	if v, ok := f["staging"]; ok {
		s := p.str(v, rule+".staging")
		for _, seg := range strings.Split(s, "/") {
			if seg = strings.TrimSpace(seg); seg != "" {
				a.Staging = append(a.Staging, seg)
			}
		}
		if len(a.Staging) == 0 {
			p.fail(v, rule+".staging", "must be a folder path under otcs.root")
		}
	}
	return a
}

// pairs reads a mapping of names to names, in file order.
func (p *parser) pairs(n *yaml.Node, rule string) [][2]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		p.fail(n, rule, "must map names to names")
		return nil
	}
	var out [][2]*yaml.Node
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if seen[strings.ToLower(k.Value)] {
			p.fail(k, rule+"."+k.Value, "is mapped twice")
			continue
		}
		seen[strings.ToLower(k.Value)] = true
		out = append(out, [2]*yaml.Node{k, n.Content[i+1]})
	}
	return out
}

// itemLines is the line of every item of a list node.
func itemLines(n *yaml.Node) []int {
	if n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]int, len(n.Content))
	for i, item := range n.Content {
		out[i] = item.Line
	}
	return out
}
