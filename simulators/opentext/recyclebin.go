package opentext

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// recycled is a deleted node with its descendants, as the Recycle Bin keeps
// it: out of the tree (so GET answers "Could not get a node"), but
// restorable to its original parent until purged.
type recycled struct {
	root      *node
	nodes     []*node // root first, then descendants
	deletedAt time.Time
	deletedBy int64
}

// recycleTree moves a node and its descendants into the Recycle Bin.
// Callers hold s.mu.
func (s *Server) recycleTree(id, by int64) {
	root := s.nodes[id]
	if root == nil {
		return
	}
	e := &recycled{root: root, deletedAt: s.now(), deletedBy: by}
	var walk func(n *node)
	walk = func(n *node) {
		e.nodes = append(e.nodes, n)
		for _, cid := range n.children {
			if ch := s.nodes[cid]; ch != nil {
				walk(ch)
			}
		}
	}
	walk(root)
	s.unlinkChild(root.parentID, root.id)
	for _, n := range e.nodes {
		if n.nickname != "" && s.nicknames[strings.ToLower(n.nickname)] == n.id {
			delete(s.nicknames, strings.ToLower(n.nickname))
		}
		delete(s.nodes, n.id)
	}
	s.recycle[root.id] = e
}

// restoreRecycled puts a recycled subtree back under its original parent;
// it returns the refusal text when that is impossible.
func (s *Server) restoreRecycled(id int64) string {
	e := s.recycle[id]
	if e == nil {
		return fmt.Sprintf("The item %d is not in the Recycle Bin.", id)
	}
	parent := s.nodes[e.root.parentID]
	if parent == nil {
		return fmt.Sprintf("The item '%s' (%d) cannot be restored: its original location %d no longer exists.", e.root.name, id, e.root.parentID)
	}
	if s.childNamed(parent, e.root.name) != nil {
		return duplicateMsg(e.root.name)
	}
	for _, n := range e.nodes {
		s.nodes[n.id] = n
		if n.nickname != "" {
			key := strings.ToLower(n.nickname)
			if _, used := s.nicknames[key]; used {
				n.nickname = "" // taken meanwhile: the restored item loses it
			} else {
				s.nicknames[key] = n.id
			}
		}
	}
	parent.children = append(parent.children, id)
	delete(s.recycle, id)
	return ""
}

// recycleBinAction is POST /api/v2/volumes/recyclebin/nodes/purge and
// .../restore with `ids` (body JSON array, repeated keys or a JSON-array
// string). Each id succeeds or fails on its own; any failure makes the
// answer HTTP 400, with the per-id messages under results.failure.errors.
func (s *Server) recycleBinAction(restore bool) handlerFunc {
	return func(c *call) {
		ids, ok := c.requiredIDList("ids")
		if !ok {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		okIDs, failIDs, errs := []int64{}, []int64{}, map[string]any{}
		for _, id := range ids {
			var why string
			if restore {
				why = s.restoreRecycled(id)
			} else if s.recycle[id] == nil {
				why = fmt.Sprintf("The item %d is not in the Recycle Bin.", id)
			} else {
				delete(s.recycle, id) // purged: gone for good
			}
			if why != "" {
				failIDs = append(failIDs, id)
				errs[strconv.FormatInt(id, 10)] = map[string]any{"message": why}
				continue
			}
			okIDs = append(okIDs, id)
		}
		status := http.StatusOK
		if len(failIDs) > 0 {
			status = http.StatusBadRequest
		}
		c.json(status, c.v2Envelope(map[string]any{
			"success": map[string]any{"ids": okIDs},
			"failure": map[string]any{"ids": failIDs, "errors": errs},
		}))
	}
}

// RecycleBin returns the ids of the items in the Recycle Bin (the roots of
// deleted subtrees), in ascending order.
func (s *Server) RecycleBin() []int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.recycleIDs()
}

// recycleIDs needs s.mu held.
func (s *Server) recycleIDs() []int64 {
	out := make([]int64, 0, len(s.recycle))
	for id := range s.recycle {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
