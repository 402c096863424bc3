package confluence

import (
	"fmt"
	"net/http"
	"strconv"
)

// Space permissions. The simulator models the one that gates reading:
// "View space" (v2 operation {key:"read", targetType:"space"}). A user
// holding it neither directly nor through a group sees none of the
// space's pages (404, absent from lists and search) and not the space
// itself. Every new space grants it to confluence-users, which holds
// every user, so spaces are open to all until a test narrows them.
// v2 lists the assignments at GET /wiki/api/v2/spaces/{id}/permissions
// (cursor-paged, 404 for a space the caller cannot view).

// firstSpacePermID is the id of the first space permission assignment.
const firstSpacePermID = 800001

// spacePerm is one space permission assignment.
type spacePerm struct {
	id                         string
	principalType, principalID string // "user" (account id) or "group" (group id)
	op, target                 string // e.g. "read", "space"
}

func (sp spacePerm) isRead() bool { return sp.op == "read" && sp.target == "space" }

// grantDefaultSpacePerms gives a new space's read permission to
// confluence-users. Call with s.mu held.
func (s *Server) grantDefaultSpacePerms(sp *space) {
	sp.perms = append(sp.perms, s.newSpacePerm("group", groupIDFor(usersGroup), "read", "space"))
}

func (s *Server) newSpacePerm(typ, principal, op, target string) spacePerm {
	s.permSeq++
	return spacePerm{id: strconv.Itoa(s.permSeq), principalType: typ, principalID: principal, op: op, target: target}
}

// spaceReadable reports whether the account holds the space's read
// permission, itself or through a group. Call with s.mu held.
func (s *Server) spaceReadable(sp *space, accountID string) bool {
	if sp == nil {
		return false
	}
	for _, pm := range sp.perms {
		if !pm.isRead() {
			continue
		}
		if pm.principalType == "user" && pm.principalID == accountID {
			return true
		}
		if pm.principalType == "group" {
			if g, ok := s.dir.group(pm.principalID); ok && contains(g.Members, accountID) {
				return true
			}
		}
	}
	return false
}

// spaceReadableByGroup reports whether the group (by name) is granted
// the space's read permission. Call with s.mu held.
func (s *Server) spaceReadableByGroup(sp *space, group string) bool {
	g, ok := s.dir.group(group)
	if sp == nil || !ok {
		return false
	}
	for _, pm := range sp.perms {
		if pm.isRead() && pm.principalType == "group" && pm.principalID == g.ID {
			return true
		}
	}
	return false
}

// SetSpaceReaders replaces who holds the space's read permission: users
// (account ids, emails or local parts) and groups (names or ids; a
// group not yet known is created empty). Other assignments stay. With
// neither users nor groups nobody can read the space.
func (s *Server) SetSpaceReaders(spaceKey string, users, groups []string) error {
	var gids []string
	for _, g := range groups {
		gids = append(gids, s.AddGroup(s.resolveGroup(g)).ID)
	}
	uids := make([]string, len(users))
	for i, u := range users {
		uids[i] = s.resolveUser(u)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.spaceByKey(spaceKey)
	if sp == nil {
		return fmt.Errorf("space %s: %w", spaceKey, ErrNotFound)
	}
	kept := sp.perms[:0:0]
	for _, pm := range sp.perms {
		if !pm.isRead() {
			kept = append(kept, pm)
		}
	}
	for _, id := range dedupe(uids) {
		kept = append(kept, s.newSpacePerm("user", id, "read", "space"))
	}
	for _, id := range dedupe(gids) {
		kept = append(kept, s.newSpacePerm("group", id, "read", "space"))
	}
	sp.perms = kept
	return nil
}

// SpacePermission is a snapshot of one space permission assignment.
type SpacePermission struct {
	ID            string `json:"id"`
	PrincipalType string `json:"principalType"` // user or group
	PrincipalID   string `json:"principalId"`   // account id or group id
	Operation     string `json:"operation"`     // e.g. read
	TargetType    string `json:"targetType"`    // e.g. space
}

// SpacePermissions returns the space's permission assignments; false for
// an unknown space key.
func (s *Server) SpacePermissions(spaceKey string) ([]SpacePermission, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sp := s.spaceByKey(spaceKey)
	if sp == nil {
		return nil, false
	}
	out := make([]SpacePermission, len(sp.perms))
	for i, pm := range sp.perms {
		out[i] = SpacePermission{ID: pm.id, PrincipalType: pm.principalType, PrincipalID: pm.principalID,
			Operation: pm.op, TargetType: pm.target}
	}
	return out, true
}

// v2SpacePermissions serves GET /wiki/api/v2/spaces/{id}/permissions.
func (s *Server) v2SpacePermissions(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		writeV2Error(w, http.StatusBadRequest, "Space id must be a number: "+id)
		return
	}
	s.mu.RLock()
	sp := s.spaceByID(id)
	if sp == nil || !s.spaceReadable(sp, actor(r)) {
		s.mu.RUnlock()
		writeV2Error(w, http.StatusNotFound, spaceIDNotFound(id))
		return
	}
	items := []any{}
	for _, pm := range sp.perms {
		items = append(items, map[string]any{"id": pm.id,
			"principal": map[string]any{"type": pm.principalType, "id": pm.principalID},
			"operation": map[string]any{"key": pm.op, "targetType": pm.target}})
	}
	s.mu.RUnlock()
	s.writeV2List(w, r, items, 25)
}
