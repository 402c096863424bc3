package conversion

import (
	"bytes"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// renamed maps the allowed HTML elements to their storage-format names;
// everything not here and not removed is unwrapped to its content.
var renamed = map[atom.Atom]string{
	atom.P: "p", atom.H1: "h1", atom.H2: "h2", atom.H3: "h3", atom.H4: "h4", atom.H5: "h5", atom.H6: "h6",
	atom.Strong: "strong", atom.B: "strong", atom.Em: "em", atom.I: "em", atom.U: "u",
	atom.S: "s", atom.Del: "s", atom.Strike: "s", atom.Sub: "sub", atom.Sup: "sup",
	atom.Code: "code", atom.Pre: "pre", atom.Blockquote: "blockquote",
	atom.Ul: "ul", atom.Ol: "ol", atom.Li: "li",
	atom.Table: "table", atom.Thead: "thead", atom.Tbody: "tbody", atom.Tr: "tr", atom.Th: "th", atom.Td: "td",
	atom.Br: "br", atom.Hr: "hr",
}

// removed elements go with their content. Active content and forms are
// noted, because an author may miss them; head metadata is not.
var removed = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Iframe: true, atom.Frame: true, atom.Frameset: true,
	atom.Object: true, atom.Embed: true, atom.Applet: true, atom.Form: true, atom.Input: true,
	atom.Button: true, atom.Select: true, atom.Textarea: true, atom.Noscript: true, atom.Template: true,
	atom.Svg: true, atom.Math: true,
}

// silent elements go with their content and without a note.
var silent = map[atom.Atom]bool{atom.Title: true, atom.Meta: true, atom.Link: true, atom.Base: true}

// structural elements hold only other elements, never text.
var structural = map[string]bool{"table": true, "thead": true, "tbody": true, "tr": true, "ul": true, "ol": true}

// linkSchemes are the link targets kept.
var linkSchemes = map[string]bool{"http": true, "https": true, "mailto": true}

// sanitizer turns one parsed HTML document into storage-format nodes.
type sanitizer struct {
	images map[string]Attachment // extracted images by their src path
	used   map[string]Attachment // images referenced, by attachment name
	notes  []string              // distinct notes in first-seen order
	counts map[string]int
}

// sanitizeResult parses page and returns it as a storage-format Result;
// images are the files pandoc extracted (nil for HTML and Markdown).
func sanitizeResult(kind string, page []byte, images map[string]Attachment) (*Result, error) {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil, &Error{Kind: ErrConversionFailed, Msg: "HTML: " + err.Error(), Err: err}
	}
	s := &sanitizer{images: images, used: map[string]Attachment{}, counts: map[string]int{}}
	body := render(wrapTop(s.children(doc)))
	res := &Result{Kind: kind, Storage: body}
	for _, a := range s.used {
		res.Attachments = append(res.Attachments, a)
	}
	slices.SortFunc(res.Attachments, func(a, b Attachment) int { return strings.Compare(a.Name, b.Name) })
	for _, n := range s.notes {
		if c := s.counts[n]; c > 1 {
			n += fmt.Sprintf(" (%d times)", c)
		}
		res.Notes = append(res.Notes, n)
	}
	return res, nil
}

// note records that something was removed.
func (s *sanitizer) note(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	if s.counts[msg] == 0 {
		s.notes = append(s.notes, msg)
	}
	s.counts[msg]++
}

// children converts the children of n in order.
func (s *sanitizer) children(n *html.Node) []*onode {
	var out []*onode
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		out = append(out, s.node(c)...)
	}
	return out
}

// node converts one HTML node into zero or more storage nodes.
func (s *sanitizer) node(n *html.Node) []*onode {
	switch n.Type {
	case html.TextNode:
		return []*onode{text(n.Data)}
	case html.DocumentNode:
		return s.children(n)
	case html.ElementNode:
	default:
		return nil // comments, doctype
	}
	name := strings.ToLower(n.Data)
	switch {
	case removed[n.DataAtom] || (n.DataAtom == 0 && (name == "script" || name == "style")):
		s.note("removed <%s> element with its content", name)
		return nil
	case silent[n.DataAtom]:
		return nil
	}
	for _, a := range n.Attr {
		if k := strings.ToLower(a.Key); strings.HasPrefix(k, "on") {
			s.note("removed event handler attribute %s", k)
		}
	}
	switch n.DataAtom {
	case atom.A:
		return s.link(n)
	case atom.Img:
		return s.image(n)
	}
	tag, ok := renamed[n.DataAtom]
	if !ok || n.Namespace != "" {
		return s.children(n) // unknown: keep the content
	}
	out := &onode{tag: tag, kids: dropLayoutSpace(tag, s.children(n))}
	if tag == "td" || tag == "th" {
		out.attrs = spanAttrs(n)
	}
	return []*onode{out}
}

// spanAttrs keeps colspan and rowspan when they are sensible numbers,
// rewritten in canonical form.
func spanAttrs(n *html.Node) []oattr {
	var out []oattr
	for _, key := range []string{"colspan", "rowspan"} {
		v, err := strconv.Atoi(strings.TrimSpace(attr(n, key)))
		if err == nil && v > 1 && v <= 1000 {
			out = append(out, oattr{key, strconv.Itoa(v)})
		}
	}
	return out
}

// attr returns the value of n's attribute key, or "".
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

// link keeps an anchor with an http, https or mailto target; any other
// target is dropped and its text kept.
func (s *sanitizer) link(n *html.Node) []*onode {
	kids := s.children(n)
	href := strings.TrimSpace(attr(n, "href"))
	if href == "" {
		return kids
	}
	u, err := url.Parse(href)
	if err != nil {
		s.note("removed unparseable link target")
		return kids
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme == "":
		return kids // in-document or relative: nothing to point at in Confluence
	case !linkSchemes[scheme]:
		s.note("removed %s: link target", scheme)
		return kids
	case scheme != "mailto" && u.Host == "", scheme == "mailto" && u.Opaque == "":
		return kids
	}
	u.Scheme = scheme
	return []*onode{{tag: "a", attrs: []oattr{{"href", u.String()}}, kids: kids}}
}

// image keeps an image that names an extracted attachment and removes
// every other one, external ones in particular: they are never fetched.
func (s *sanitizer) image(n *html.Node) []*onode {
	src := strings.TrimSpace(attr(n, "src"))
	u, err := url.Parse(src)
	switch {
	case src == "":
		return nil
	case err != nil:
		s.note("removed image with an unparseable source")
		return nil
	case strings.EqualFold(u.Scheme, "data"):
		s.note("removed inline (data:) image")
		return nil
	case u.Scheme != "" || u.Host != "":
		s.note("removed external image (not fetched): %s", shorten(src, 200))
		return nil
	}
	a, ok := s.images[strings.TrimPrefix(path.Clean(u.Path), "/")]
	if !ok {
		s.note("removed image without an attachment: %s", shorten(src, 200))
		return nil
	}
	s.used[a.Name] = a
	img := &onode{tag: "ac:image", kids: []*onode{{tag: "ri:attachment", attrs: []oattr{{"ri:filename", a.Name}}}}}
	if alt := strings.TrimSpace(attr(n, "alt")); alt != "" {
		img.attrs = []oattr{{"ac:alt", alt}}
	}
	return []*onode{img}
}

// shorten cuts s to at most max bytes for a note.
func shorten(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "..."
}
