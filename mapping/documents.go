package mapping

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Documents is the OpenText → Confluence direction (flows F2, F6, F8): which
// OTCS folders and business workspaces are watched, where their document
// pages live in Confluence, and what each page shows.
type Documents struct {
	Line          int
	Space         string     // Confluence space key of the document pages
	Parent        string     // title of the page the hub pages go under; "" = the space's home page
	Archive       string     // title of the parent that withdrawn sources move under (default "Archive")
	BridgeAccount string     // account id of the bridge: the only one that may edit document pages
	EditorsGroup  string     // group that may edit the human-owned area as well; "" = bridge only
	BackLink      *BackLink  // nil: OTCS gets no link back to the document page
	Watches       []Watch    // in file order
	Refs          References // how links to OTCS in Confluence pages are recognised (flow F6)

	// BridgeAccountLine and EditorsGroupLine are where the two stand in
	// the file (for the live checks' messages).
	BridgeAccountLine, EditorsGroupLine int
}

// BackLink is the category attribute of an OTCS document that receives its
// document page URL (flow F2).
type BackLink struct {
	Category  int64
	Attribute string
}

// References says which Confluence spaces are scanned for links to OTCS
// documents. Every space under spaces: and every connected space is
// scanned; Spaces adds more.
type References struct {
	Spaces []string
}

// Watch is one watched OTCS folder or business workspace: a hub.
type Watch struct {
	Name      string // hub name and the title of its index page
	Line      int
	Folder    int64         // a watched folder, or
	Workspace *WorkspaceRef // a watched business workspace
	Approved  ApprovedRule
	Show      Show
	Preview   bool   // attach PDFs and images to the document page and show them inline
	Connect   string // Confluence space connected to this workspace ("" = none)
	GroupBy   string // attribute of Show.Category that groups the "Workspace documents" page
}

// WorkspaceRef names a business workspace by node id or by its business
// object (external system, business object type, business object id).
type WorkspaceRef struct {
	ID                     int64
	System, Type, ObjectID string
}

// String names the workspace for messages.
func (w WorkspaceRef) String() string {
	if w.ID != 0 {
		return fmt.Sprintf("workspace %d", w.ID)
	}
	return fmt.Sprintf("workspace %s/%s/%s", w.System, w.Type, w.ObjectID)
}

// ApprovedKind is how a watch decides which version of a document is the
// latest approved one.
type ApprovedKind string

// The approved-version rules.
const (
	ApprovedLatest    ApprovedKind = "latest"    // the latest version
	ApprovedMajor     ApprovedKind = "major"     // the latest major version (advanced versioning)
	ApprovedAttribute ApprovedKind = "attribute" // the latest version, while a category attribute has a value
)

// ApprovedRule is a watch's approved-version rule.
type ApprovedRule struct {
	Kind      ApprovedKind
	Category  int64  // ApprovedAttribute: the category (default Show.Category)
	Attribute string // ApprovedAttribute: e.g. "Approval Status"
	Equals    string // ApprovedAttribute: e.g. "Approved"
}

// Show is what a document page shows beyond name, version and status.
type Show struct {
	Category   int64    // 0: no category values
	Attributes []string // shown in this order
	Type       string   // attribute holding the document type (default "Document Type" when listed)
	Owner      string   // attribute holding the owner (default "Owner" when listed)
	ApprovedBy string   // attribute holding who approved (default "Approved By" when listed)
}

// DefaultArchive is the archive parent's title when the mapping names none.
const DefaultArchive = "Archive"

// WatchByName returns the watch with this name, or nil.
func (d *Documents) WatchByName(name string) *Watch {
	for i := range d.Watches {
		if d.Watches[i].Name == name {
			return &d.Watches[i]
		}
	}
	return nil
}

