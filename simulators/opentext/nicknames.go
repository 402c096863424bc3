package opentext

import (
	"fmt"
	"net/http"
	"strings"
)

// setNickname is PUT /api/v2/nodes/{id}/nicknames. Nicknames are unique
// (case-insensitively); a node's new nickname replaces its old one.
func (s *Server) setNickname(c *call) {
	nick := strings.TrimSpace(c.p.str("nickname"))
	if nick == "" {
		c.fail(http.StatusBadRequest, "Missing required parameter 'nickname'")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := c.pathNodeFor(permModify)
	if !ok {
		return
	}
	key := strings.ToLower(nick)
	if other, used := s.nicknames[key]; used && other != n.id {
		c.fail(http.StatusBadRequest, fmt.Sprintf("The nickname '%s' is already in use.", nick))
		return
	}
	if n.nickname != "" {
		delete(s.nicknames, strings.ToLower(n.nickname))
	}
	n.nickname = nick
	s.nicknames[key] = n.id
	c.respondV2(map[string]any{})
}

// nodeByNickname is GET /api/v2/nicknames/{nick}/nodes.
func (s *Server) nodeByNickname(c *call) {
	nick := c.r.PathValue("nick")
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.nicknames[strings.ToLower(nick)]
	n := s.nodes[id]
	if !ok || n == nil || !c.may(n, permSee) {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Could not get a node for nickname '%s'", nick))
		return
	}
	c.respondV2(map[string]any{"data": s.nodeData(n, parseFields(c.p))})
}
