package opentext

import (
	"cmp"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const otcsTime = "2006-01-02T15:04:05Z"

func fmtTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(otcsTime)
}

// notFoundMsg is the text OTCS uses for a node that does not exist (or is
// not visible); clients match on it.
func notFoundMsg(id any) string { return fmt.Sprintf("Could not get a node for %v", id) }

// pathID reads a numeric path value; it writes the error itself.
func (c *call) pathID(name string) (int64, bool) {
	v := c.r.PathValue(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		c.fail(http.StatusBadRequest, notFoundMsg(v))
		return 0, false
	}
	return id, true
}

// lookupNode returns the node with the given id or, when there is none (or
// it is in the Recycle Bin), answers 400 with OTCS's "Could not get a node"
// text, which clients match on. Callers hold s.mu.
func (c *call) lookupNode(id int64) (*node, bool) {
	n := c.s.nodes[id]
	if n == nil {
		c.fail(http.StatusBadRequest, notFoundMsg(id))
		return nil, false
	}
	return n, true
}

// lockedAgainst answers 400 and reports true when a hold or a finalized
// record on n (or one of its descendants) forbids the change that refusal
// describes ("cannot be moved"). Callers hold s.mu.
func (c *call) lockedAgainst(n *node, refusal string) bool {
	return c.refused(c.s.lockBlock(n, refusal))
}

// props renders a node's properties the way v1 `data` and v2
// `data.properties` show them. Callers hold s.mu.
func (s *Server) props(n *node) map[string]any {
	ownerID, groupID := n.createUser, DefaultGroupID
	if n.acl != nil {
		ownerID, groupID = n.acl.owner.rightID, n.acl.group.rightID
	}
	ownerName := ""
	if owner := s.usersByID[ownerID]; owner != nil {
		ownerName = owner.name
	}
	vol := s.volumeOf(n)
	modifyUser := n.modifyUser
	if modifyUser == 0 {
		modifyUser = n.createUser
	}
	p := map[string]any{
		"id": n.id, "parent_id": n.parentID, "volume_id": -vol.id,
		"name": n.name, "name_multilingual": map[string]any{"en": n.name},
		"description": n.desc, "description_multilingual": map[string]any{"en": n.desc},
		"type": n.typ, "type_name": typeName(n.typ),
		"create_date": fmtTime(n.created), "create_user_id": n.createUser,
		"modify_date": fmtTime(n.modified), "modify_user_id": modifyUser,
		"owner": ownerName, "owner_user_id": ownerID, "owner_group_id": groupID,
		"container": isContainer(n.typ), "container_size": 0, "size": 0, "size_formatted": "",
		"mime_type": nil, "reserved": false, "reserved_user_id": 0, "reserved_date": nil,
		"hidden": false, "favorite": false, "advanced_versioning": nil,
		"versionable": n.typ == typeDocument, "versions_control_advanced": false,
		"external_create_date": nil, "external_modify_date": nil, "external_source": "",
		"external_identity": "", "external_identity_type": "", "permissions_model": "advanced",
		"status": nil, "icon": "/img/webdoc/folder.gif",
	}
	if isContainer(n.typ) {
		k := len(n.children)
		p["container_size"], p["size"], p["size_formatted"] = k, k, fmt.Sprintf("%d Items", k)
	}
	if v := n.latest(); v != nil {
		p["size"], p["size_formatted"], p["mime_type"] = v.size, fmt.Sprintf("%d bytes", v.size), v.mimeType
		p["icon"] = "/img/webdoc/doc.gif"
	}
	if n.advanced {
		// A container's flag is only the default for documents filed in it.
		p["versions_control_advanced"] = true
		if n.typ == typeDocument {
			p["advanced_versioning"] = true
		}
	}
	if n.typ == typeURL {
		p["url"] = n.url
	}
	if n.typ == typeShortcut || n.typ == typeGeneration {
		p["original_id"] = n.originalID
	}
	if n.typ == typeGeneration {
		p["version_number"] = n.genVersion
	}
	return p
}

func typeName(t int) string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("Subtype %d", t)
}

// fieldSel is one parsed `fields` entry, e.g. properties{id,name}.
type fieldSel struct {
	name  string
	sub   []string // braces content
	elem  int      // versions.element(N); -1 when absent
	limit int      // permissions.limit(N); 0 when absent
}