// ReferenceSpaces lists the spaces whose pages are scanned for links to
// OTCS documents: every mapped space, every connected space, and the extra
// ones the mapping names.
func (r *Rules) ReferenceSpaces() []string {
	seen := map[string]bool{}
	var out []string
	add := func(k string) {
		if k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, k := range r.SpaceKeys() {
		add(k)
	}
	if r.Documents != nil {
		for _, w := range r.Documents.Watches {
			add(w.Connect)
		}
		for _, k := range r.Documents.Refs.Spaces {
			add(k)
		}
	}
	return out
}

// ScansReferences reports whether pages of this space are scanned for links.
func (r *Rules) ScansReferences(space string) bool {
	for _, k := range r.ReferenceSpaces() {
		if k == space {
			return true
		}
	}
	return false
}

func (p *parser) documents(n *yaml.Node) *Documents {
	const rule = "documents"
	d := &Documents{Line: n.Line, Archive: DefaultArchive}
	f := p.fields(n, rule, "space", "parent", "archive", "bridge_account", "editors_group", "back_link",
		"watch", "references")
	if v, ok := f["space"]; ok {
		d.Space = p.str(v, rule+".space")
	} else {
		p.fail(n, rule+".space", "is required: the Confluence space key that holds the document pages")
	}
	if v, ok := f["parent"]; ok {
		d.Parent = p.str(v, rule+".parent")
	}
	if v, ok := f["archive"]; ok {
		if d.Archive = p.str(v, rule+".archive"); strings.TrimSpace(d.Archive) == "" {
			p.fail(v, rule+".archive", "must be a page title")
		}
	}
	if v, ok := f["bridge_account"]; ok {
		d.BridgeAccount, d.BridgeAccountLine = p.str(v, rule+".bridge_account"), v.Line
	} else {
		p.fail(n, rule+".bridge_account", "is required: the bridge's Confluence account id, the only one allowed to edit document pages")
	}
	if v, ok := f["editors_group"]; ok {
		d.EditorsGroup, d.EditorsGroupLine = p.str(v, rule+".editors_group"), v.Line
	}
	if v, ok := f["back_link"]; ok {
		d.BackLink = p.backLink(rule+".back_link", v)
	}
	if v, ok := f["references"]; ok {
		rf := p.fields(v, rule+".references", "spaces")
		if s, ok := rf["spaces"]; ok {
			d.Refs.Spaces = p.strList(s, rule+".references.spaces")
		}
	}
	w, ok := f["watch"]
	if !ok || w.Kind != yaml.SequenceNode || len(w.Content) == 0 {
		p.fail(n, rule+".watch", "is required: a list of watched OTCS folders or business workspaces")
		return d
	}
	names := map[string]bool{}
	for i, item := range w.Content {
		wt := p.watch(fmt.Sprintf("%s.watch[%d]", rule, i), item)
		if names[strings.ToLower(wt.Name)] {
			p.fail(item, fmt.Sprintf("%s.watch[%d].name", rule, i), "watch %q is named twice; hub names must be unique", wt.Name)
		}
		names[strings.ToLower(wt.Name)] = true
		d.Watches = append(d.Watches, wt)
	}
	return d
}

func (p *parser) backLink(rule string, n *yaml.Node) *BackLink {
	if n.Kind == yaml.ScalarNode && n.Value == "none" {
		return nil
	}
	b := &BackLink{}
	f := p.fields(n, rule, "category", "attribute")
	if v, ok := f["category"]; ok {
		b.Category = p.id(v, rule+".category")
	} else {
		p.fail(n, rule+".category", "is required: the category holding the link attribute (or write back_link: none)")
	}
	if v, ok := f["attribute"]; ok {
		b.Attribute = p.str(v, rule+".attribute")
	} else {
		p.fail(n, rule+".attribute", "is required: the attribute that receives the document page URL")
	}
	return b
}

func (p *parser) watch(rule string, n *yaml.Node) Watch {
	w := Watch{Line: n.Line, Approved: ApprovedRule{Kind: ApprovedLatest}}
	f := p.fields(n, rule, "name", "folder", "workspace", "approved", "show", "preview", "connect", "group_by")
	if v, ok := f["name"]; ok {
		w.Name = strings.TrimSpace(p.str(v, rule+".name"))
	}
	if w.Name == "" {
		p.fail(n, rule+".name", "is required: the hub's name, also the title of its index page")
	}
	folder, hasFolder := f["folder"]
	ws, hasWS := f["workspace"]
	switch {
	case hasFolder && hasWS:
		p.fail(n, rule, "names both folder: and workspace:; a watch is one or the other")
	case hasFolder:
		w.Folder = p.id(folder, rule+".folder")
	case hasWS:
		w.Workspace = p.workspaceRef(rule+".workspace", ws)
	default:
		p.fail(n, rule, "needs folder: (an OTCS folder id) or workspace: (a business workspace)")
	}
	if v, ok := f["show"]; ok {
		w.Show = p.show(rule+".show", v)
	}
	if v, ok := f["approved"]; ok {
		w.Approved = p.approved(rule+".approved", v, w.Show.Category)
	}
	if v, ok := f["preview"]; ok {
		w.Preview = p.boolean(v, rule+".preview")
	}
	if v, ok := f["connect"]; ok {
		w.Connect = p.str(v, rule+".connect")
		if w.Workspace == nil {
			p.fail(v, rule+".connect", "only a business workspace can be connected to a space")
		}
	}
	if v, ok := f["group_by"]; ok {
		w.GroupBy = p.str(v, rule+".group_by")
		if w.Show.Category == 0 {
			p.fail(v, rule+".group_by", "needs show.category: the attribute is read from that category")
		}
	}
	return w
}

func (p *parser) workspaceRef(rule string, n *yaml.Node) *WorkspaceRef {
	if n.Kind == yaml.ScalarNode {
		return &WorkspaceRef{ID: p.id(n, rule)}
	}
	ref := &WorkspaceRef{}
	f := p.fields(n, rule, "system", "type", "id")
	p.strFields(f, rule, []string{"system", "type", "id"}, &ref.System, &ref.Type, &ref.ObjectID)
	if ref.System == "" || ref.Type == "" || ref.ObjectID == "" {
		p.fail(n, rule, "a workspace is a node id, or {system, type, id} of its business object; all three are needed")
	}
	return ref
}

func (p *parser) approved(rule string, n *yaml.Node, showCategory int64) ApprovedRule {
	if n.Kind == yaml.ScalarNode {
		k := ApprovedKind(n.Value)
		if k != ApprovedLatest && k != ApprovedMajor {
			p.fail(n, rule, "unknown rule %q (use latest, major, or {attribute: NAME, equals: VALUE})", n.Value)
		}
		return ApprovedRule{Kind: k}
	}
	a := ApprovedRule{Kind: ApprovedAttribute, Category: showCategory}
	f := p.fields(n, rule, "category", "attribute", "equals")
	if v, ok := f["category"]; ok {
		a.Category = p.id(v, rule+".category")
	}
	if v, ok := f["attribute"]; ok {
		a.Attribute = p.str(v, rule+".attribute")
	}
	if v, ok := f["equals"]; ok {
		a.Equals = p.str(v, rule+".equals")
	}
	if a.Attribute == "" || a.Equals == "" {
		p.fail(n, rule, "an attribute rule needs attribute: and equals:, e.g. {attribute: Approval Status, equals: Approved}")
	}
	if a.Category == 0 {
		p.fail(n, rule+".category", "is required when show.category is not set: the category that holds %q", a.Attribute)
	}
	return a
}

func (p *parser) show(rule string, n *yaml.Node) Show {
	var s Show
	f := p.fields(n, rule, "category", "attributes", "type", "owner", "approved_by")
	if v, ok := f["category"]; ok {
		s.Category = p.id(v, rule+".category")
	}
	if v, ok := f["attributes"]; ok {
		s.Attributes = p.strList(v, rule+".attributes")
		if s.Category == 0 {
			p.fail(v, rule+".attributes", "needs category: the attributes are read from that category")
		}
	}
	listed := func(name string) string {
		for _, a := range s.Attributes {
			if strings.EqualFold(a, name) {
				return a
			}
		}
		return ""
	}
	s.Type, s.Owner, s.ApprovedBy = listed("Document Type"), listed("Owner"), listed("Approved By")
	p.strFields(f, rule, []string{"type", "owner", "approved_by"}, &s.Type, &s.Owner, &s.ApprovedBy)
	return s
}

func (p *parser) strList(n *yaml.Node, rule string) []string {
	if n.Kind != yaml.SequenceNode {
		p.fail(n, rule, "must be a list")
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		out = append(out, p.str(item, fmt.Sprintf("%s[%d]", rule, i)))
	}
	return out
}

// strFields reads the optional string fields keys into dsts, in order.
func (p *parser) strFields(f map[string]*yaml.Node, rule string, keys []string, dsts ...*string) {
	for i, key := range keys {
		if v, ok := f[key]; ok {
			*dsts[i] = p.str(v, rule+"."+key)
		}
	}
}

// IsBridgePageSpace reports whether a space holds pages the bridge owns:
// document pages or controlled copies of templates.
func (r *Rules) IsBridgePageSpace(space string) bool {
	return (r.Documents != nil && r.Documents.Space == space) || (r.Templates != nil && r.Templates.Space == space)
}
