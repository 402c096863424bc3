package mapping

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error is one problem in a mapping file, with the line it is on.
type Error struct {
	File string
	Line int
	Rule string // dotted path of the rule, e.g. spaces.POL.category.id
	Msg  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Rule, e.Msg)
}

// Errors is every problem found in a file, in file order.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// LoadFile reads and validates a mapping file.
func LoadFile(path string) (*Rules, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mapping file: %w", err)
	}
	return Parse(path, data)
}

// Parse validates mapping rules from YAML. The error, if any, is Errors.
func Parse(file string, data []byte) (*Rules, error) {
	p := &parser{file: file}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		var te *yaml.TypeError
		line := 0
		msg := err.Error()
		if errors.As(err, &te) && len(te.Errors) > 0 {
			msg = te.Errors[0]
		}
		// yaml.v3 syntax errors read "yaml: line N: ..."
		if rest, ok := strings.CutPrefix(msg, "yaml: line "); ok {
			if n, after, ok := strings.Cut(rest, ":"); ok {
				line, _ = strconv.Atoi(n)
				msg = strings.TrimSpace(after)
			}
		}
		return nil, Errors{{File: file, Line: line, Rule: "yaml", Msg: msg}}
	}
	if len(doc.Content) == 0 {
		return nil, Errors{{File: file, Line: 1, Rule: "file", Msg: "empty mapping file; it needs otcs.root and spaces"}}
	}
	rules := p.rules(doc.Content[0])
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return rules, nil
}

type parser struct {
	file string
	errs Errors
}

func (p *parser) fail(n *yaml.Node, rule, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: n.Line, Rule: rule, Msg: fmt.Sprintf(format, args...)})
}

// fields checks that n is a mapping with only the allowed keys and returns
// its values by key.
func (p *parser) fields(n *yaml.Node, rule string, allowed ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		p.fail(n, rule, "must be a mapping with keys %s", strings.Join(allowed, ", "))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		ok := false
		for _, a := range allowed {
			if k.Value == a {
				ok = true
			}
		}
		if !ok {
			p.fail(k, rule, "unknown key %q (allowed: %s)", k.Value, strings.Join(allowed, ", "))
			continue
		}
		out[k.Value] = v
	}
	return out
}

func (p *parser) str(n *yaml.Node, rule string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.fail(n, rule, "must be a string")
		return ""
	}
	return n.Value
}

func (p *parser) id(n *yaml.Node, rule string) int64 {
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if n.Kind != yaml.ScalarNode || err != nil || v <= 0 {
		p.fail(n, rule, "must be a positive OTCS node id, got %q", n.Value)
		return 0
	}
	return v
}

func (p *parser) boolean(n *yaml.Node, rule string) bool {
	v, err := strconv.ParseBool(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		p.fail(n, rule, "must be true or false, got %q", n.Value)
	}
	return v
}

func (p *parser) rules(root *yaml.Node) *Rules {
	r := &Rules{File: p.file, Spaces: map[string]Space{}}
	top := p.fields(root, "file", "otcs", "spaces", "documents", "templates", "access", "record_life")
	if a, ok := top["access"]; ok {
		r.Access = p.access(a)
	}
	if rl, ok := top["record_life"]; ok {
		r.RecordLife = p.recordLife(rl)
		if r.RecordLife.RecordsGroup == "" {
			r.RecordLife.RecordsGroup = r.defaultRecordsGroup()
		}
	}
	if d, ok := top["documents"]; ok {
		r.Documents = p.documents(d)
	}
	if t, ok := top["templates"]; ok {
		r.Templates = p.templates(t)
	}
	if otcs, ok := top["otcs"]; ok {
		f := p.fields(otcs, "otcs", "root")
		if n, ok := f["root"]; ok {
			r.Root = p.id(n, "otcs.root")
		} else {
			p.fail(otcs, "otcs.root", "is required: the OTCS node id folder paths start from (Enterprise Workspace is usually 2000)")
		}
	} else {
		p.fail(root, "otcs", "is required (otcs.root)")
	}
	spaces, ok := top["spaces"]
	if !ok {
		p.fail(root, "spaces", "is required: one entry per Confluence space key")
		return r
	}
	if spaces.Kind != yaml.MappingNode || len(spaces.Content) == 0 {
		p.fail(spaces, "spaces", "must map at least one Confluence space key to its rules")
		return r
	}
	for i := 0; i+1 < len(spaces.Content); i += 2 {
		key := spaces.Content[i].Value
		if _, dup := r.Spaces[key]; dup {
			p.fail(spaces.Content[i], "spaces."+key, "space is mapped twice")
			continue
		}
		r.Spaces[key] = p.space(key, spaces.Content[i], spaces.Content[i+1])
	}
	return r
}

