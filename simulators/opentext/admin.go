package opentext

import (
	"net/http"
	"sort"
	"strconv"
)

// adminHandler serves /__sim/*: unauthenticated and never fault-injected,
// so tests and operators can always see and steer the simulator.
func (s *Server) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/__sim/faults", s.faults.AdminHandler())
	mux.HandleFunc("GET /__sim/state", s.stateDump)
	mux.HandleFunc("POST /__sim/seed", s.adminSeed)
	mux.HandleFunc("POST /__sim/expire-tickets", func(w http.ResponseWriter, r *http.Request) {
		s.ExpireTickets()
		writeJSON(w, http.StatusOK, map[string]any{"expired": true}, false)
	})
	return mux
}

// stateDump is GET /__sim/state: every node with versions (sha256),
// categories, RM records (with finalized state), holds and nicknames, plus
// every workflow process and the ids in the Recycle Bin.
func (s *Server) stateDump(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	ids := make([]int64, 0, len(s.nodes))
	for id := range s.nodes {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	nodes := make([]any, 0, len(ids))
	for _, id := range ids {
		n := s.nodes[id]
		versions := []any{}
		for _, v := range n.versions {
			versions = append(versions, map[string]any{
				"number": v.number, "file_name": v.fileName, "mime_type": v.mimeType, "size": v.size,
				"sha256": v.sha256, "description": v.description, "major": v.major, "create_date": fmtTime(v.created),
			})
		}
		cats := map[string]any{}
		for cid, ac := range n.cats {
			cats[strconv.FormatInt(cid, 10)] = categoryValuesJSON(cid, ac)
		}
		rm := []any{}
		for _, rec := range n.rm {
			rm = append(rm, s.nodeRMRecordJSON(n, rec))
		}
		holds := []int64{}
		for _, h := range n.holds {
			holds = append(holds, h.holdID)
		}
		nodes = append(nodes, map[string]any{
			"id": n.id, "parent_id": n.parentID, "name": n.name, "description": n.desc, "type": n.typ,
			"type_name": typeName(n.typ), "nickname": n.nickname, "versions": versions, "categories": cats,
			"classifications": n.classifications, "rmclassifications": rm, "rm_metadataToken": n.rmToken, "holds": holds,
			"finalized": n.finalized,
		})
	}
	holdList := []any{}
	for _, h := range s.holdList() {
		holdList = append(holdList, map[string]any{"id": h.id, "name": h.name, "type": h.typ, "active": h.active})
	}
	procs := []any{}
	for _, p := range s.processSnapshots() {
		procs = append(procs, p)
	}
	bin := s.recycleIDs()
	s.mu.RUnlock()
	writeJSON(w, http.StatusOK, map[string]any{"nodes": nodes, "holds": holdList, "processes": procs, "recycle_bin": bin, "requests": s.Requests()}, false)
}
