package conversion

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// svgElements are the SVG elements an image keeps: shapes, text, paint
// servers and structure. Scripts, foreign HTML, links, animations, images
// that load other files and style sheets (which can load URLs) go, with
// everything inside them.
var svgElements = map[string]bool{
	"svg": true, "g": true, "defs": true, "symbol": true, "use": true, "title": true, "desc": true,
	"path": true, "rect": true, "circle": true, "ellipse": true, "line": true, "polyline": true, "polygon": true,
	"text": true, "tspan": true, "textPath": true,
	"linearGradient": true, "radialGradient": true, "stop": true, "pattern": true, "clipPath": true, "mask": true,
	"marker": true, "filter": true, "feGaussianBlur": true, "feOffset": true, "feBlend": true, "feColorMatrix": true,
	"feMerge": true, "feMergeNode": true, "feFlood": true, "feComposite": true,
}

// svgPlaceholder replaces an SVG that cannot be read as XML.
const svgPlaceholder = `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="40"><text x="8" y="24">Image removed: not a valid SVG file</text></svg>`

// sanitizeSVG keeps only the drawing of an SVG image: no script, no event
// handler, no link or reference outside the file, no style sheet. An
// embedded SVG is served by Confluence as an attachment that a browser
// opens as a document of the site, so its scripts would run as the
// reader. A file that is not well-formed XML becomes a placeholder.
func sanitizeSVG(data []byte) []byte {
	out, err := cleanSVG(data)
	if err != nil {
		return []byte(svgPlaceholder)
	}
	return out
}

// The namespaces an SVG image is written in.
const (
	svgNS   = "http://www.w3.org/2000/svg"
	xlinkNS = "http://www.w3.org/1999/xlink"
	xmlNS   = "http://www.w3.org/XML/1998/namespace"
)

func cleanSVG(data []byte) ([]byte, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.Entity = map[string]string{} // no entities beyond XML's own
	var buf bytes.Buffer
	skip := 0 // depth inside a dropped element
	root := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			inSVG := t.Name.Space == svgNS || t.Name.Space == ""
			if skip > 0 || !inSVG || !svgElements[t.Name.Local] {
				skip++
				continue
			}
			if !root && t.Name.Local != "svg" {
				return nil, errors.New("not an SVG document")
			}
			buf.WriteString("<" + t.Name.Local)
			if !root {
				buf.WriteString(` xmlns="` + svgNS + `" xmlns:xlink="` + xlinkNS + `"`)
			}
			root = true
			for _, a := range safeSVGAttrs(t.Attr) {
				name, ok := svgAttrName(a.Name)
				if !ok {
					continue
				}
				buf.WriteString(" " + name + `="`)
				if err := xml.EscapeText(&buf, []byte(a.Value)); err != nil {
					return nil, err
				}
				buf.WriteString(`"`)
			}
			buf.WriteString(">")
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			buf.WriteString("</" + t.Name.Local + ">")
		case xml.CharData:
			if skip == 0 && root {
				if err := xml.EscapeText(&buf, t); err != nil {
					return nil, err
				}
			}
		}
		// Comments, processing instructions and DOCTYPEs (which can declare
		// entities) are dropped.
	}
	if !root {
		return nil, errors.New("no svg element")
	}
	return buf.Bytes(), nil
}

// svgAttrName writes an attribute's name with the prefixes the root
// declares; namespace declarations (written once, on the root) and
// attributes of other namespaces (editors' metadata) are left out.
func svgAttrName(n xml.Name) (string, bool) {
	switch {
	case n.Space == "" && n.Local != "xmlns":
		return n.Local, true
	case n.Space == xlinkNS:
		return "xlink:" + n.Local, true
	case n.Space == xmlNS:
		return "xml:" + n.Local, true
	}
	return "", false
}

// safeSVGAttrs drops event handlers, references to anything outside the
// file (href other than "#id"), and style or presentation values that load
// a URL other than a fragment.
func safeSVGAttrs(attrs []xml.Attr) []xml.Attr {
	var out []xml.Attr
	for _, a := range attrs {
		name := strings.ToLower(a.Name.Local)
		val := strings.TrimSpace(a.Value)
		switch {
		case strings.HasPrefix(name, "on"):
			continue
		case name == "href" || name == "src":
			if !strings.HasPrefix(val, "#") {
				continue
			}
		case strings.Contains(strings.ToLower(val), "url(") && !fragmentURLsOnly(val):
			continue
		case strings.Contains(strings.ToLower(val), "javascript:"):
			continue
		}
		out = append(out, a)
	}
	return out
}

// fragmentURLsOnly reports whether every url(...) in a value names a
// fragment of this file (url(#grad)).
func fragmentURLsOnly(v string) bool {
	lower := strings.ToLower(v)
	for {
		i := strings.Index(lower, "url(")
		if i < 0 {
			return true
		}
		rest := strings.TrimLeft(lower[i+4:], " \t'\"")
		if !strings.HasPrefix(rest, "#") {
			return false
		}
		lower = rest
	}
}
