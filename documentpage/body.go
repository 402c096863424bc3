package documentpage

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// A storage body is XHTML with the ac: and ri: prefixes undeclared and
// HTML entities; it is parsed leniently. wrapOpen gives it one root.
const (
	wrapOpen  = "<root>"
	wrapClose = "</root>"
)

// voidElements are closed without an end tag if a body has them bare.
// xml.HTMLAutoClose would also close ac:link (its local name is "link").
var voidElements = []string{"br", "hr", "img", "col", "input", "meta", "area", "base", "wbr", "source", "track", "embed"}

// span is a byte range of a storage body.
type span struct{ start, end int }

// decoder returns a lenient decoder over the wrapped body.
func decoder(body string) *xml.Decoder {
	d := xml.NewDecoder(strings.NewReader(wrapOpen + body + wrapClose))
	d.Strict = false
	d.AutoClose = voidElements
	d.Entity = xml.HTMLEntity
	return d
}

// findPanel returns where the bridge's panel is in body: the top-level
// excerpt macro whose name parameter is PanelName.
func findPanel(body string) (span, bool) { return findNamed(body, PanelName) }

// findNamed returns where the top-level excerpt macro named name is.
func findNamed(body, name string) (span, bool) {
	d := decoder(body)
	depth := 0
	var cand *span // a top-level excerpt macro being read
	candDepth := 0
	inName := false
	var nameText strings.Builder
	named := false
	for {
		before := int(d.InputOffset())
		tok, err := d.Token()
		if err != nil {
			return span{}, false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 && t.Name.Space == "ac" && t.Name.Local == "structured-macro" && attr(t, "name") == "excerpt" {
				cand, candDepth, named = &span{start: before - len(wrapOpen)}, depth, false
			}
			if cand != nil && depth == candDepth+1 && t.Name.Space == "ac" && t.Name.Local == "parameter" && attr(t, "name") == "name" {
				inName = true
				nameText.Reset()
			}
		case xml.CharData:
			if inName {
				nameText.Write(t)
			}
		case xml.EndElement:
			if inName && t.Name.Local == "parameter" {
				inName = false
				named = named || strings.TrimSpace(nameText.String()) == name
			}
			if cand != nil && depth == candDepth {
				if named {
					cand.end = int(d.InputOffset()) - len(wrapOpen)
					return *cand, true
				}
				cand = nil
			}
			depth--
			if depth == 0 {
				return span{}, false
			}
		}
	}
}

func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// PanelOf returns the panel as it is stored in body, and whether there is one.
func PanelOf(body string) (string, bool) {
	sp, ok := findPanel(body)
	if !ok {
		return "", false
	}
	return body[sp.start:sp.end], true
}

// MergeNamed is Merge for another bridge-owned excerpt macro, e.g. the
// header of a template's controlled copy.
func MergeNamed(body, panel, name string) string {
	sp, ok := findNamed(body, name)
	if !ok {
		return panel + body
	}
	return body[:sp.start] + panel + body[sp.end:]
}

// WithoutNamed returns body without the top-level excerpt macro named name.
func WithoutNamed(body, name string) string {
	if sp, ok := findNamed(body, name); ok {
		return body[:sp.start] + body[sp.end:]
	}
	return body
}

// Merge puts panel into body in place of the panel there, leaving every
// byte outside the panel as it was; a body without a panel gets it in
// front. This is how the bridge updates a page that people also edit.
func Merge(body, panel string) string { return MergeNamed(body, panel, PanelName) }

// HumanText returns the visible text outside the panel, trimmed: the
// human-owned area (summary, FAQ, how-to). Empty means there is none.
func HumanText(body string) string {
	if sp, ok := findPanel(body); ok {
		body = body[:sp.start] + body[sp.end:]
	}
	d := decoder(body)
	var b bytes.Buffer
	skip := 0 // inside macro parameters, which are configuration
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) || err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space == "ac" && t.Name.Local == "parameter" {
				skip++
			}
		case xml.EndElement:
			if t.Name.Space == "ac" && t.Name.Local == "parameter" {
				skip--
			}
		case xml.CharData:
			if skip == 0 {
				b.Write(t)
				b.WriteByte(' ')
			}
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// Fingerprint is what a panel says, independent of how Confluence may
// re-serialise it (attribute order, macro ids, self-closing tags): its
// text, its macro parameter values and its link targets. Two panels with
// the same fingerprint show the same thing.
func Fingerprint(panel string) string {
	d := decoder(panel)
	var b strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			for _, a := range t.Attr {
				switch a.Name.Local {
				case "href", "content-title", "space-key", "filename", "value", "account-id":
					b.WriteString("|" + a.Name.Local + "=" + a.Value)
				}
			}
		case xml.CharData:
			if s := strings.Join(strings.Fields(string(t)), " "); s != "" {
				b.WriteString("|" + s)
			}
		}
	}
	return b.String()
}