func (p *parser) space(key string, keyNode, n *yaml.Node) Space {
	rule := "spaces." + key
	s := Space{Key: key, Line: keyNode.Line}
	f := p.fields(n, rule, "approval", "published_label", "folder", "name", "category", "rm", "records", "review", "rendition", "restricted", "closure")
	s.Approval = Approval{OnEdit: OnEditReset, Meaning: DefaultApprovalMeaning}
	if a, ok := f["approval"]; ok {
		af := p.fields(a, rule+".approval", "label", "state", "on_edit", "require_known_approver", "meaning", "approvers", "self_approval")
		if v, ok := af["approvers"]; ok {
			s.Approval.Approvers = p.str(v, rule+".approval.approvers")
		}
		if v, ok := af["self_approval"]; ok {
			switch sa := p.str(v, rule+".approval.self_approval"); sa {
			case "allow":
				s.Approval.AllowSelfApproval = true
			case "forbid":
			default:
				p.fail(v, rule+".approval.self_approval", "must be \"forbid\" (default: the author of a version may not approve it) or \"allow\", not %q", sa)
			}
		}
		if l, ok := af["label"]; ok {
			s.Approval.Label = p.str(l, rule+".approval.label")
		}
		if v, ok := af["state"]; ok {
			s.Approval.State = p.str(v, rule+".approval.state")
			if n := len([]rune(s.Approval.State)); n == 0 || n > 20 {
				p.fail(v, rule+".approval.state", "must be a content state name of 1 to 20 characters (Confluence's limit)")
			}
		}
		if v, ok := af["on_edit"]; ok {
			s.Approval.OnEdit = p.str(v, rule+".approval.on_edit")
			if s.Approval.OnEdit != OnEditReset && s.Approval.OnEdit != OnEditKeep {
				p.fail(v, rule+".approval.on_edit", "must be %q or %q, not %q", OnEditReset, OnEditKeep, s.Approval.OnEdit)
			}
		}
		if v, ok := af["require_known_approver"]; ok {
			s.Approval.RequireKnownApprover = p.boolean(v, rule+".approval.require_known_approver")
		}
		if v, ok := af["meaning"]; ok {
			s.Approval.Meaning = p.str(v, rule+".approval.meaning")
		}
	}
	if s.Approval.Label == "" && s.Approval.State == "" {
		p.fail(keyNode, rule+".approval", "needs a label (approval.label) or a content state (approval.state) that marks a page as approved")
	}
	s.Target = p.target(rule, keyNode, f, RulePublish, "otcs-published")
	if rv, ok := f["review"]; ok {
		s.Review = p.review(rule+".review", rv, s.Target)
	}
	s.Closure = Closure{Line: keyNode.Line}
	if c, ok := f["closure"]; ok {
		s.Closure = p.closure(rule+".closure", c)
	}
	if recs, ok := f["records"]; ok {
		if recs.Kind != yaml.SequenceNode {
			p.fail(recs, rule+".records", "must be a list of record rules")
		} else {
			seen := map[string]bool{}
			for i, rn := range recs.Content {
				r := p.recordRule(fmt.Sprintf("%s.records[%d]", rule, i), rn)
				if seen[r.Type] {
					p.fail(rn, fmt.Sprintf("%s.records[%d].type", rule, i), "record type %q is used twice in this space", r.Type)
				}
				seen[r.Type] = true
				s.Records = append(s.Records, r)
			}
		}
	}
	return s
}

