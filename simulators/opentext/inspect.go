package opentext

import (
	"fmt"
	"strings"
	"time"
)

// Node is a snapshot of a simulated node, for test assertions.
type Node struct {
	ID, ParentID    int64
	Name            string
	Description     string
	Type            int
	TypeName        string
	MimeType        string // latest version's, documents only
	Size            int64  // latest version's bytes, or the number of children
	CreateDate      time.Time
	ModifyDate      time.Time
	Nickname        string
	VersionCount    int
	Categories      []int64 // applied category ids, in application order
	Classifications []int64 // roles.classifications ids given at create
	Holds           []int64 // applied hold ids
	Finalized       bool    // a finalized record
	URL             string  // URL items (140) only: the target
	Advanced        bool    // documents: advanced (major.minor) versioning; containers: the default for new documents
	ModifyUserID    int64   // who made the last change (the creator until then)
	WorkspaceTypeID int64   // business workspaces (848) only
}

// Version is a snapshot of one document version.
type Version struct {
	NodeID      int64
	Number      int
	FileName    string
	MimeType    string
	Size        int64
	SHA256      string // hex, computed while the bytes were stored
	Description string
	Major       bool   // added as a major version (add_major_version, promote)
	MajorNumber int    // version_number_major: 0 under standard versioning
	MinorNumber int    // version_number_minor: equals Number under standard versioning
	Name        string // version_number_name: "1.1" (advanced) or "3" (standard)
	CreateDate  time.Time
	BlobPath    string // file holding the bytes
}

// RMRecord is a snapshot of a node's RM classification and record details.
type RMRecord struct {
	ClassID    int64
	Name       string
	FileNumber string
	Official   bool
	Status     string
	StatusDate string
	RecordDate string
	RSI        string
}

func (s *Server) snapshot(n *node) Node {
	out := Node{
		ID: n.id, ParentID: n.parentID, Name: n.name, Description: n.desc, Type: n.typ, TypeName: typeName(n.typ),
		CreateDate: n.created, ModifyDate: n.modified, Nickname: n.nickname, VersionCount: len(n.versions),
		Categories:      append([]int64(nil), n.catOrder...),
		Classifications: append([]int64(nil), n.classifications...),
		Size:            int64(len(n.children)),
	}
	if v := n.latest(); v != nil {
		out.MimeType, out.Size = v.mimeType, v.size
	}
	for _, h := range n.holds {
		out.Holds = append(out.Holds, h.holdID)
	}
	out.Finalized = n.finalized
	out.URL, out.Advanced, out.ModifyUserID = n.url, n.advanced, n.modifyUser
	if out.ModifyUserID == 0 {
		out.ModifyUserID = n.createUser
	}
	if n.wksp != nil {
		out.WorkspaceTypeID = n.wksp.typeID
	}
	return out
}

func versionSnapshot(n *node, v *version) Version {
	major, minor, name := versionLabel(n, v)
	return Version{NodeID: n.id, Number: v.number, FileName: v.fileName, MimeType: v.mimeType, Size: v.size,
		SHA256: v.sha256, Description: v.description, Major: v.major, MajorNumber: major, MinorNumber: minor, Name: name,
		CreateDate: v.created, BlobPath: v.blobPath}
}

// Node returns a snapshot of node id.
func (s *Server) Node(id int64) (Node, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := s.nodes[id]
	if n == nil {
		return Node{}, false
	}
	return s.snapshot(n), true
}

// Children returns snapshots of a node's children ordered by name.
func (s *Server) Children(parentID int64) []Node {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p := s.nodes[parentID]
	if p == nil {
		return nil
	}
	var out []Node
	for _, c := range s.sortedChildren(p) {
		out = append(out, s.snapshot(c))
	}
	return out
}

// FindPath walks names (case-insensitively, as OTCS compares them) from rootID.
func (s *Server) FindPath(rootID int64, segments ...string) (Node, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	cur := s.nodes[rootID]
	for _, seg := range segments {
		if cur == nil {
			return Node{}, false
		}
		cur = s.childNamed(cur, seg)
	}
	if cur == nil {
		return Node{}, false
	}
	return s.snapshot(cur), true
}

// Versions returns snapshots of a node's versions, oldest first.
func (s *Server) Versions(nodeID int64) []Version {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := s.nodes[nodeID]
	if n == nil {
		return nil
	}
	out := make([]Version, 0, len(n.versions))
	for _, v := range n.versions {
		out = append(out, versionSnapshot(n, v))
	}
	return out
}

// CategoryValues returns a copy of the values of a category applied to a node.
func (s *Server) CategoryValues(nodeID, categoryID int64) (map[string]any, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := s.nodes[nodeID]
	if n == nil || n.cats[categoryID] == nil {
		return nil, false
	}
	return categoryValuesJSON(categoryID, n.cats[categoryID]), true
}