// parseFields reads the repeatable `fields` parameter. Commas inside braces
// belong to the sub-selection, so entries are not split on them.
func parseFields(p params) []fieldSel {
	var out []fieldSel
	for _, f := range p.list("fields") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		sel := fieldSel{elem: -1}
		if i := strings.IndexByte(f, '{'); i >= 0 {
			for _, k := range strings.Split(strings.TrimSuffix(f[i+1:], "}"), ",") {
				if k = strings.TrimSpace(k); k != "" {
					sel.sub = append(sel.sub, k)
				}
			}
			f = f[:i]
		}
		if name, rest, ok := strings.Cut(f, "."); ok {
			f = name
			if strings.HasPrefix(rest, "element(") {
				sel.elem, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(rest, "element("), ")"))
			}
			if strings.HasPrefix(rest, "limit(") {
				sel.limit, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(rest, "limit("), ")"))
			}
		}
		sel.name = f
		out = append(out, sel)
	}
	return out
}

// nodeData renders `data` of a v2 node item honouring `fields`; unknown
// field names are ignored, as OTCS does. Callers hold s.mu.
func (s *Server) nodeData(n *node, fields []fieldSel) map[string]any {
	if len(fields) == 0 {
		fields = []fieldSel{{name: "properties", elem: -1}}
	}
	data := map[string]any{}
	for _, f := range fields {
		switch f.name {
		case "properties":
			p := s.props(n)
			if len(f.sub) > 0 {
				sub := map[string]any{}
				for _, k := range f.sub {
					if v, ok := p[k]; ok {
						sub[k] = v
					}
				}
				p = sub
			}
			data["properties"] = p
		case "categories":
			list := []any{}
			for _, cid := range n.catOrder {
				list = append(list, categoryValuesJSON(cid, n.cats[cid]))
			}
			data["categories"] = list
		case "versions":
			list := []any{}
			for i := len(n.versions) - 1; i >= 0; i-- {
				list = append(list, s.versionJSON(n, n.versions[i]))
			}
			if f.elem >= 0 {
				if f.elem < len(list) {
					data["versions"] = list[f.elem]
				} else {
					data["versions"] = nil
				}
			} else {
				data["versions"] = list
			}
		case "permissions":
			list := s.permEntries(n, false)
			if f.limit > 0 && f.limit < len(list) {
				list = list[:f.limit]
			}
			data["permissions"] = list
		}
	}
	return data
}

// v1Node is the flat v1 node shape.
func (s *Server) v1Node(n *node) map[string]any {
	return map[string]any{
		"addable_types": []any{}, "available_actions": []any{}, "available_roles": []any{},
		"data": s.props(n), "definitions": map[string]any{}, "definitions_order": []any{},
		"type": n.typ, "type_name": typeName(n.typ),
	}
}

// nodeResponse answers with one node in the caller's API version.
// expand=permissions{right_id} resolves the permission entries' members.
func (c *call) nodeResponse(n *node) {
	data := c.s.nodeData(n, parseFields(c.p))
	if list, ok := data["permissions"].([]any); ok && expandsPermissions(c.p) {
		full := c.s.permEntries(n, true)
		data["permissions"] = full[:len(list)]
	}
	c.respondOK(c.s.v1Node(n), map[string]any{"data": data})
}

func (s *Server) getNode(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := c.pathNodeFor(permSee)
	if !ok {
		return
	}
	c.nodeResponse(n)
}

