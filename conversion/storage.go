package conversion

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// onode is one node of the storage-format tree the sanitiser builds; the
// tree is serialised only once it is complete, so every element written is
// one the sanitiser chose, with attributes in a fixed order.
type onode struct {
	tag   string // empty for text
	text  string
	attrs []oattr
	kids  []*onode
}

// oattr is one attribute; a slice of them keeps the written order fixed.
type oattr struct{ name, value string }

// emptyTags are written self-closed, as XHTML requires for void elements.
var emptyTags = map[string]bool{"br": true, "hr": true, "ri:attachment": true}

// blockTags may stand at the top level of a page body; anything else there
// is wrapped in a paragraph.
var blockTags = map[string]bool{
	"p": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"pre": true, "blockquote": true, "ul": true, "ol": true, "li": true, "table": true,
	"thead": true, "tbody": true, "tr": true, "th": true, "td": true, "hr": true,
}

// text makes a text node.
func text(s string) *onode { return &onode{text: s} }

// isSpace reports whether n is text made of white space only.
func (n *onode) isSpace() bool { return n.tag == "" && strings.TrimSpace(n.text) == "" }

// wrapTop puts runs of inline content at the top level into paragraphs
// and drops white space between blocks, so the body is a list of blocks
// (an unwrapped <div> or <figure> leaves loose text and images behind).
func wrapTop(nodes []*onode) []*onode {
	var out []*onode
	var run []*onode
	flush := func() {
		for len(run) > 0 && run[len(run)-1].isSpace() {
			run = run[:len(run)-1]
		}
		if len(run) > 0 {
			if first := run[0]; first.tag == "" {
				first.text = strings.TrimLeft(first.text, " \t\r\n")
			}
			if last := run[len(run)-1]; last.tag == "" {
				last.text = strings.TrimRight(last.text, " \t\r\n")
			}
			out = append(out, &onode{tag: "p", kids: run})
		}
		run = nil
	}
	for _, n := range nodes {
		switch {
		case blockTags[n.tag]:
			flush()
			out = append(out, n)
		case len(run) == 0 && n.isSpace():
			// leading white space of a run
		default:
			run = append(run, n)
		}
	}
	flush()
	return out
}

// dropLayoutSpace removes white-space text between the children of an
// element that holds blocks (or only holds elements, like a table row):
// there it is source formatting, not content.
func dropLayoutSpace(tag string, kids []*onode) []*onode {
	hasBlock := structural[tag]
	for _, k := range kids {
		hasBlock = hasBlock || blockTags[k.tag]
	}
	if !hasBlock {
		return kids
	}
	return slices.DeleteFunc(kids, (*onode).isSpace)
}

// render serialises nodes as storage-format XHTML.
func render(nodes []*onode) string {
	var b strings.Builder
	for _, n := range nodes {
		n.write(&b)
	}
	return b.String()
}

func (n *onode) write(b *strings.Builder) {
	if n.tag == "" {
		b.WriteString(escapeText(n.text))
		return
	}
	b.WriteByte('<')
	b.WriteString(n.tag)
	for _, a := range n.attrs {
		b.WriteByte(' ')
		b.WriteString(a.name)
		b.WriteString(`="`)
		b.WriteString(escapeAttr(a.value))
		b.WriteByte('"')
	}
	if emptyTags[n.tag] {
		b.WriteString(" />")
		return
	}
	b.WriteByte('>')
	for _, k := range n.kids {
		k.write(b)
	}
	b.WriteString("</")
	b.WriteString(n.tag)
	b.WriteByte('>')
}

var (
	textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;",
		"\t", "&#9;", "\n", "&#10;", "\r", "&#13;")
)

// escapeText escapes character data after dropping what XML 1.0 forbids.
func escapeText(s string) string { return textEscaper.Replace(xmlChars(s)) }

// escapeAttr escapes an attribute value; white space other than the space
// is escaped too, so XML attribute normalisation keeps it.
func escapeAttr(s string) string { return attrEscaper.Replace(xmlChars(s)) }

// xmlChars replaces invalid UTF-8 and drops the characters XML 1.0 does
// not allow (most C0 controls, surrogates, U+FFFE/U+FFFF), which would
// make the body unparseable for Confluence.
func xmlChars(s string) string {
	s = strings.ToValidUTF8(s, string(utf8.RuneError))
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
			return -1
		}
		return r
	}, s)
}
