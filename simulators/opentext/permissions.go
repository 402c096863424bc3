package opentext

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// The node permission endpoints of reference §7.3. Entries render as
// {"permissions":[names],"right_id":id,"type":"owner|group|public|custom"};
// lists are results[].data.permissions, single entries
// results.data.permissions [SPEC-TS getNodePermissions, getNodePermission*].

// insufficientMsg is the permission endpoints' answer (HTTP 500) to a
// caller who may see the node but not edit its permissions
// [SPEC-TS updateNodePermissionOwner].
const insufficientMsg = "Insufficient permissions to perform that action"

// permNoAccessMsg is the permission endpoints' answer (HTTP 500) for a
// node that is missing or that the caller cannot see [SPEC-TS getNodePermissions].
const permNoAccessMsg = "Sorry, the item you requested could not be accessed. Either it does not exist, or you do not have permission to access it. If you were sent a link to this item, please contact the sender for assistance."

// applyTo values: 0 this item, 1 sub-items, 2 this item and sub-items,
// 3 this item and immediate sub-items [PX otcs.py:assign_permission].
const (
	applyThis = iota
	applySubItems
	applyThisAndSubItems
	applyThisAndImmediate
)

// permJSON renders one entry; with expand, right_id_expand carries the
// member's properties as expand=permissions{right_id} asks. A removed
// entry has "permissions": null. Callers hold s.mu.
func (s *Server) permJSON(typ string, rightID int64, p perm, removed, expand bool) map[string]any {
	e := map[string]any{"type": typ, "right_id": nil, "permissions": p.names()}
	if rightID != 0 {
		e["right_id"] = rightID
		if m := s.memberProps(rightID); expand && m != nil {
			e["right_id_expand"] = m
		}
	}
	if removed {
		e["permissions"] = nil
	}
	return e
}

// permEntries lists n's entries in OTCS's order: owner, owner group,
// public access, then assigned access; removed entries are left out.
// Callers hold s.mu.
func (s *Server) permEntries(n *node, expand bool) []any {
	a := n.acl
	out := []any{}
	if !a.noOwner {
		out = append(out, s.permJSON("owner", a.owner.rightID, a.owner.perms, false, expand))
	}
	if !a.noGroup {
		out = append(out, s.permJSON("group", a.group.rightID, a.group.perms, false, expand))
	}
	if !a.noPublic {
		out = append(out, s.permJSON("public", 0, a.public, false, expand))
	}
	for _, e := range a.custom {
		out = append(out, s.permJSON("custom", e.rightID, e.perms, false, expand))
	}
	return out
}

// expandsPermissions reports whether `expand` names the permissions section.
func expandsPermissions(p params) bool {
	for _, e := range p.list("expand") {
		if strings.HasPrefix(strings.TrimSpace(e), "permissions") {
			return true
		}
	}
	return false
}

// permNode resolves {id} for a permission endpoint: 500 permNoAccessMsg
// for a missing or invisible node, and for a change (edit) 500
// insufficientMsg without edit_permissions. Callers hold s.mu.
func (c *call) permNode(edit bool) (*node, bool) {
	id, err := strconv.ParseInt(c.r.PathValue("id"), 10, 64)
	if err != nil {
		c.fail(http.StatusBadRequest, "Invalid datatype specified for argument 'id'")
		return nil, false
	}
	n := c.s.nodes[id]
	if n == nil || !c.may(n, permSee) {
		c.fail(http.StatusInternalServerError, permNoAccessMsg)
		return nil, false
	}
	if edit && !c.may(n, permEditPermissions) {
		c.fail(http.StatusInternalServerError, insufficientMsg)
		return nil, false
	}
	return n, true
}

