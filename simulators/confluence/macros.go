package confluence

import (
	"fmt"
	"hash/fnv"
	"html"
	"net/url"
	"strings"
)

// Macros of document pages (Confluence storage format,
// https://confluence.atlassian.com/doc/confluence-storage-format-790796544.html;
// see docs/contracts.md, "Document-page macros"):
// include, excerpt, excerpt-include, status, view-file, details and
// detailssummary. In view Confluence wraps a block macro's output in a
// div naming the macro and its id; export_view strips the wrapper, so
// transcluded text appears inline without provenance.

// maxIncludeDepth bounds how deeply pages may include pages. Cycles are
// caught by the stack; this only stops very long chains.
const maxIncludeDepth = 8

// Error texts of the include-style macros. The first is Confluence's
// wording; the others are the simulator's.
const (
	includeNotFound = "The included page could not be found."
	includeLoop     = "A page cannot include itself or a page that includes it."
	includeTooDeep  = "Pages are included too deeply."
)

func (r *renderer) documentMacro(name string, n *node) {
	switch name {
	case "include":
		r.include(n)
	case "excerpt":
		r.excerpt(n)
	case "excerpt-include":
		r.excerptInclude(n)
	case "status":
		r.status(n)
	case "view-file":
		r.viewFile(n)
	case "details":
		if !strings.EqualFold(n.paramText("hidden"), "true") {
			r.open(n, "details", "div")
			r.richBody(n)
			r.close("div")
		}
	case "detailssummary":
		r.detailsSummary(n)
	}
}

// param returns the macro's ac:parameter named name ("" is the unnamed
// one), or nil.
func (n *node) param(name string) *node {
	for _, c := range n.children {
		if c.space == "ac" && c.local == "parameter" && c.attr("name") == name {
			return c
		}
	}
	return nil
}

// paramText is the trimmed text of a parameter, "" when absent.
func (n *node) paramText(name string) string {
	if p := n.param(name); p != nil {
		return strings.TrimSpace(p.textContent())
	}
	return ""
}

// find returns the first node under n (n included) for which match holds.
func (n *node) find(match func(*node) bool) *node {
	if match(n) {
		return n
	}
	for _, c := range n.children {
		if f := c.find(match); f != nil {
			return f
		}
	}
	return nil
}

// isMacro reports whether n is a macro (structured or legacy) of that name.
func (n *node) isMacro(name string) bool {
	return n.space == "ac" && (n.local == "structured-macro" || n.local == "macro") && n.attr("name") == name
}

func (r *renderer) richBody(n *node) {
	if rb := n.child("ac", "rich-text-body"); rb != nil {
		r.children(rb)
	}
}

// open writes the view wrapper of a macro's output (tag div or span);
// export_view has none.
func (r *renderer) open(n *node, name, tag string) {
	if r.export {
		return
	}
	r.b.WriteString("<" + tag + ` class="conf-macro output-` + map[string]string{"div": "block", "span": "inline"}[tag] +
		`" data-macro-name="` + name + `" data-macro-id="` + html.EscapeString(r.macroID(n)) + `">`)
}

func (r *renderer) close(tag string) {
	if !r.export {
		r.b.WriteString("</" + tag + ">")
	}
}

