package mapping

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// Closure is what `starter close` does at the end of a project: where the
// record set of the space goes in OTCS, and whether the space's pages are
// made read-only once it is sealed. Every mapped space has one; without a
// closure: section it takes the defaults (DefaultClosureFolder, pages left
// editable).
type Closure struct {
	Line int // the closure: key, or the space's line when there is none
	// Folder is where record sets are made, below Rules.Root; may hold
	// {space}. The set is a folder "Record set <KEY>" inside it.
	Folder []string
	// ReadOnly restricts edits of every page of the space (or tree) to
	// BridgeAccount and OwnersGroup once the set is sealed. Off by default.
	ReadOnly      bool
	BridgeAccount string // the bridge's Confluence account id, kept on the restriction
	OwnersGroup   string // a Confluence group that keeps edit rights ("" : none)
}

// DefaultClosureFolder is where record sets go when the mapping names no
// closure.folder.
var DefaultClosureFolder = []string{"Record Sets", "{space}"}

// FolderPath is the closure folder with {space} filled in.
func (c *Closure) FolderPath(spaceKey string) []string {
	segs := c.Folder
	if len(segs) == 0 {
		segs = DefaultClosureFolder
	}
	out := make([]string, len(segs))
	for i, s := range segs {
		out[i] = LegalName(strings.ReplaceAll(s, "{space}", spaceKey))
	}
	return out
}

// RecordSetName is the name of a space's record set folder: one per space,
// found again by a second closure.
func RecordSetName(spaceKey string) string { return LegalName("Record set " + spaceKey) }

// RecordSetTreeName is the name of the record set of a page tree of a
// space (the page and every page below it); rootPageID "" is the space's.
func RecordSetTreeName(spaceKey, rootPageID string) string {
	if rootPageID == "" {
		return RecordSetName(spaceKey)
	}
	return LegalName("Record set " + spaceKey + " page " + rootPageID)
}

func (p *parser) closure(rule string, n *yaml.Node) Closure {
	c := Closure{Line: n.Line}
	f := p.fields(n, rule, "folder", "read_only", "bridge_account", "owners_group")
	if v, ok := f["folder"]; ok {
		c.Folder = p.folder(v, rule+".folder")
		if len(c.Folder) == 0 {
			p.fail(v, rule+".folder", "must name at least one folder (default %q)", strings.Join(DefaultClosureFolder, "/"))
		}
		for _, seg := range c.Folder {
			if i := strings.Index(seg, "{"); i >= 0 && !strings.Contains(seg, "{space}") {
				p.fail(v, rule+".folder", "segment %q: only {space} may be filled in here", seg)
			}
		}
	}
	if v, ok := f["read_only"]; ok {
		c.ReadOnly = p.boolean(v, rule+".read_only")
	}
	if v, ok := f["bridge_account"]; ok {
		c.BridgeAccount = p.str(v, rule+".bridge_account")
	}
	if v, ok := f["owners_group"]; ok {
		c.OwnersGroup = p.str(v, rule+".owners_group")
	}
	if c.ReadOnly && c.BridgeAccount == "" {
		p.fail(n, rule+".bridge_account", "is required with read_only: true (the bridge's Confluence account id); without it the bridge would lock itself out of the closed pages")
	}
	return c
}
