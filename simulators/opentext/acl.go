package opentext

import (
	"net/http"
	"slices"
)

// perm is a set of OTCS node permissions, one bit per permission name.
type perm uint16

const (
	permSee perm = 1 << iota
	permSeeContents
	permModify
	permEditAttributes
	permAddItems
	permReserve
	permAddMajorVersion
	permDeleteVersions
	permDelete
	permEditPermissions

	permAll = permSee | permSeeContents | permModify | permEditAttributes | permAddItems | permReserve |
		permAddMajorVersion | permDeleteVersions | permDelete | permEditPermissions
)

// permNames are the REST names in the order OTCS lists them [PX otcs.py PERMISSION_TYPES].
var permNames = []struct {
	bit  perm
	name string
}{
	{permSee, "see"}, {permSeeContents, "see_contents"}, {permModify, "modify"},
	{permEditAttributes, "edit_attributes"}, {permAddItems, "add_items"}, {permReserve, "reserve"},
	{permAddMajorVersion, "add_major_version"}, {permDeleteVersions, "delete_versions"},
	{permDelete, "delete"}, {permEditPermissions, "edit_permissions"},
}

// names lists the permissions in p, never nil, so JSON says [] for none.
func (p perm) names() []string {
	out := []string{}
	for _, pn := range permNames {
		if p&pn.bit != 0 {
			out = append(out, pn.name)
		}
	}
	return out
}

// parsePerms reads permission names; bad is the first unknown one.
func parsePerms(names []string) (p perm, bad string) {
next:
	for _, n := range names {
		for _, pn := range permNames {
			if pn.name == n {
				p |= pn.bit
				continue next
			}
		}
		return 0, n
	}
	return p, ""
}

// aclEntry is one right: a user or group and what it may do.
type aclEntry struct {
	rightID int64
	perms   perm
}

// acl is a node's permissions: the default access (owner, owner group,
// public access) and the assigned access list. OTCS tells "no permissions"
// apart from a removed entry, hence the no* flags.
type acl struct {
	owner, group               aclEntry
	public                     perm
	noOwner, noGroup, noPublic bool // the entry was removed (DELETE)
	custom                     []aclEntry
}

// clone returns an independent copy.
func (a *acl) clone() *acl {
	b := *a
	b.custom = slices.Clone(a.custom)
	return &b
}

// customIndex is the position of rightID in the assigned access, or -1.
func (a *acl) customIndex(rightID int64) int {
	return slices.IndexFunc(a.custom, func(e aclEntry) bool { return e.rightID == rightID })
}

// seedACL is the default access of seeded volumes: Admin owns them, the
// owner group (DefaultGroup) gets nothing of its own, and public access
// (every authenticated user) may see and open, so public access alone
// decides what an ordinary user sees and removing it restricts a node to
// its owner, its assigned access and the administrators.
func seedACL() *acl {
	return &acl{
		owner:  aclEntry{rightID: AdminUserID, perms: permAll},
		group:  aclEntry{rightID: DefaultGroupID},
		public: permSee | permSeeContents,
	}
}

// inheritedACL is what a new node under parent gets: a copy of the
// parent's permissions with the creator as owner and the creator's base
// group as owner group, as OTCS does. Callers hold s.mu.
func (s *Server) inheritedACL(parent *node, creator int64) *acl {
	var a *acl
	if parent != nil && parent.acl != nil {
		a = parent.acl.clone()
	} else {
		a = seedACL()
	}
	a.owner.rightID = creator
	if u := s.usersByID[creator]; u != nil && u.groupID != 0 {
		a.group.rightID = u.groupID
	}
	return a
}

// effective is what member (a user or a group) may do on n: the union of
// the entries naming it or a group it belongs to (directly or through
// other groups), plus public access, which stands for every authenticated
// user. Privileged users may do everything. Callers hold s.mu.
func (s *Server) effective(n *node, member int64) perm {
	if u := s.usersByID[member]; u != nil && u.privileged {
		return permAll
	}
	a := n.acl
	if a == nil {
		return 0
	}
	in := s.memberships(member)
	var p perm
	if !a.noPublic {
		p |= a.public
	}
	if !a.noOwner && a.owner.rightID == member {
		p |= a.owner.perms
	}
	if !a.noGroup && in[a.group.rightID] {
		p |= a.group.perms
	}
	for _, e := range a.custom {
		if in[e.rightID] {
			p |= e.perms
		}
	}
	return p
}

// memberships is member itself and every group it is in, transitively.
// Callers hold s.mu.
func (s *Server) memberships(member int64) map[int64]bool {
	in := map[int64]bool{member: true}
	for changed := true; changed; {
		changed = false
		for _, g := range s.groups {
			if in[g.id] {
				continue
			}
			for _, m := range g.members {
				if in[m] {
					in[g.id], changed = true, true
					break
				}
			}
		}
	}
	return in
}

// may reports whether the caller holds every permission in need on n.
// Callers hold s.mu.
func (c *call) may(n *node, need perm) bool {
	return c.user.privileged || c.s.effective(n, c.user.id)&need == need
}

// noAccessMsg is the text OTCS gives for an item the caller may not use
// the way it asked [SPEC-TS createNode, updateNode, addVersion].
const noAccessMsg = "Sorry, the item you requested could not be accessed. Either it does not exist or you do not have permission to access it. If you were sent a link to this item, please contact the sender for assistance."

// accessNode is lookupNode for a caller who needs the permissions in need
// on the node. A node the caller cannot see answers exactly like a
// missing one (400 "Could not get a node for {id}"), so its existence does
// not leak; a visible node without the other permissions answers 400 with
// noAccessMsg. Callers hold s.mu.
func (c *call) accessNode(id int64, need perm) (*node, bool) {
	n, ok := c.lookupNode(id)
	if !ok {
		return nil, false
	}
	if !c.may(n, permSee) {
		c.fail(http.StatusBadRequest, notFoundMsg(id))
		return nil, false
	}
	if !c.may(n, need) {
		c.fail(http.StatusBadRequest, noAccessMsg)
		return nil, false
	}
	return n, true
}

// pathNodeFor resolves the {id} path value like pathNode, for a caller
// who needs the permissions in need. Callers hold s.mu.
func (c *call) pathNodeFor(need perm) (*node, bool) {
	id, ok := c.pathID("id")
	if !ok {
		return nil, false
	}
	return c.accessNode(id, need)
}