// browse is GET /nodes/{id}/nodes.
func (s *Server) browse(c *call) {
	id, ok := c.pathID("id")
	if !ok {
		return
	}
	page, limit, ok := c.pageParams(25)
	if !ok {
		return
	}
	var types []int
	for _, t := range c.p.list("where_type") {
		v, err := strconv.Atoi(strings.TrimSpace(t))
		if err != nil {
			c.fail(http.StatusBadRequest, "Invalid datatype specified for argument 'where_type'")
			return
		}
		types = append(types, v)
	}
	whereName := strings.ToLower(c.p.str("where_name"))
	sortKey := c.p.str("sort")

	s.mu.RLock()
	defer s.mu.RUnlock()
	parent, ok := c.accessNode(id, permSeeContents)
	if !ok {
		return
	}
	var all []*node
	for _, ch := range s.sortedChildren(parent) {
		if !c.may(ch, permSee) {
			continue // OTCS lists only what the caller may see
		}
		if whereName != "" && !strings.Contains(strings.ToLower(ch.name), whereName) {
			continue
		}
		if len(types) > 0 && !matchesType(ch, types) {
			continue
		}
		all = append(all, ch)
	}
	if !sortNodes(all, sortKey) {
		// The text /nodes/{id}/nodes/all documents for an unknown column.
		c.fail(http.StatusInternalServerError, fmt.Sprintf("Invalid column name (%s) specified for sorting", sortKey))
		return
	}
	pg := pageOf(len(all), int(page), int(limit))
	items := all[pg.lo:pg.hi]
	if sortKey == "" {
		sortKey = "asc_name"
	}
	if !c.v2 {
		data := make([]any, 0, len(items))
		for _, n := range items {
			data = append(data, s.props(n))
		}
		rangeMin, rangeMax := pg.itemRange()
		c.json(http.StatusOK, map[string]any{
			"data": data, "page": pg.page, "limit": pg.limit, "page_total": pg.pageTotal(),
			"range_min": rangeMin, "range_max": rangeMax, "total_count": pg.total,
			"sort": sortKey, "where_name": c.p.str("where_name"), "where_type": types,
		})
		return
	}
	fields := parseFields(c.p)
	results := make([]any, 0, len(items))
	for _, n := range items {
		results = append(results, map[string]any{"data": s.nodeData(n, fields)})
	}
	env := c.v2Envelope(results)
	env["collection"] = pg.collection(sortKey)
	c.json(http.StatusOK, env)
}

// matchesType applies where_type: -1 containers, -2 anything searchable,
// -3 non-containers, otherwise a subtype number.
func matchesType(n *node, types []int) bool {
	for _, t := range types {
		switch {
		case t == -1 && isContainer(n.typ), t == -2, t == -3 && !isContainer(n.typ), t == n.typ:
			return true
		}
	}
	return false
}

// sortNodes applies `sort`: [asc_|desc_]column with the columns name, id,
// create_date, modify_date, type and size (a bare column is ascending, as
// csui's browsable mixin sends them). Ties go by id in the same direction,
// so a poller paging sort=desc_modify_date sees one total order. It
// reports false for an unknown column.
func sortNodes(ns []*node, key string) bool {
	desc := strings.HasPrefix(key, "desc_")
	field := strings.TrimPrefix(strings.TrimPrefix(key, "desc_"), "asc_")
	var by func(a, b *node) int
	switch field {
	case "", "name":
		by = func(a, b *node) int { return strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name)) }
	case "id":
		by = func(a, b *node) int { return 0 }
	case "create_date":
		by = func(a, b *node) int { return a.created.Compare(b.created) }
	case "modify_date":
		by = func(a, b *node) int { return a.modified.Compare(b.modified) }
	case "type":
		by = func(a, b *node) int { return cmp.Compare(a.typ, b.typ) }
	case "size":
		by = func(a, b *node) int { return cmp.Compare(nodeSize(a), nodeSize(b)) }
	default:
		return false
	}
	sort.SliceStable(ns, func(i, j int) bool {
		a, b := ns[i], ns[j]
		if desc {
			a, b = b, a
		}
		if d := by(a, b); d != 0 {
			return d < 0
		}
		return a.id < b.id
	})
	return true
}

func nodeSize(n *node) int64 {
	if v := n.latest(); v != nil {
		return v.size
	}
	return int64(len(n.children))
}

// cleanName applies the configured name rule; msg is non-empty on rejection.
func (s *Server) cleanName(name string) (string, string) {
	name = strings.TrimSpace(name)
	if s.opt.NameRule == "truncate" {
		name = strings.TrimSpace(strings.ReplaceAll(name, ":", ""))
		if utf8.RuneCountInString(name) > maxNameLength {
			name = strings.TrimSpace(string([]rune(name)[:maxNameLength]))
		}
		return name, ""
	}
	if strings.Contains(name, ":") {
		return "", fmt.Sprintf("The name '%s' is not valid: names cannot contain ':'.", name)
	}
	if utf8.RuneCountInString(name) > maxNameLength {
		return "", fmt.Sprintf("The name is too long: %d characters, the maximum is %d.", utf8.RuneCountInString(name), maxNameLength)
	}
	return name, ""
}

func duplicateMsg(name string) string {
	return fmt.Sprintf("An item with the name '%s' already exists.", name)
}