// macroID is the macro's stored ac:macro-id or, as Cloud drops it from
// some bodies, a UUID-shaped id derived from the page and the macro's
// ordinal, so the same body always renders the same ids.
func (r *renderer) macroID(n *node) string {
	if id := n.attr("macro-id"); id != "" {
		return id
	}
	r.macros++
	h := fnv.New128a()
	fmt.Fprintf(h, "%s/%d", r.from.id, r.macros)
	b := h.Sum(nil)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// errorText is how Confluence shows a macro it cannot render.
func (r *renderer) errorText(name, msg string) {
	r.b.WriteString(`<div class="error"><span class="error">Unable to render {` + name + `}</span> ` + html.EscapeString(msg) + `</div>`)
}

// linkedPage reads the page an include-style macro names: the unnamed
// parameter holding ac:link/ri:page, or the legacy forms with the title
// as text ("Title" or "KEY:Title") in it or in ac:default-parameter.
func (r *renderer) linkedPage(n *node) (spaceKey, title string) {
	p := n.param("")
	if p == nil {
		p = n.child("ac", "default-parameter")
	}
	if p == nil {
		return "", ""
	}
	if rp := p.find(func(c *node) bool { return c.space == "ri" && c.local == "page" }); rp != nil {
		return rp.attr("space-key"), rp.attr("content-title")
	}
	text := strings.TrimSpace(p.textContent())
	if key, rest, ok := strings.Cut(text, ":"); ok && r.s.spaceByKey(key) != nil {
		return key, rest
	}
	return "", text
}

// pageByTitle finds the current page titled title in the space with key
// spaceKey ("" = from's space). Call with s.mu held.
func (s *Server) pageByTitle(spaceKey, title string, from *page) *page {
	spaceID := from.spaceID
	if spaceKey != "" {
		sp := s.spaceByKey(spaceKey)
		if sp == nil {
			return nil
		}
		spaceID = sp.id
	}
	for _, p := range s.sortedPages() {
		if p.spaceID == spaceID && p.status == "current" && p.current().title == title {
			return p
		}
	}
	return nil
}

// target resolves the page an include-style macro pulls in, as the
// viewer: a page it may not see is "not found", as on Confluence. msg is
// the error text when there is none to render.
func (r *renderer) target(n *node) (p *page, msg string) {
	key, title := r.linkedPage(n)
	if title != "" {
		p = r.s.pageByTitle(key, title, r.from)
	}
	switch {
	case p == nil || !r.s.canView(p, r.viewer):
		return nil, includeNotFound
	case contains(r.stack, p.id):
		return nil, includeLoop
	case len(r.stack) >= maxIncludeDepth:
		return nil, includeTooDeep
	}
	return p, ""
}

// inPage renders f's output as part of page p: links without a space and
// attachments resolve against p, and p joins the include stack.
func (r *renderer) inPage(p *page, f func()) {
	from := r.from
	r.from, r.stack = p, append(r.stack, p.id)
	f()
	r.from, r.stack = from, r.stack[:len(r.stack)-1]
}

func (r *renderer) include(n *node) {
	r.open(n, "include", "div")
	if p, msg := r.target(n); msg != "" {
		r.errorText("include", msg)
	} else {
		r.inPage(p, func() { r.body(p.current().body) })
	}
	r.close("div")
}

// excerpt renders on its own page; hidden=true hides it there only.
func (r *renderer) excerpt(n *node) {
	if strings.EqualFold(n.paramText("hidden"), "true") {
		return
	}
	tag := "div"
	if strings.EqualFold(n.paramText("atlassian-macro-output-type"), "INLINE") {
		tag = "span"
	}
	r.open(n, "excerpt", tag)
	r.richBody(n)
	r.close(tag)
}

// findExcerpt returns the excerpt macro of a storage body with the given
// name, else its first excerpt; nil when it has none.
func findExcerpt(storage, name string) *node {
	root, err := parseStorage(storage)
	if err != nil {
		return nil
	}
	var first, named *node
	root.find(func(c *node) bool {
		if !c.isMacro("excerpt") {
			return false
		}
		if first == nil {
			first = c
		}
		if name != "" && c.paramText("name") == name {
			named = c
			return true
		}
		return name == ""
	})
	if named != nil {
		return named
	}
	return first
}

// excerptInclude renders the target's excerpt in a panel headed by the
// target's title, or bare with nopanel=true.
func (r *renderer) excerptInclude(n *node) {
	r.open(n, "excerpt-include", "div")
	defer r.close("div")
	p, msg := r.target(n)
	if msg != "" {
		r.errorText("excerpt-include", msg)
		return
	}
	ex := findExcerpt(p.current().body, n.paramText("name"))
	if ex == nil {
		r.errorText("excerpt-include", "The page "+p.current().title+" has no excerpt.")
		return
	}
	panel := !strings.EqualFold(n.paramText("nopanel"), "true")
	if panel {
		r.b.WriteString(`<div class="panel" style="border-width: 1px;"><div class="panelHeader" style="border-bottom-width: 1px;"><b>` +
			html.EscapeString(p.current().title) + `</b></div><div class="panelContent">`)
	}
	r.inPage(p, func() { r.richBody(ex) })
	if panel {
		r.b.WriteString("</div></div>")
	}
}

// lozenges maps status colours to the AUI lozenge modifier; Grey (the
// default) has none.
var lozenges = map[string]string{"grey": "", "red": " aui-lozenge-error", "yellow": " aui-lozenge-current",
	"green": " aui-lozenge-success", "blue": " aui-lozenge-complete", "purple": " aui-lozenge-progress"}

func (r *renderer) status(n *node) {
	colour := n.paramText("colour")
	if colour == "" {
		colour = n.paramText("color")
	}
	title := n.paramText("title")
	if title == "" {
		title = colour
		if title == "" {
			title = "Grey"
		}
	}
	class := "status-macro aui-lozenge" + lozenges[strings.ToLower(colour)]
	if strings.EqualFold(n.paramText("subtle"), "true") {
		class += " aui-lozenge-subtle"
	}
	r.b.WriteString(`<span class="` + class + `">` + html.EscapeString(title) + `</span>`)
}

// viewFile links the attachment named in the name parameter; an
// ri:attachment may name another page as its container.
func (r *renderer) viewFile(n *node) {
	holder, file := r.from, n.paramText("name")
	if name := n.param("name"); name != nil {
		if a := name.find(func(c *node) bool { return c.space == "ri" && c.local == "attachment" }); a != nil {
			file = a.attr("filename")
			if rp := a.child("ri", "page"); rp != nil {
				holder = r.s.pageByTitle(rp.attr("space-key"), rp.attr("content-title"), r.from)
			}
		}
	}
	if holder == nil || !r.s.canView(holder, r.viewer) || holder.attByTitle(file) == nil {
		r.errorText("view-file", "The attachment "+file+" could not be found.")
		return
	}
	href := r.ctx + "/download/attachments/" + holder.id + "/" + url.PathEscape(file)
	r.open(n, "view-file", "span")
	r.b.WriteString(`<a class="confluence-embedded-file" href="` + html.EscapeString(href) + `" data-linked-resource-type="attachment">` +
		html.EscapeString(file) + `</a>`)
	r.close("span")
}
