package opentext

import (
	"sort"
	"strings"
	"time"
)

// Node subtypes the simulator knows by name.
const (
	typeFolder            = 0
	typeShortcut          = 1
	typeGeneration        = 2
	typeCategory          = 131
	typeCategoriesVolume  = 133
	typeCompound          = 136
	typeURL               = 140
	typeEnterprise        = 141
	typeDocument          = 144
	typeClassVolume       = 198
	typeProject           = 202
	typeRMClassification  = 551
	typeBusinessWorkspace = 848

	typeWorkflowMap         = 128
	typeWorkflowAttachments = 154
	typeWorkflowVolume      = 161
)

var typeNames = map[int]string{
	typeFolder:            "Folder",
	typeShortcut:          "Shortcut",
	typeGeneration:        "Generation",
	typeCategory:          "Category",
	typeCategoriesVolume:  "Categories Volume",
	typeCompound:          "Compound Document",
	typeURL:               "URL",
	typeEnterprise:        "Enterprise Workspace",
	typeDocument:          "Document",
	typeClassVolume:       "Classification Volume",
	typeProject:           "Project",
	typeRMClassification:  "RM Classification",
	typeBusinessWorkspace: "Business Workspace",

	typeWorkflowMap:         "Workflow Map",
	typeWorkflowAttachments: "Workflow Attachments",
	typeWorkflowVolume:      "Workflow Volume",
}

// creatableTypes are the subtypes POST /nodes accepts; anything else is
// "not registered", which keeps typos in clients visible.
var creatableTypes = map[int]bool{typeFolder: true, typeDocument: true, typeURL: true, typeShortcut: true, typeGeneration: true, typeCompound: true, typeProject: true}

func isContainer(t int) bool {
	switch t {
	case typeFolder, typeCategoriesVolume, typeCompound, typeEnterprise, typeClassVolume, typeProject, typeRMClassification,
		typeWorkflowAttachments, typeWorkflowVolume, typeBusinessWorkspace, 142, 550, 751:
		return true
	}
	return false
}

// node is the simulator's internal record; snapshots are handed out as Node.
type node struct {
	id, parentID    int64
	name, desc      string
	typ             int
	url             string
	originalID      int64 // shortcuts and generations
	genVersion      int   // generations: the version of the original they copy
	created         time.Time
	modified        time.Time
	createUser      int64
	modifyUser      int64 // who made the change that set modified; 0 = the creator
	versions        []*version
	cats            map[int64]*appliedCat
	catOrder        []int64
	classifications []int64
	rm              []rmRecord
	rmToken         string
	holds           []appliedHold
	finalized       bool      // declared a final record (PUT /api/v1/rmclassifications/finalizerecords)
	finalizedAt     time.Time // when it was finalized
	nickname        string
	children        []int64
	advanced        bool       // documents: advanced_versioning; containers: the default for new documents (versions_control_advanced)
	wksp            *workspace // type 848 only (workspaces.go)

	catDef     *categoryDef // type 131 only
	fileNumber string       // type 551 only

	acl *acl // permissions (acl.go); addNode gives every node one
}

type version struct {
	number      int
	major       bool // add_major_version was set, or (advanced versioning) a major version
	majorNum    int  // advanced versioning only: 1 in "1.2"
	minorNum    int  // advanced versioning only: 2 in "1.2"
	fileName    string
	mimeType    string
	size        int64
	sha256      string
	description string
	created     time.Time
	createUser  int64
	blobPath    string
}

type appliedCat struct {
	values map[string]any // attribute key -> value (nil = unset)
	token  string         // metadata token, rotated on every change
}

type rmRecord struct {
	classID    int64
	official   bool
	status     string
	statusDate string
	recordDate string
	rsi        string
	essential  string
	storage    string
}

type appliedHold struct {
	holdID    int64
	appliedBy int64
	applied   time.Time
}

type hold struct {
	id      int64
	name    string
	typ     string
	comment string
	active  bool
}

type attrDef struct {
	id        int
	key       string
	name      string
	typeName  string // String, Integer, Date, Boolean, User
	required  bool
	multi     bool
	maxValues int
	maxLength int
}

type categoryDef struct {
	id    int64
	name  string
	attrs []attrDef
}

func (d *categoryDef) attr(key string) *attrDef {
	for i := range d.attrs {
		if d.attrs[i].key == key {
			return &d.attrs[i]
		}
	}
	return nil
}

type user struct {
	id         int64
	name       string
	password   string
	email      string // business_email
	groupID    int64  // base group (department): DefaultGroup
	privileged bool   // system administration rights: bypasses node permissions (Admin, bridge)
}

// latest returns the newest version or nil.
func (n *node) latest() *version {
	if len(n.versions) == 0 {
		return nil
	}
	return n.versions[len(n.versions)-1]
}

func (n *node) heldBy() *appliedHold {
	if len(n.holds) == 0 {
		return nil
	}
	return &n.holds[0]
}

// childNamed finds a child whose name equals name case-insensitively, the
// way a case-insensitive database collation makes OTCS compare names.
func (s *Server) childNamed(parent *node, name string) *node {
	for _, cid := range parent.children {
		if c := s.nodes[cid]; c != nil && strings.EqualFold(c.name, name) {
			return c
		}
	}
	return nil
}

// addNode links n under its parent. A node without permissions of its own
// copies its parent's, with its creator as owner, as OTCS does on create.
func (s *Server) addNode(n *node) {
	if n.acl == nil {
		n.acl = s.inheritedACL(s.nodes[n.parentID], n.createUser)
	}
	s.nodes[n.id] = n
	if p := s.nodes[n.parentID]; p != nil {
		p.children = append(p.children, n.id)
	}
}

func (s *Server) unlinkChild(parentID, id int64) {
	p := s.nodes[parentID]
	if p == nil {
		return
	}
	for i, c := range p.children {
		if c == id {
			p.children = append(p.children[:i:i], p.children[i+1:]...)
			return
		}
	}
}

// touch records a change to a node's content or metadata: modify_date
// moves to at (the simulator clock's now) and modify_user_id to the acting
// user, which is what a poller browsing with sort=desc_modify_date relies
// on. Callers hold s.mu.
func (n *node) touch(at time.Time, by int64) {
	n.modified, n.modifyUser = at, by
}

func (s *Server) allocID() int64 {
	id := s.nextID
	s.nextID++
	return id
}

func (s *Server) volumeOf(n *node) *node {
	for cur := n; cur != nil; cur = s.nodes[cur.parentID] {
		if cur.parentID <= 0 || s.nodes[cur.parentID] == nil {
			return cur
		}
	}
	return n
}

// sortedChildren returns the live children of a node ordered by name, then id.
func (s *Server) sortedChildren(n *node) []*node {
	out := make([]*node, 0, len(n.children))
	for _, cid := range n.children {
		if c := s.nodes[cid]; c != nil {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := strings.ToLower(out[i].name), strings.ToLower(out[j].name)
		if a != b {
			return a < b
		}
		return out[i].id < out[j].id
	})
	return out
}