// createNode is POST /nodes: folders, documents (with their first version),
// URLs, shortcuts; with roles.categories and roles.classifications.
func (s *Server) createNode(c *call) {
	dupStatus := http.StatusBadRequest
	if c.v2 {
		dupStatus = http.StatusInternalServerError // documented v2 behaviour
	}
	for _, k := range []string{"type", "parent_id", "name"} {
		if strings.TrimSpace(c.p.str(k)) == "" {
			c.fail(http.StatusBadRequest, fmt.Sprintf("Missing required parameter '%s'", k))
			return
		}
	}
	typ64, _, err := c.p.int("type")
	if err != nil {
		c.fail(http.StatusBadRequest, err.Error())
		return
	}
	parentID, _, err := c.p.int("parent_id")
	if err != nil {
		c.fail(http.StatusBadRequest, err.Error())
		return
	}
	typ := int(typ64)
	if !creatableTypes[typ] {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Subtype %d not registered", typ))
		return
	}
	name, msg := s.cleanName(c.p.str("name"))
	if c.refused(msg) {
		return
	}
	if typ == typeDocument && c.upload == nil {
		c.fail(http.StatusBadRequest, "Missing required parameter 'file'")
		return
	}
	if typ == typeURL && c.p.str("url") == "" {
		c.fail(http.StatusBadRequest, "Missing required parameter 'url'")
		return
	}
	var originalID, genVersion int64
	if typ == typeShortcut || typ == typeGeneration {
		if originalID, _, err = c.p.int("original_id"); err != nil || originalID == 0 {
			c.fail(http.StatusBadRequest, "Missing required parameter 'original_id'")
			return
		}
	}
	if typ == typeGeneration {
		if genVersion, _, err = c.p.int("version_number"); err != nil || genVersion < 1 {
			c.fail(http.StatusBadRequest, "Missing required parameter 'version_number'")
			return
		}
	}
	roles := c.p.object("roles")
	cats, status, msg := s.roleCategories(roles)
	if msg != "" {
		c.fail(status, msg)
		return
	}
	classIDs := roleClassifications(roles)

	s.mu.Lock()
	defer s.mu.Unlock()
	parent, ok := c.accessNode(parentID, permAddItems)
	if !ok {
		return
	}
	if !isContainer(parent.typ) {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Items cannot be added to node %d.", parentID))
		return
	}
	if typ == typeShortcut {
		if _, ok := c.accessNode(originalID, permSee); !ok {
			return
		}
	}
	// A generation is a frozen copy of one version of a document.
	var genOf *version
	if typ == typeGeneration {
		orig, ok := c.accessNode(originalID, permSeeContents)
		if !ok {
			return
		}
		if orig.typ != typeDocument {
			c.fail(http.StatusBadRequest, fmt.Sprintf("A generation cannot be made of '%s' (%d): %s items have no versions.", orig.name, orig.id, typeName(orig.typ)))
			return
		}
		for _, v := range orig.versions {
			if int64(v.number) == genVersion {
				genOf = v
			}
		}
		if genOf == nil {
			c.fail(http.StatusBadRequest, fmt.Sprintf("Could not get version %d of node %d", genVersion, originalID))
			return
		}
	}
	for _, cid := range classIDs {
		if cn := s.nodes[cid]; cn == nil || (cn.typ != typeRMClassification && cn.typ != 199) {
			c.fail(http.StatusBadRequest, fmt.Sprintf("Invalid classification id %d.", cid))
			return
		}
	}
	if s.childNamed(parent, name) != nil {
		c.fail(dupStatus, duplicateMsg(name))
		return
	}
	now := s.now()
	n := &node{
		id: s.allocID(), parentID: parentID, name: name, desc: c.p.str("description"), typ: typ,
		url: c.p.str("url"), originalID: originalID, created: now, modified: now, createUser: c.user.id,
		cats: map[int64]*appliedCat{}, classifications: classIDs,
	}
	if genOf != nil {
		gv := *genOf // shares the immutable blob
		gv.number, gv.majorNum, gv.minorNum = 1, 0, 0
		n.genVersion, n.versions = int(genVersion), []*version{&gv}
	}
	if typ == typeDocument {
		// Without advanced_versioning the folder's default decides.
		n.advanced = parent.advanced
		if c.p.has("advanced_versioning") {
			n.advanced = c.p.bool("advanced_versioning")
		}
		v := c.newVersion(1, now)
		n.numberVersion(v)
		n.versions = append(n.versions, v)
	}
	for _, cv := range cats {
		n.cats[cv.def.id] = &appliedCat{values: cv.values, token: newToken(16)}
		n.catOrder = append(n.catOrder, cv.def.id)
	}
	s.addNode(n)
	c.created = n.id
	c.respondOK(map[string]any{"id": n.id}, map[string]any{"data": map[string]any{"properties": s.props(n)}})
}