// listPermissions is GET /api/v2/nodes/{id}/permissions, paged when page
// or limit is given.
func (s *Server) listPermissions(c *call) {
	page, limit, ok := c.pageParams(1 << 20)
	if !ok {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := c.permNode(false)
	if !ok {
		return
	}
	entries := s.permEntries(n, expandsPermissions(c.p))
	pg := pageOf(len(entries), int(page), int(limit))
	results := make([]any, 0, pg.hi-pg.lo)
	for _, e := range entries[pg.lo:pg.hi] {
		results = append(results, map[string]any{"data": map[string]any{"permissions": e}})
	}
	env := c.v2Envelope(results)
	if c.p.has("page") || c.p.has("limit") {
		env["collection"] = map[string]any{"paging": pg.paging()}
	}
	c.json(http.StatusOK, env)
}

// defaultEntry is GET /api/v2/nodes/{id}/permissions/{owner|group|public}.
func (s *Server) defaultEntry(typ string) handlerFunc {
	return func(c *call) {
		s.mu.RLock()
		defer s.mu.RUnlock()
		n, ok := c.permNode(false)
		if !ok {
			return
		}
		a, expand := n.acl, expandsPermissions(c.p)
		var e map[string]any
		switch typ {
		case "owner":
			e = s.permJSON(typ, a.owner.rightID, a.owner.perms, a.noOwner, expand)
		case "group":
			e = s.permJSON(typ, a.group.rightID, a.group.perms, a.noGroup, expand)
		default:
			e = s.permJSON(typ, 0, a.public, a.noPublic, expand)
		}
		c.respondV2(map[string]any{"data": map[string]any{"permissions": e}})
	}
}

// permChange is a parsed permission write: the permissions, right_id
// and apply_to of the body.
type permChange struct {
	perms   perm
	rightID int64 // 0 when absent
	applyTo int
}

// readChange parses a write's parameters (the `body` JSON, flat fields or
// both); permissions is required when needPerms. It writes the error itself.
func (c *call) readChange(needPerms bool) (permChange, bool) {
	var ch permChange
	if needPerms && !c.p.has("permissions") {
		c.fail(http.StatusBadRequest, "Missing required parameter 'permissions'")
		return ch, false
	}
	p, bad := parsePerms(c.p.list("permissions"))
	if bad != "" {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Invalid permission '%s'; allowed are %s", bad, strings.Join(permAll.names(), ", ")))
		return ch, false
	}
	ch.perms = p
	id, _, err := c.p.int("right_id")
	if err != nil {
		c.fail(http.StatusBadRequest, err.Error())
		return ch, false
	}
	ch.rightID = id
	at, _, err := c.p.int("apply_to")
	if err != nil || at < applyThis || at > applyThisAndImmediate {
		c.fail(http.StatusBadRequest, "Invalid value for parameter 'apply_to': 0 (this item), 1 (sub-items), 2 (this item and sub-items) or 3 (this item and immediate sub-items)")
		return ch, false
	}
	ch.applyTo = int(at)
	return ch, true
}

// targets are the nodes a change reaches: n and/or its sub-items as
// apply_to says. Sub-items the caller may not edit the permissions of are
// skipped, so apply_to never widens anyone's reach. Anything but 0 on a
// non-container answers 400 "Could not process object, invalid request",
// as the spec warns. Callers hold s.mu.
func (c *call) targets(n *node, applyTo int) ([]*node, bool) {
	if applyTo != applyThis && !isContainer(n.typ) {
		c.fail(http.StatusBadRequest, "Could not process object, invalid request: apply_to must be 0 for an item that is not a container")
		return nil, false
	}
	var out []*node
	if applyTo != applySubItems {
		out = append(out, n)
	}
	var walk func(p *node, deep bool)
	walk = func(p *node, deep bool) {
		for _, cid := range p.children {
			ch := c.s.nodes[cid]
			if ch == nil {
				continue
			}
			if c.may(ch, permEditPermissions) {
				out = append(out, ch)
			}
			if deep {
				walk(ch, true)
			}
		}
	}
	if applyTo != applyThis {
		walk(n, applyTo != applyThisAndImmediate)
	}
	return out, true
}

// knownMember checks that id names a user (wantUser), a group (wantGroup)
// or either; it writes the error itself. Callers hold s.mu.
func (c *call) knownMember(id int64, wantUser, wantGroup bool) bool {
	_, isUser := c.s.usersByID[id]
	_, isGroup := c.s.groups[id]
	if (isUser && wantUser) || (isGroup && wantGroup) {
		return true
	}
	c.fail(http.StatusBadRequest, fmt.Sprintf("Could not get a member for %d", id))
	return false
}

// putDefault is PUT /api/v2/nodes/{id}/permissions/{owner|group|public}:
// set the entry's permissions (restoring a removed entry) and, for owner
// and group, the right_id when given.
func (s *Server) putDefault(typ string) handlerFunc {
	return func(c *call) {
		valid := func(_ *node, ch permChange) bool {
			return ch.rightID == 0 || typ == "public" || c.knownMember(ch.rightID, typ == "owner", typ == "group")
		}
		s.changePermissions(c, true, valid, func(t *node, ch permChange) {
			a := t.acl
			switch typ {
			case "owner":
				a.owner.perms, a.noOwner = ch.perms, false
				if ch.rightID != 0 {
					a.owner.rightID = ch.rightID
				}
			case "group":
				a.group.perms, a.noGroup = ch.perms, false
				if ch.rightID != 0 {
					a.group.rightID = ch.rightID
				}
			default:
				a.public, a.noPublic = ch.perms, false
			}
		})
	}
}

// deleteDefault is DELETE /api/v2/nodes/{id}/permissions/{owner|group|public}:
// remove the entry, which OTCS tells apart from an entry without
// permissions (xecm and pyxecm call it).
func (s *Server) deleteDefault(typ string) handlerFunc {
	return func(c *call) {
		s.changePermissions(c, false, nil, func(t *node, _ permChange) {
			switch typ {
			case "owner":
				t.acl.noOwner = true
			case "group":
				t.acl.noGroup = true
			default:
				t.acl.noPublic = true
			}
		})
	}
}

// addCustom is POST /api/v2/nodes/{id}/permissions/custom: assign access
// to right_id (a user or group), replacing its permissions where it
// already has an entry, which is why pyxecm prefers POST to PUT. Answers
// the entry as it now stands on the node.
func (s *Server) addCustom(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := c.permNode(true)
	if !ok {
		return
	}
	ch, ok := c.readChange(false)
	if !ok {
		return
	}
	if ch.rightID == 0 {
		c.fail(http.StatusBadRequest, "Missing required parameter 'right_id'")
		return
	}
	if !c.knownMember(ch.rightID, true, true) {
		return
	}
	ts, ok := c.targets(n, ch.applyTo)
	if !ok {
		return
	}
	for _, t := range ts {
		setCustom(t.acl, ch.rightID, ch.perms)
	}
	c.respondV2(map[string]any{"data": map[string]any{"permissions": s.permJSON("custom", ch.rightID, ch.perms, false, expandsPermissions(c.p))}})
}

// setCustom adds or replaces rightID's assigned access.
func setCustom(a *acl, rightID int64, p perm) {
	if i := a.customIndex(rightID); i >= 0 {
		a.custom[i].perms = p
		return
	}
	a.custom = append(a.custom, aclEntry{rightID: rightID, perms: p})
}

// customRight reads {right_id} of the custom/{right_id} routes and checks
// that n assigns it access when the change reaches n itself; it writes the
// error itself. The text is the simulator's own (the spec names none).
// Callers hold s.mu.
func (c *call) customRight(n *node, applyTo int) (int64, bool) {
	raw := c.r.PathValue("right")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		c.fail(http.StatusBadRequest, "Invalid datatype specified for argument 'right_id'")
		return 0, false
	}
	if applyTo != applySubItems && n.acl.customIndex(id) < 0 {
		c.fail(http.StatusBadRequest, fmt.Sprintf("The member %d has no assigned access on node %d.", id, n.id))
		return 0, false
	}
	return id, true
}

