package opentext

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// This file changes content the way a user working in the Content Server
// UI would, so tests and the demo can make the server side move while the
// bridge watches it. Each change acts as Admin, bumps modify_date like the
// REST call it mirrors, and obeys the same holds and finalized records.

// simErr formats an error of the Go API.
func simErr(format string, a ...any) error {
	return fmt.Errorf("opentext simulator: "+format, a...)
}

// blobVersion stores data as a new blob file and returns an unnumbered
// version holding it. It does file I/O, so callers do not hold s.mu.
func (s *Server) blobVersion(fileName, mimeType string, data []byte, major bool, at time.Time, by int64) (*version, error) {
	f, err := os.CreateTemp(s.opt.BlobDir, "blob-*")
	if err != nil {
		return nil, simErr("blob: %v", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return nil, simErr("blob: %v", err)
	}
	if mimeType == "" {
		mimeType, _, _ = mime.ParseMediaType(mime.TypeByExtension(filepath.Ext(fileName)))
	}
	if mimeType == "" {
		mimeType = "application/octet-stream"
	}
	sum := sha256.Sum256(data)
	return &version{major: major, fileName: fileName, mimeType: mimeType, size: int64(len(data)), sha256: hex.EncodeToString(sum[:]),
		created: at, createUser: by, blobPath: f.Name()}, nil
}

// appendVersion numbers v after n's newest version and adds it.
func (n *node) appendVersion(v *version) {
	v.number = 1
	if l := n.latest(); l != nil {
		v.number = l.number + 1
	}
	n.numberVersion(v)
	n.versions = append(n.versions, v)
}

// AddVersion adds a version to a document, as POST /nodes/{id}/versions
// would: under advanced versioning a major version opens the next x.0 and
// any other the next minor number; under standard versioning major only
// marks the version. A held or finalized document refuses.
func (s *Server) AddVersion(nodeID int64, fileName, mimeType string, data []byte, major bool) (Version, error) {
	v, err := s.blobVersion(fileName, mimeType, data, major, s.now(), AdminUserID)
	if err != nil {
		return Version{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodes[nodeID]
	msg := ""
	switch {
	case n == nil:
		msg = notFoundMsg(nodeID)
	case n.typ != typeDocument:
		msg = fmt.Sprintf("Versions cannot be added to '%s' (%d): %s items are not versionable.", n.name, n.id, typeName(n.typ))
	default:
		msg = s.lockBlock(n, "cannot be versioned")
	}
	if msg != "" {
		os.Remove(v.blobPath)
		return Version{}, simErr("%s", msg)
	}
	n.appendVersion(v)
	n.touch(v.created, AdminUserID)
	return versionSnapshot(n, v), nil
}

// SetCategoryValue sets one attribute, named by its display name (e.g.
// "Approval Status"), of a category on a node, applying the category
// first when the node lacks it. The value is checked as the REST calls
// check it (type, length, required attributes).
func (s *Server) SetCategoryValue(nodeID, categoryID int64, attribute string, value any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodes[nodeID]
	if n == nil {
		return simErr("%s", notFoundMsg(nodeID))
	}
	dn := s.nodes[categoryID]
	if dn == nil || dn.catDef == nil {
		return simErr("Could not get a category for %d", categoryID)
	}
	def := dn.catDef
	var a *attrDef
	for i := range def.attrs {
		if strings.EqualFold(def.attrs[i].name, attribute) {
			a = &def.attrs[i]
		}
	}
	if a == nil {
		return simErr("category '%s' (%d) has no attribute '%s'", def.name, def.id, attribute)
	}
	if msg := s.lockBlock(n, catRefusal); msg != "" {
		return simErr("%s", msg)
	}
	ac := n.cats[def.id]
	var base map[string]any
	if ac != nil {
		base = ac.values
	}
	vals, msg := validateValues(def, map[string]any{a.key: value}, base, ac != nil)
	if msg != "" {
		return simErr("%s", msg)
	}
	if ac == nil {
		ac = &appliedCat{}
		n.cats[def.id] = ac
		n.catOrder = append(n.catOrder, def.id)
	}
	ac.values, ac.token = vals, newToken(16)
	n.touch(s.now(), AdminUserID)
	return nil
}

// DeleteNode moves a node and its descendants to the Recycle Bin, as
// DELETE /nodes/{id} does; a held or finalized node refuses.
func (s *Server) DeleteNode(nodeID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodes[nodeID]
	if n == nil {
		return simErr("%s", notFoundMsg(nodeID))
	}
	if msg := s.lockBlock(n, "cannot be deleted"); msg != "" {
		return simErr("%s", msg)
	}
	s.recycleTree(n.id, AdminUserID)
	return nil
}

// apiName applies the NameRule to a name given to the Go API.
func (s *Server) apiName(name string) (string, error) {
	name, msg := s.cleanName(name)
	if msg != "" {
		return "", simErr("%s", msg)
	}
	if name == "" {
		return "", simErr("Missing required parameter 'name'")
	}
	return name, nil
}

// Rename gives a node a new name under the configured NameRule; a name
// taken in the parent (compared case-insensitively) refuses.
func (s *Server) Rename(nodeID int64, name string) error {
	name, err := s.apiName(name)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodes[nodeID]
	if n == nil {
		return simErr("%s", notFoundMsg(nodeID))
	}
	if p := s.nodes[n.parentID]; p != nil {
		if other := s.childNamed(p, name); other != nil && other.id != n.id {
			return simErr("%s", duplicateMsg(name))
		}
	}
	n.name = name
	n.touch(s.now(), AdminUserID)
	return nil
}

// CreateDocument files a new document with data as its first version.
// The document uses advanced versioning when advanced is set or the
// parent's default (versions_control_advanced) says so; its first version
// is then 0.1.
func (s *Server) CreateDocument(parentID int64, name, mimeType string, data []byte, advanced bool) (Node, error) {
	name, err := s.apiName(name)
	if err != nil {
		return Node{}, err
	}
	now := s.now()
	v, err := s.blobVersion(name, mimeType, data, false, now, AdminUserID)
	if err != nil {
		return Node{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	parent, msg := s.newChildParent(parentID, name)
	if msg != "" {
		os.Remove(v.blobPath)
		return Node{}, simErr("%s", msg)
	}
	n := &node{id: s.allocID(), parentID: parentID, name: name, typ: typeDocument, created: now, modified: now,
		createUser: AdminUserID, cats: map[int64]*appliedCat{}, advanced: advanced || parent.advanced}
	n.appendVersion(v)
	s.addNode(n)
	return s.snapshot(n), nil
}

// CreateWorkspace makes a business workspace (848) of the given workspace
// type, linked to refs (the first is its main business object).
func (s *Server) CreateWorkspace(parentID int64, name string, typeID int64, typeName string, refs ...BusinessObjectRef) (Node, error) {
	name, err := s.apiName(name)
	if err != nil {
		return Node{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, msg := s.newChildParent(parentID, name); msg != "" {
		return Node{}, simErr("%s", msg)
	}
	now := s.now()
	n := &node{id: s.allocID(), parentID: parentID, name: name, typ: typeBusinessWorkspace, created: now, modified: now,
		createUser: AdminUserID, cats: map[int64]*appliedCat{},
		wksp: &workspace{typeID: typeID, typeName: typeName, refs: append([]BusinessObjectRef(nil), refs...)}}
	s.addNode(n)
	return s.snapshot(n), nil
}

// newChildParent checks that parentID is a container without a child
// named name; it returns the parent or why not. Callers hold s.mu.
func (s *Server) newChildParent(parentID int64, name string) (*node, string) {
	parent := s.nodes[parentID]
	switch {
	case parent == nil:
		return nil, notFoundMsg(parentID)
	case !isContainer(parent.typ):
		return nil, fmt.Sprintf("Items cannot be added to node %d.", parentID)
	case s.childNamed(parent, name) != nil:
		return nil, duplicateMsg(name)
	}
	return parent, ""
}

// RestrictNode makes a node readable by the given users and groups only
// (besides privileged users): public, owner and owner group access are
// removed and each reader gets see and see_contents as assigned access.
// Like a permission change in OTCS, it leaves the modify date alone.
func (s *Server) RestrictNode(nodeID int64, readers ...int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodes[nodeID]
	if n == nil {
		return simErr("%s", notFoundMsg(nodeID))
	}
	a := n.acl.clone()
	a.noOwner, a.noGroup, a.noPublic, a.custom = true, true, true, nil
	for _, id := range readers {
		a.custom = append(a.custom, aclEntry{rightID: id, perms: permSee | permSeeContents})
	}
	n.acl = a
	return nil
}
