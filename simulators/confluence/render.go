package confluence

import (
	"encoding/json"
	"encoding/xml"
	"html"
	"io"
	"net/url"
	"strings"
)

// The renderer turns storage XHTML into the plain HTML that Confluence
// returns as view/export_view: ordinary tags pass through, ac:/ri: macros
// become simple HTML (images, links, panels, code blocks, task lists).
// It is deliberately small: good enough for a converter to consume, not
// a copy of Confluence's renderer.

type node struct {
	space, local string // space is the prefix ("ac", "ri") for macros
	attrs        []xml.Attr
	children     []*node
	text         string // for text nodes (local == "")
}

// parseStorage parses a storage body into a tree, tolerating HTML entities
// and the undeclared ac:/ri: prefixes the way Confluence does.
func parseStorage(body string) (*node, error) {
	d := xml.NewDecoder(strings.NewReader("<root>" + body + "</root>"))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	// No AutoClose: storage is XHTML (void tags are self-closed), and the
	// HTML list would wrongly close <ac:link> as if it were <link>.
	root := &node{local: "#root"}
	stack := []*node{root}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		top := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{space: t.Name.Space, local: t.Name.Local, attrs: t.Attr}
			top.children = append(top.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			top.children = append(top.children, &node{text: string(t)})
		}
	}
	if len(root.children) == 1 && root.children[0].local == "root" {
		return root.children[0], nil
	}
	return root, nil
}

func (n *node) attr(name string) string {
	for _, a := range n.attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n *node) child(space, local string) *node {
	for _, c := range n.children {
		if c.space == space && c.local == local {
			return c
		}
	}
	return nil
}

// textContent concatenates all text under n.
func (n *node) textContent() string {
	if n.local == "" {
		return n.text
	}
	var b strings.Builder
	for _, c := range n.children {
		b.WriteString(c.textContent())
	}
	return b.String()
}

var voidElements = map[string]bool{"br": true, "hr": true, "img": true, "col": true, "input": true, "meta": true, "link": true}

// renderOpts says for whom and in which representation a body is
// rendered.
type renderOpts struct {
	ctx    string // context path: "/wiki" (Cloud) or "" (DC)
	viewer string // account id the body is rendered for; "" is anonymous
	export bool   // export_view: macros lose their wrappers and ids
}

// renderer resolves references while rendering. Macros that pull in other
// pages (include, excerpt-include, detailssummary) read them as the
// viewer, so restrictions apply as they do on Confluence; stack holds the
// pages being rendered, outermost first, to stop include cycles.
type renderer struct {
	renderOpts
	s      *Server
	from   *page // whose body is rendered: default space of links, owner of attachments
	stack  []string
	macros int // macros given a generated id so far
	b      strings.Builder
}

// renderStorage returns a storage body of from (its own body when
// ownBody, else a comment on it) as plain HTML. Call with s.mu held. A
// body that does not parse comes back escaped, so a bad page is visible
// but harmless.
func (s *Server) renderStorage(body string, from *page, ownBody bool, o renderOpts) string {
	r := &renderer{renderOpts: o, s: s, from: from}
	if ownBody {
		r.stack = []string{from.id}
	}
	r.body(body)
	return r.b.String()
}

// body renders a storage body into r's output.
func (r *renderer) body(storage string) {
	root, err := parseStorage(storage)
	if err != nil {
		r.b.WriteString("<pre>" + html.EscapeString(storage) + "</pre>")
		return
	}
	r.children(root)
}

func (r *renderer) children(n *node) {
	for _, c := range n.children {
		r.node(c)
	}
}

func (r *renderer) node(n *node) {
	switch {
	case n.local == "":
		r.b.WriteString(html.EscapeString(n.text))
	case n.space == "":
		r.b.WriteString("<" + n.local)
		for _, a := range n.attrs {
			if a.Name.Space != "" {
				continue // drop ac:/ri: attributes on plain tags
			}
			r.b.WriteString(" " + a.Name.Local + `="` + html.EscapeString(a.Value) + `"`)
		}
		if voidElements[n.local] {
			r.b.WriteString(" />")
			return
		}
		r.b.WriteString(">")
		r.children(n)
		r.b.WriteString("</" + n.local + ">")
	case n.space == "ac":
		r.macro(n)
	default:
		// ri: resources outside a macro carry no visible content.
	}
}