func (p *parser) recordRule(rule string, n *yaml.Node) RecordRule {
	r := RecordRule{Line: n.Line}
	f := p.fields(n, rule, "type", "match", "published_label", "folder", "name", "category", "rm", "rendition", "restricted")
	if t, ok := f["type"]; ok {
		r.Type = p.str(t, rule+".type")
	}
	if r.Type == "" {
		p.fail(n, rule+".type", "is required: the record type, e.g. \"Meeting Notes\"")
	}
	if m, ok := f["match"]; ok {
		mf := p.fields(m, rule+".match", "labels", "title")
		if ls, ok := mf["labels"]; ok {
			if ls.Kind != yaml.SequenceNode {
				p.fail(ls, rule+".match.labels", "must be a list of labels")
			}
			for _, l := range ls.Content {
				r.Labels = append(r.Labels, p.str(l, rule+".match.labels"))
			}
		}
		if t, ok := mf["title"]; ok {
			re, err := regexp.Compile(p.str(t, rule+".match.title"))
			if err != nil {
				p.fail(t, rule+".match.title", "is not a valid regular expression: %v", err)
			}
			r.Title = re
		}
	}
	if len(r.Labels) == 0 && r.Title == nil {
		p.fail(n, rule+".match", "is required: labels and/or a title pattern that recognise these pages")
	}
	r.Target = p.target(rule, n, f, "record:"+r.Type, "otcs-filed")
	return r
}

// target reads the keys every rule that files a record shares.
func (p *parser) target(rule string, at *yaml.Node, f map[string]*yaml.Node, name, defaultLabel string) Target {
	t := Target{Rule: name, Name: "{title}", PublishedLabel: defaultLabel, Rendition: RenditionMHTML, Restricted: RestrictedMirror}
	if r, ok := f["restricted"]; ok {
		t.Restricted = p.str(r, rule+".restricted")
		if t.Restricted != RestrictedMirror && t.Restricted != RestrictedRefuse {
			p.fail(r, rule+".restricted", "must be %q (the record gets the page's read access, mapped) or %q (restricted pages are never filed), not %q", RestrictedMirror, RestrictedRefuse, t.Restricted)
		}
	}
	if r, ok := f["rendition"]; ok {
		t.Rendition = p.str(r, rule+".rendition")
		if t.Rendition != RenditionMHTML && t.Rendition != RenditionPDF {
			p.fail(r, rule+".rendition", "must be %q or %q, not %q", RenditionMHTML, RenditionPDF, t.Rendition)
		}
	}
	if l, ok := f["published_label"]; ok {
		t.PublishedLabel = p.str(l, rule+".published_label")
	}
	if fo, ok := f["folder"]; ok {
		t.Folder = p.folder(fo, rule+".folder")
	}
	if len(t.Folder) == 0 {
		p.fail(at, rule+".folder", "is required: the folder path under otcs.root, e.g. \"Controlled Documents/Policies\"")
	}
	if nm, ok := f["name"]; ok {
		t.Name = p.str(nm, rule+".name")
		if !strings.Contains(t.Name, "{title}") && !strings.Contains(t.Name, "{page.id}") {
			p.fail(nm, rule+".name", "must contain {title} or {page.id} so records of different pages get different names")
		}
	}
	if c, ok := f["category"]; ok {
		t.Category = p.category(rule+".category", c)
	} else {
		p.fail(at, rule+".category", "is required: the category that carries the page metadata and source identity")
	}
	if rm, ok := f["rm"]; ok {
		t.RM = p.rm(rule+".rm", rm)
	}
	return t
}