// updateCustom is PUT /api/v2/nodes/{id}/permissions/custom/{right_id}.
// Sub-items reached by apply_to get the entry whether or not they had it.
func (s *Server) updateCustom(c *call) {
	s.changeCustom(c, true, func(a *acl, id int64, p perm) { setCustom(a, id, p) })
}

// deleteCustom is DELETE /api/v2/nodes/{id}/permissions/custom/{right_id}.
func (s *Server) deleteCustom(c *call) {
	s.changeCustom(c, false, func(a *acl, id int64, _ perm) {
		if i := a.customIndex(id); i >= 0 {
			a.custom = append(a.custom[:i:i], a.custom[i+1:]...)
		}
	})
}

// changeCustom applies one change of an assigned-access entry to the node
// and the sub-items apply_to reaches.
func (s *Server) changeCustom(c *call, withPerms bool, apply func(a *acl, id int64, p perm)) {
	var id int64
	valid := func(n *node, ch permChange) bool {
		var ok bool
		id, ok = c.customRight(n, ch.applyTo)
		return ok
	}
	s.changePermissions(c, withPerms, valid, func(t *node, ch permChange) { apply(t.acl, id, ch.perms) })
}

// changePermissions is every permission write: the node (the caller
// needs edit_permissions), the change's parameters, a check of them
// (valid answers itself when it refuses), the nodes apply_to reaches, and
// apply on each of them, under the store's lock.
func (s *Server) changePermissions(c *call, withPerms bool, valid func(n *node, ch permChange) bool, apply func(t *node, ch permChange)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := c.permNode(true)
	if !ok {
		return
	}
	ch, ok := c.readChange(withPerms)
	if !ok {
		return
	}
	if valid != nil && !valid(n, ch) {
		return
	}
	ts, ok := c.targets(n, ch.applyTo)
	if !ok {
		return
	}
	for _, t := range ts {
		apply(t, ch)
	}
	c.respondV2(map[string]any{})
}

// effectivePermissions is GET /api/v2/nodes/{id}/permissions/effective/{right_id}:
// what that user or group may do on the node, its groups' entries and
// public access included; a user with system administration rights may do
// everything.
func (s *Server) effectivePermissions(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := c.permNode(false)
	if !ok {
		return
	}
	raw := c.r.PathValue("right")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		c.fail(http.StatusBadRequest, "Invalid datatype specified for argument 'right_id'")
		return
	}
	if !c.knownMember(id, true, true) {
		return
	}
	e := map[string]any{"right_id": id, "permissions": s.effective(n, id).names()}
	if expandsPermissions(c.p) {
		e["right_id_expand"] = s.memberProps(id)
	}
	c.respondV2(map[string]any{"data": map[string]any{"permissions": e}})
}