func (r *renderer) macro(n *node) {
	switch n.local {
	case "image":
		src := ""
		if a := n.child("ri", "attachment"); a != nil {
			src = r.downloadURL(a.attr("filename"))
		} else if u := n.child("ri", "url"); u != nil {
			src = u.attr("value")
		}
		r.b.WriteString(`<img src="` + html.EscapeString(src) + `"`)
		if alt := n.attr("alt"); alt != "" {
			r.b.WriteString(` alt="` + html.EscapeString(alt) + `"`)
		}
		r.b.WriteString(" />")
	case "link":
		r.link(n)
	case "structured-macro", "macro":
		name := n.attr("name")
		switch name {
		case "include", "excerpt", "excerpt-include", "status", "view-file", "details", "detailssummary":
			r.documentMacro(name, n)
		case "code", "noformat":
			body := ""
			if pb := n.child("ac", "plain-text-body"); pb != nil {
				body = pb.textContent()
			}
			r.b.WriteString("<pre><code>" + html.EscapeString(body) + "</code></pre>")
		default:
			r.b.WriteString(`<div class="confluence-macro confluence-macro-` + html.EscapeString(name) + `">`)
			if rb := n.child("ac", "rich-text-body"); rb != nil {
				r.children(rb)
			} else if pb := n.child("ac", "plain-text-body"); pb != nil {
				r.b.WriteString(html.EscapeString(pb.textContent()))
			}
			r.b.WriteString("</div>")
		}
	case "task-list":
		r.b.WriteString(`<ul class="task-list">`)
		r.children(n)
		r.b.WriteString("</ul>")
	case "task":
		done := false
		if st := n.child("ac", "task-status"); st != nil {
			done = strings.TrimSpace(st.textContent()) == "complete"
		}
		if done {
			r.b.WriteString(`<li class="checked">`)
		} else {
			r.b.WriteString("<li>")
		}
		if tb := n.child("ac", "task-body"); tb != nil {
			r.children(tb)
		}
		r.b.WriteString("</li>")
	case "parameter", "task-id", "task-status", "placeholder", "emoticon":
		// Configuration, not content.
	default:
		r.children(n) // unknown wrappers: keep what is inside
	}
}

func (r *renderer) link(n *node) {
	href, text := "#", ""
	switch {
	case n.child("ri", "page") != nil:
		p := n.child("ri", "page")
		text = p.attr("content-title")
		if u := r.s.pageURLFunc(r.ctx, r.from)(p.attr("space-key"), text); u != "" {
			href = u
		}
	case n.child("ri", "attachment") != nil:
		text = n.child("ri", "attachment").attr("filename")
		href = r.downloadURL(text)
	case n.child("ri", "url") != nil:
		href = n.child("ri", "url").attr("value")
		text = href
	}
	if anchor := n.attr("anchor"); anchor != "" {
		href += "#" + anchor
	}
	r.b.WriteString(`<a href="` + html.EscapeString(href) + `">`)
	if pb := n.child("ac", "plain-text-link-body"); pb != nil {
		r.b.WriteString(html.EscapeString(pb.textContent()))
	} else if lb := n.child("ac", "link-body"); lb != nil {
		r.children(lb)
	} else {
		r.b.WriteString(html.EscapeString(text))
	}
	r.b.WriteString("</a>")
}

func (r *renderer) downloadURL(file string) string {
	return r.ctx + "/download/attachments/" + r.from.id + "/" + url.PathEscape(file)
}

// storageToADF gives a minimal Atlassian Document Format document: one
// paragraph (or heading) per top-level block with its text. The v2 API
// returns ADF as a JSON string, which is what this produces.
func storageToADF(body string) string {
	type textNode struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	type block struct {
		Type    string         `json:"type"`
		Attrs   map[string]int `json:"attrs,omitempty"`
		Content []textNode     `json:"content,omitempty"`
	}
	doc := struct {
		Type    string  `json:"type"`
		Version int     `json:"version"`
		Content []block `json:"content"`
	}{Type: "doc", Version: 1, Content: []block{}}
	root, err := parseStorage(body)
	if err == nil {
		for _, c := range root.children {
			txt := strings.TrimSpace(c.textContent())
			if txt == "" {
				continue
			}
			b := block{Type: "paragraph", Content: []textNode{{Type: "text", Text: txt}}}
			if len(c.local) == 2 && c.local[0] == 'h' && c.local[1] >= '1' && c.local[1] <= '6' {
				b.Type, b.Attrs = "heading", map[string]int{"level": int(c.local[1] - '0')}
			}
			doc.Content = append(doc.Content, b)
		}
	}
	out, _ := json.Marshal(doc)
	return string(out)
}
