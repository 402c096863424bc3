package mapping

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Templates is flow F4: approved OTCS templates become read-only
// Confluence pages (controlled copies) and Confluence page templates.
type Templates struct {
	Line          int
	Space         string   // Confluence space key of the read-only copies
	Parent        string   // title of the page the copies go under ("" = top of the space)
	Archive       string   // title of the parent of withdrawn templates' copies (default "Archive")
	TemplateSpace string   // space whose page templates are kept
	BridgeAccount string   // the only account that may edit the copies
	Name          string   // template name rule: {name} (OTCS name without its extension), {node}
	Labels        []string // labels of the copies and the templates (default otcs-template)
	MaxBytes      int64    // larger template files are refused (default 20 MiB)
	Watches       []Watch  // watched template folders: name, folder, approved
}

// Defaults of the templates: section.
const (
	DefaultTemplateLabel    = "otcs-template"
	DefaultTemplateName     = "{name}"
	DefaultTemplateMaxBytes = 20 << 20
)

// TemplateName applies the name rule to an OTCS document name.
func (t *Templates) TemplateName(otcsName string, nodeID int64) string {
	base := otcsName
	if i := strings.LastIndex(base, "."); i > 0 {
		base = base[:i]
	}
	r := strings.NewReplacer("{name}", base, "{node}", strconv.FormatInt(nodeID, 10))
	return strings.TrimSpace(r.Replace(t.Name))
}

func (p *parser) templates(n *yaml.Node) *Templates {
	const rule = "templates"
	t := &Templates{Line: n.Line, Archive: DefaultArchive, Name: DefaultTemplateName,
		Labels: []string{DefaultTemplateLabel}, MaxBytes: DefaultTemplateMaxBytes}
	f := p.fields(n, rule, "space", "parent", "archive", "template_space", "bridge_account", "name", "labels", "max_bytes", "watch")
	for _, req := range []struct {
		key string
		dst *string
		why string
	}{
		{"space", &t.Space, "the Confluence space key that holds the read-only copies"},
		{"template_space", &t.TemplateSpace, "the Confluence space whose page templates are kept"},
		{"bridge_account", &t.BridgeAccount, "the bridge's Confluence account id, the only one allowed to edit the copies"},
	} {
		if v, ok := f[req.key]; ok {
			*req.dst = p.str(v, rule+"."+req.key)
		} else {
			p.fail(n, rule+"."+req.key, "is required: %s", req.why)
		}
	}
	p.strFields(f, rule, []string{"parent", "archive", "name"}, &t.Parent, &t.Archive, &t.Name)
	if v, ok := f["name"]; ok && !strings.Contains(t.Name, "{name}") && !strings.Contains(t.Name, "{node}") {
		p.fail(v, rule+".name", "must contain {name} or {node}, so each template gets its own name")
	}
	if v, ok := f["labels"]; ok {
		t.Labels = p.strList(v, rule+".labels")
		for _, l := range t.Labels {
			if l == "" || strings.ContainsAny(l, " :") {
				p.fail(v, rule+".labels", "label %q is not a Confluence label (no spaces or colons)", l)
			}
		}
	}
	if v, ok := f["max_bytes"]; ok {
		t.MaxBytes = p.id(v, rule+".max_bytes")
	}
	w, ok := f["watch"]
	if !ok || w.Kind != yaml.SequenceNode || len(w.Content) == 0 {
		p.fail(n, rule+".watch", "is required: a list of watched OTCS template folders")
		return t
	}
	for i, item := range w.Content {
		wr := fmt.Sprintf("%s.watch[%d]", rule, i)
		wt := Watch{Line: item.Line, Approved: ApprovedRule{Kind: ApprovedLatest}}
		wf := p.fields(item, wr, "name", "folder", "approved")
		if v, ok := wf["name"]; ok {
			wt.Name = strings.TrimSpace(p.str(v, wr+".name"))
		}
		if wt.Name == "" {
			p.fail(item, wr+".name", "is required: names the template folder in messages")
		}
		if v, ok := wf["folder"]; ok {
			wt.Folder = p.id(v, wr+".folder")
		} else {
			p.fail(item, wr+".folder", "is required: the OTCS folder id of the approved templates")
		}
		if v, ok := wf["approved"]; ok {
			wt.Approved = p.approved(wr+".approved", v, 0)
		}
		t.Watches = append(t.Watches, wt)
	}
	return t
}
