package opentext

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
)

// RM semantics: a node carries at most one RM classification (POST
// replaces it), and every change rotates rm_metadataToken. Changing an
// existing classification, or any PUT, needs the current token, which is
// how OTCS detects concurrent edits.

func (s *Server) rmRecordJSON(r rmRecord) map[string]any {
	name, fileNumber := "", ""
	if cn := s.nodes[r.classID]; cn != nil {
		name, fileNumber = cn.name, cn.fileNumber
	}
	nullable := func(v string) any {
		if v == "" {
			return nil
		}
		return v
	}
	return map[string]any{
		"rmclassification_id": r.classID, "name": name, "file_number": fileNumber,
		"rsi": nullable(r.rsi), "record_date": nullable(r.recordDate),
		"status": nullable(r.status), "file_status": nullable(r.status), "status_date": nullable(r.statusDate),
		"received_date": nil, "essential": nullable(r.essential), "official": r.official,
		"storage": nullable(r.storage), "accession": nil, "subject": nil, "originator": nil,
		"next_review_date": nil, "last_review_date": nil, "cycle_period": nil,
		"inherited_rmclassification_id": nil, "default_rmclassification_id": nil, "multiple_classifications": []any{},
	}
}

// nodeRMRecordJSON is rmRecordJSON plus the node's finalized state, which
// OTCS reports per record ("finalized", as the RM 26.1 schema and
// otcs-mcp's parser name it).
func (s *Server) nodeRMRecordJSON(n *node, r rmRecord) map[string]any {
	m := s.rmRecordJSON(r)
	m["finalized"] = n.finalized
	m["finalized_date"] = fmtTime(n.finalizedAt)
	return m
}

func (s *Server) getRM(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := c.pathNodeFor(permSee)
	if !ok {
		return
	}
	c.json(http.StatusOK, s.rmState(n))
}

func (s *Server) rmState(n *node) map[string]any {
	data := make([]any, 0, len(n.rm))
	for _, r := range n.rm {
		data = append(data, s.nodeRMRecordJSON(n, r))
	}
	return map[string]any{
		"canBeUnclassified": !n.finalized, "canFinalize": len(n.rm) > 0 && !n.finalized, "canRemoveClass": !n.finalized, "canRMClassify": true,
		"classVolumeID": RMClassificationVolumeID, "data": data, "definitions": map[string]any{},
		"fields_order": []any{}, "fields_to_show": map[string]any{}, "inherit_from": false, "multiClass": false,
		"rm_metadataToken": n.rmToken, "showTab": true, "vitalRecordCodes": []any{},
	}
}

// rmFields applies the record fields present in the request to r.
func (c *call) rmFields(r *rmRecord) string {
	if c.p.has("official") {
		r.official = c.p.bool("official")
	}
	if c.p.has("status") {
		r.status = c.p.str("status")
	} else if c.p.has("file_status") {
		r.status = c.p.str("file_status")
	}
	for key, dst := range map[string]*string{"record_date": &r.recordDate, "status_date": &r.statusDate} {
		if c.p.has(key) && c.p.str(key) != "" {
			t, ok := parseDate(c.p.str(key))
			if !ok {
				return fmt.Sprintf("Invalid date specified for '%s': %q.", key, c.p.str(key))
			}
			*dst = t.Format("2006-01-02T15:04:05")
		}
	}
	if c.p.has("rsi") {
		r.rsi = c.p.str("rsi")
	}
	if c.p.has("essential") {
		r.essential = c.p.str("essential")
	}
	if c.p.has("storage") {
		r.storage = c.p.str("storage")
	}
	return ""
}

// tokenOK checks rm_metadataToken against the node's current token.
func (c *call) tokenOK(n *node) bool {
	return n.rmToken != "" && c.p.str("rm_metadataToken") == n.rmToken
}

const staleRMToken = "The RM metadata token is missing or out of date (rm_metadataToken); read the node's rmclassifications again and retry."