func (p *parser) category(rule string, n *yaml.Node) Category {
	var c Category
	f := p.fields(n, rule, "id", "attributes")
	if id, ok := f["id"]; ok {
		c.ID = p.id(id, rule+".id")
	} else {
		p.fail(n, rule+".id", "is required: the category node id in OTCS")
	}
	attrs, ok := f["attributes"]
	if !ok || attrs.Kind != yaml.MappingNode {
		p.fail(n, rule+".attributes", "is required: a mapping from attribute name to its source")
		return c
	}
	identities := 0
	seen := map[string]bool{}
	for i := 0; i+1 < len(attrs.Content); i += 2 {
		name := attrs.Content[i].Value
		arule := rule + ".attributes." + name
		if seen[strings.ToLower(name)] {
			p.fail(attrs.Content[i], arule, "attribute is mapped twice")
			continue
		}
		seen[strings.ToLower(name)] = true
		a := p.attribute(name, arule, attrs.Content[i+1])
		if a.Source.Kind == FromPageID {
			identities++
		}
		c.Attributes = append(c.Attributes, a)
	}
	if identities != 1 {
		p.fail(attrs, rule+".attributes", "exactly one attribute must be {from: page.id} (the source identity that keeps one record per page); found %d", identities)
	}
	return c
}

func (p *parser) attribute(name, rule string, n *yaml.Node) Attribute {
	a := Attribute{Name: name, Line: n.Line}
	if n.Kind == yaml.ScalarNode {
		a.Source = Source{Kind: FromValue, Value: n.Value}
		return a
	}
	f := p.fields(n, rule, "from", "value", "label", "property", "field", "default", "required")
	sources := 0
	if v, ok := f["value"]; ok {
		a.Source = Source{Kind: FromValue, Value: p.str(v, rule+".value")}
		sources++
	}
	if v, ok := f["from"]; ok {
		kind := SourceKind(p.str(v, rule+".from"))
		known := false
		for _, k := range fromKinds {
			if k == kind {
				known = true
			}
		}
		if !known {
			names := make([]string, len(fromKinds))
			for i, k := range fromKinds {
				names[i] = string(k)
			}
			p.fail(v, rule+".from", "unknown source %q (known: %s; or use value:, label:, property:)", kind, strings.Join(names, ", "))
		}
		a.Source = Source{Kind: kind}
		sources++
	}
	if v, ok := f["label"]; ok {
		a.Source = Source{Kind: FromLabel, Prefix: p.str(v, rule+".label")}
		if a.Source.Prefix == "" {
			p.fail(v, rule+".label", "must be a non-empty label prefix, e.g. \"dept-\"")
		}
		sources++
	}
	if v, ok := f["property"]; ok {
		a.Source = Source{Kind: FromProperty, Key: p.str(v, rule+".property")}
		if fl, ok := f["field"]; ok {
			a.Source.Field = p.str(fl, rule+".field")
		}
		sources++
	} else if fl, ok := f["field"]; ok {
		p.fail(fl, rule+".field", "only applies together with property:")
	}
	if sources != 1 {
		p.fail(n, rule, "needs exactly one source (from:, value:, label: or property:), found %d", sources)
	}
	if d, ok := f["default"]; ok {
		a.Default = p.str(d, rule+".default")
	}
	if r, ok := f["required"]; ok {
		a.Required = p.boolean(r, rule+".required")
	}
	return a
}

func (p *parser) rm(rule string, n *yaml.Node) *RMPolicy {
	rm := &RMPolicy{Status: "ACTIVE"}
	f := p.fields(n, rule, "classification", "official", "status")
	if c, ok := f["classification"]; ok {
		rm.ClassID = p.id(c, rule+".classification")
	} else {
		p.fail(n, rule+".classification", "is required: the RM classification node id")
	}
	if o, ok := f["official"]; ok {
		rm.Official = p.boolean(o, rule+".official")
	}
	if s, ok := f["status"]; ok {
		rm.Status = p.str(s, rule+".status")
	}
	return rm
}

// folder reads a folder path ("A/B/{year}") into legal OTCS name segments.
func (p *parser) folder(n *yaml.Node, rule string) []string {
	var segs []string
	for _, seg := range strings.Split(p.str(n, rule), "/") {
		if seg = strings.TrimSpace(seg); seg == "" {
			continue
		}
		if strings.Contains(seg, ":") || len(seg) > MaxNameLength {
			p.fail(n, rule, "segment %q is not a legal OTCS name (no ':', at most %d characters)", seg, MaxNameLength)
		}
		segs = append(segs, seg)
	}
	return segs
}