// roleClassifications reads roles.classifications.id (create_id is the
// list of classifications to create, which the simulator does not model).
func roleClassifications(roles map[string]any) []int64 {
	cl, _ := roles["classifications"].(map[string]any)
	if cl == nil {
		return nil
	}
	var out []int64
	for _, v := range params(cl).list("id") {
		if id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// updateNode is PUT /nodes/{id}: rename, describe, move.
func (s *Server) updateNode(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := c.pathNodeFor(permModify)
	if !ok {
		return
	}
	name := n.name
	if c.p.has("name") {
		var msg string
		if name, msg = s.cleanName(c.p.str("name")); msg != "" {
			c.fail(http.StatusBadRequest, msg)
			return
		}
		if name == "" {
			c.fail(http.StatusBadRequest, "Missing required parameter 'name'")
			return
		}
	}
	// pyxecm changes a URL item's target with PUT `url`, although the
	// spec's PUT field list lacks it; other items ignore the field.
	newURL := n.typ == typeURL && c.p.has("url")
	if newURL && strings.TrimSpace(c.p.str("url")) == "" {
		c.fail(http.StatusBadRequest, "Missing required parameter 'url'")
		return
	}
	parentID := n.parentID
	if v, present, err := c.p.int("parent_id"); err != nil {
		c.fail(http.StatusBadRequest, err.Error())
		return
	} else if present {
		parentID = v
	}
	target, ok := c.lookupNode(parentID)
	if !ok {
		return
	}
	if parentID != n.parentID {
		// A move takes the item out of its folder (delete) and files it
		// in the target (add_items there); the item keeps its own
		// permissions, as OTCS does unless asked to inherit the target's.
		if !c.may(n, permDelete) {
			c.fail(http.StatusBadRequest, noAccessMsg)
			return
		}
		if target, ok = c.accessNode(parentID, permAddItems); !ok {
			return
		}
		if c.lockedAgainst(n, "cannot be moved") {
			return
		}
		if !isContainer(target.typ) {
			c.fail(http.StatusBadRequest, fmt.Sprintf("Items cannot be added to node %d.", parentID))
			return
		}
		for cur := target; cur != nil; cur = s.nodes[cur.parentID] {
			if cur.id == n.id {
				c.fail(http.StatusBadRequest, "An item cannot be moved into itself or one of its sub-items.")
				return
			}
			if cur.parentID == cur.id {
				break
			}
		}
	}
	if other := s.childNamed(target, name); other != nil && other.id != n.id {
		c.fail(http.StatusBadRequest, duplicateMsg(name))
		return
	}
	if parentID != n.parentID {
		s.unlinkChild(n.parentID, n.id)
		n.parentID = parentID
		target.children = append(target.children, n.id)
	}
	if newURL {
		n.url = c.p.str("url")
	}
	n.name = name
	if c.p.has("description") {
		n.desc = c.p.str("description")
	}
	n.touch(s.now(), c.user.id)
	c.nodeResponse(n)
}

// deleteNode is DELETE /nodes/{id}: the node and its descendants move to
// the Recycle Bin (recyclebin.go). A node (or a descendant) under hold or
// finalized refuses, naming why.
func (s *Server) deleteNode(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := c.pathNodeFor(permDelete)
	if !ok {
		return
	}
	if c.lockedAgainst(n, "cannot be deleted") {
		return
	}
	s.recycleTree(n.id, c.user.id)
	c.respondOK(map[string]any{}, map[string]any{})
}

// holdRefusal names the hold on n (or a descendant) that forbids what
// refusal describes ("cannot be moved").
func (s *Server) holdRefusal(n *node, refusal string) string {
	if h := n.heldBy(); h != nil {
		name := ""
		if hd := s.holds[h.holdID]; hd != nil {
			name = hd.name
		}
		return fmt.Sprintf("The item '%s' (%d) is under hold '%s' (%d) and %s.", n.name, n.id, name, h.holdID, refusal)
	}
	for _, cid := range n.children {
		if ch := s.nodes[cid]; ch != nil {
			if msg := s.holdRefusal(ch, refusal); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// lockBlock is holdRefusal plus the finalized-record rule: a finalized
// record (n itself or a descendant) refuses the change as well.
func (s *Server) lockBlock(n *node, refusal string) string {
	if msg := s.holdRefusal(n, refusal); msg != "" {
		return msg
	}
	return s.finalizedRefusal(n, refusal)
}

func (s *Server) finalizedRefusal(n *node, refusal string) string {
	if n.finalized {
		return fmt.Sprintf("The item '%s' (%d) is a finalized record and %s.", n.name, n.id, refusal)
	}
	for _, cid := range n.children {
		if ch := s.nodes[cid]; ch != nil {
			if msg := s.finalizedRefusal(ch, refusal); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// listNodes is POST /api/v2/nodes/list with `ids` (at most 250).
func (s *Server) listNodes(c *call) {
	ids := c.p.list("ids")
	if len(ids) == 0 {
		c.fail(http.StatusBadRequest, "Missing required parameter 'ids'")
		return
	}
	if len(ids) > 250 {
		c.fail(http.StatusBadRequest, "Too many items specified for parameter 'ids'")
		return
	}
	fields := parseFields(c.p)
	s.mu.RLock()
	defer s.mu.RUnlock()
	results := []any{}
	for _, v := range ids {
		id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if n := s.nodes[id]; err == nil && n != nil && c.may(n, permSee) {
			results = append(results, map[string]any{"data": s.nodeData(n, fields)})
		}
	}
	c.respondV2(results)
}

func (s *Server) ancestors(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := c.pathNodeFor(permSee)
	if !ok {
		return
	}
	var chain []any
	for cur := n; cur != nil; cur = s.nodes[cur.parentID] {
		chain = append([]any{map[string]any{"id": cur.id, "name": cur.name, "parent_id": cur.parentID, "type": cur.typ, "type_name": typeName(cur.typ), "volume_id": -s.volumeOf(cur).id}}, chain...)
		if cur.parentID == cur.id {
			break
		}
	}
	c.json(http.StatusOK, map[string]any{"ancestors": chain})
}

func (s *Server) volumes(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var vols []*node
	for _, n := range s.nodes {
		if n.parentID == -1 {
			vols = append(vols, n)
		}
	}
	sort.Slice(vols, func(i, j int) bool { return vols[i].id < vols[j].id })
	fields := parseFields(c.p)
	results := []any{}
	for _, n := range vols {
		results = append(results, map[string]any{"data": s.nodeData(n, fields)})
	}
	c.respondV2(results)
}

// volume is GET /volumes/{type}: the volume node of that subtype.
func (s *Server) volume(c *call) {
	t, err := strconv.Atoi(c.r.PathValue("type"))
	if err != nil {
		c.fail(http.StatusBadRequest, "Invalid datatype specified for argument 'type'")
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, n := range s.nodes {
		if n.parentID == -1 && n.typ == t {
			c.nodeResponse(n)
			return
		}
	}
	c.fail(http.StatusBadRequest, fmt.Sprintf("Could not get volume of type %d", t))
}

// validateNames is POST /api/v1/validation/nodes/names with
// body={"parent_id":..,"names":[..]}: it answers the names that already
// exist in the parent (compared case-insensitively, as a case-insensitive
// collation does), each with the id of the item holding it.
func (s *Server) validateNames(c *call) {
	parentID, present, err := c.p.int("parent_id")
	if err != nil {
		c.fail(http.StatusBadRequest, err.Error())
		return
	}
	if !present {
		c.fail(http.StatusBadRequest, "Missing required parameter 'parent_id'")
		return
	}
	if !c.p.has("names") {
		c.fail(http.StatusBadRequest, "Missing required parameter 'names'")
		return
	}
	names := c.p.list("names")
	s.mu.RLock()
	defer s.mu.RUnlock()
	parent, ok := c.accessNode(parentID, permSeeContents)
	if !ok {
		return
	}
	results := []any{}
	for _, name := range names {
		if ch := s.childNamed(parent, strings.TrimSpace(name)); ch != nil {
			results = append(results, map[string]any{"name": name, "id": ch.id})
		}
	}
	c.json(http.StatusOK, map[string]any{"results": results})
}