func (s *Server) applyRM(c *call) {
	classID, present, err := c.p.int("class_id")
	if err != nil || !present {
		c.fail(http.StatusBadRequest, "Missing required parameter 'class_id'")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := c.pathNodeFor(permEditAttributes)
	if !ok {
		return
	}
	if cn := s.nodes[classID]; cn == nil || cn.typ != typeRMClassification {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Could not get an RM classification for %d", classID))
		return
	}
	if len(n.rm) > 0 && !c.tokenOK(n) {
		c.fail(http.StatusBadRequest, staleRMToken)
		return
	}
	r := rmRecord{classID: classID, status: "ACTIVE"}
	if len(n.rm) > 0 && n.rm[0].classID == classID {
		r = n.rm[0]
	}
	if r.recordDate == "" {
		r.recordDate = s.now().Format("2006-01-02T15:04:05")
	}
	if c.refused(c.rmFields(&r)) {
		return
	}
	n.rm = []rmRecord{r}
	n.rmToken = newToken(16)
	n.touch(s.now(), c.user.id)
	c.json(http.StatusOK, s.rmState(n))
}

func (s *Server) updateRM(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := c.pathNodeFor(permEditAttributes)
	if !ok {
		return
	}
	if len(n.rm) == 0 {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Node %d has no RM classification.", n.id))
		return
	}
	if !c.tokenOK(n) {
		c.fail(http.StatusBadRequest, staleRMToken)
		return
	}
	r := n.rm[0]
	if c.refused(c.rmFields(&r)) {
		return
	}
	n.rm[0] = r
	n.rmToken = newToken(16)
	n.touch(s.now(), c.user.id)
	c.json(http.StatusOK, s.rmState(n))
}

func (s *Server) removeRM(c *call) {
	classID, err := strconv.ParseInt(c.r.PathValue("class"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := c.pathNodeFor(permEditAttributes)
	if !ok {
		return
	}
	if err != nil || len(n.rm) == 0 || n.rm[0].classID != classID {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Node %d does not have RM classification %s.", n.id, c.r.PathValue("class")))
		return
	}
	if c.refused(s.finalizedRefusal(n, "its RM classification cannot be removed")) {
		return
	}
	if !c.tokenOK(n) {
		c.fail(http.StatusBadRequest, staleRMToken)
		return
	}
	n.rm = nil
	n.rmToken = newToken(16)
	n.touch(s.now(), c.user.id)
	c.json(http.StatusOK, map[string]any{})
}

// Holds.

func (s *Server) holdList() []*hold {
	out := make([]*hold, 0, len(s.holds))
	for _, h := range s.holds {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (s *Server) listHolds(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	list := []any{}
	for _, h := range s.holdList() {
		list = append(list, map[string]any{
			"HoldID": h.id, "HoldName": h.name, "ActiveHold": h.active, "HoldType": h.typ, "HoldComment": h.comment,
			"DateApplied": nil, "DateToRemove": nil, "AlternateHoldID": nil, "ParentID": -1,
		})
	}
	c.respondOK(map[string]any{"data": list}, map[string]any{"data": map[string]any{"holds": list}})
}

func (s *Server) nodeHolds(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := c.pathNodeFor(permSee)
	if !ok {
		return
	}
	data := []any{}
	for _, ah := range n.holds {
		h := s.holds[ah.holdID]
		applier := ""
		if u := s.usersByID[ah.appliedBy]; u != nil {
			applier = u.name
		}
		data = append(data, map[string]any{
			"hold_id": h.id, "hold_name": h.name, "hold_type": h.typ, "hold_appliedmethod": "Direct",
			"applied_by": applier, "date_applied": fmtTime(ah.applied), "active": h.active, "removable": true,
		})
	}
	c.json(http.StatusOK, map[string]any{"data": data})
}

func (s *Server) applyHold(c *call) {
	holdID, present, err := c.p.int("hold_id")
	if err != nil || !present {
		c.fail(http.StatusBadRequest, "Missing LLPARAMS_LIST")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := c.pathNodeFor(permEditAttributes)
	if !ok {
		return
	}
	if c.refused(s.applyHoldLocked(n, holdID, c.user.id)) {
		return
	}
	c.json(http.StatusOK, map[string]any{})
}

func (s *Server) applyHoldLocked(n *node, holdID, by int64) string {
	h := s.holds[holdID]
	if h == nil {
		return fmt.Sprintf("Could not get a hold for %d", holdID)
	}
	for _, ah := range n.holds {
		if ah.holdID == holdID {
			return fmt.Sprintf("The hold '%s' is already applied to node %d.", h.name, n.id)
		}
	}
	n.holds = append(n.holds, appliedHold{holdID: holdID, appliedBy: by, applied: s.now()})
	return ""
}

func (s *Server) removeHold(c *call) {
	holdID, err := strconv.ParseInt(c.r.PathValue("hold"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := c.pathNodeFor(permEditAttributes)
	if !ok {
		return
	}
	for i, ah := range n.holds {
		if err == nil && ah.holdID == holdID {
			n.holds = append(n.holds[:i:i], n.holds[i+1:]...)
			c.json(http.StatusOK, map[string]any{})
			return
		}
	}
	c.fail(http.StatusBadRequest, "Object does not have this Hold")
}

// finalizeRecords is PUT /api/v1/rmclassifications/finalizerecords with
// ids=1,2 (comma list, repeated keys or a JSON array). Every item must
// exist and carry an RM classification; otherwise nothing is finalized.
// Finalizing an already finalized record succeeds and changes nothing.
func (s *Server) finalizeRecords(c *call) {
	ids, ok := c.requiredIDList("ids")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		n, ok := c.accessNode(id, permEditAttributes)
		if !ok {
			return
		}
		if len(n.rm) == 0 {
			c.fail(http.StatusBadRequest, fmt.Sprintf("The item '%s' (%d) cannot be finalized: it has no RM classification.", n.name, n.id))
			return
		}
	}
	now := s.now()
	done := make([]int64, 0, len(ids))
	for _, id := range ids {
		n := s.nodes[id]
		if !n.finalized {
			n.finalized, n.finalizedAt = true, now
			n.rmToken = newToken(16)
		}
		done = append(done, id)
	}
	c.json(http.StatusOK, map[string]any{"results": map[string]any{
		"success": map[string]any{"ids": done}, "failure": map[string]any{"ids": []int64{}, "errors": map[string]any{}},
	}})
}