// RMClassifications returns a node's RM records.
func (s *Server) RMClassifications(nodeID int64) []RMRecord {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := s.nodes[nodeID]
	if n == nil {
		return nil
	}
	var out []RMRecord
	for _, r := range n.rm {
		rec := RMRecord{ClassID: r.classID, Official: r.official, Status: r.status, StatusDate: r.statusDate, RecordDate: r.recordDate, RSI: r.rsi}
		if cn := s.nodes[r.classID]; cn != nil {
			rec.Name, rec.FileNumber = cn.name, cn.fileNumber
		}
		out = append(out, rec)
	}
	return out
}

// ApplyHold puts a node under a hold, as a records manager would in the UI.
func (s *Server) ApplyHold(nodeID, holdID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodes[nodeID]
	if n == nil {
		return fmt.Errorf("opentext simulator: %s", notFoundMsg(nodeID))
	}
	if msg := s.applyHoldLocked(n, holdID, AdminUserID); msg != "" {
		return fmt.Errorf("opentext simulator: %s", msg)
	}
	return nil
}

// NodeByNickname resolves a nickname (case-insensitively).
func (s *Server) NodeByNickname(nick string) (Node, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.nicknames[strings.ToLower(nick)]
	if !ok || s.nodes[id] == nil {
		return Node{}, false
	}
	return s.snapshot(s.nodes[id]), true
}

// Finalized reports whether a node is a finalized record.
func (s *Server) Finalized(nodeID int64) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := s.nodes[nodeID]
	return n != nil && n.finalized
}

// ProcessSnapshot is a workflow process as tests see it.
type ProcessSnapshot struct {
	ID               int64              `json:"id"`
	MapID            int64              `json:"map_id"`
	Name             string             `json:"name"`
	Status           string             `json:"status"` // ontime, workflowlate, completed or stopped
	Suspended        bool               `json:"suspended"`
	Initiator        string             `json:"initiator"` // login name
	DocIDs           []int64            `json:"doc_ids"`   // attached documents
	AttachmentFolder int64              `json:"attachment_folder_id"`
	CurrentStep      string             `json:"current_step"`     // "" when no step is active
	CurrentAssignee  string             `json:"current_assignee"` // login name
	Values           map[string]any     `json:"values"`           // WorkflowForm_* values
	Activities       []ActivitySnapshot `json:"activities"`
}

// ActivitySnapshot is one entry of a process's history.
type ActivitySnapshot struct {
	Action      string    `json:"action"`      // Initiate, Approve, Reject, Delegate, Stop, Suspend, Resume
	Disposition string    `json:"disposition"` // custom action of a step ("" for other entries)
	Step        string    `json:"step"`
	TaskID      int64     `json:"task_id"`
	User        string    `json:"user"` // login name
	Comment     string    `json:"comment"`
	Date        time.Time `json:"date"`
}

// Processes returns every workflow process, oldest first.
func (s *Server) Processes() []ProcessSnapshot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.processSnapshots()
}

// processSnapshots needs s.mu held.
func (s *Server) processSnapshots() []ProcessSnapshot {
	login := func(id int64) string {
		if u := s.usersByID[id]; u != nil {
			return u.name
		}
		return ""
	}
	out := []ProcessSnapshot{}
	for _, p := range s.sortedProcesses() {
		ps := ProcessSnapshot{ID: p.id, MapID: p.mapID, Name: p.name, Status: s.statusKey(p), Suspended: p.suspended,
			Initiator: login(p.initiator), DocIDs: append([]int64{}, p.docIDs...), AttachmentFolder: p.attachFolderID,
			Values: map[string]any{}}
		for k, v := range p.values {
			ps.Values[k] = v
		}
		if p.current >= 0 {
			ps.CurrentStep, ps.CurrentAssignee = p.steps[p.current].name, login(p.steps[p.current].assigneeID)
		}
		for _, a := range p.activities {
			ps.Activities = append(ps.Activities, ActivitySnapshot{Action: a.action, Disposition: a.label, Step: a.node, TaskID: a.taskID,
				User: login(a.userID), Comment: a.comment, Date: a.date})
		}
		out = append(out, ps)
	}
	return out
}

// ActOnTask acts as user (a login name) on the current step of a process
// with a custom action (Approve, Reject), exactly as
// PUT /api/v2/processes/{pid}/subprocesses/{pid}/tasks/{tid} would, with
// the same refusals (not the assignee, process not running, ...).
func (s *Server) ActOnTask(processID int64, user, customAction, comment string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.processes[processID]
	if p == nil {
		return fmt.Errorf("opentext simulator: Could not get workflow process %d", processID)
	}
	if p.current < 0 {
		return fmt.Errorf("opentext simulator: The workflow process %d is %s; its tasks can no longer be acted on.", p.id, s.statusKey(p))
	}
	u := s.users[user]
	if u == nil {
		return fmt.Errorf("opentext simulator: no user %q", user)
	}
	if msg := s.actOnTask(p, p.steps[p.current], u, "", customAction, comment, nil, ""); msg != "" {
		return fmt.Errorf("opentext simulator: %s", msg)
	}
	return nil
}
