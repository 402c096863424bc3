package pdfa

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Info is what Inspect found in a PDF/A file.
type Info struct {
	Pages       int
	Part        int    // pdfaid:part of the XMP metadata
	Conformance string // pdfaid:conformance, e.g. "B"
	Title       string // from the Info dictionary (equal to the XMP's, checked)
	Author      string
	Subject     string
	Keywords    string
	Producer    string
	Embedded    []string // file names (/UF, else /F) of the embedded files, in name-tree order
	Fonts       []string // BaseFont names of the fonts, subset prefix removed, sorted, unique; Type 3 fonts have none (Chromium writes CFF fonts such as Noto CJK as Type 3 glyph procedures)
}

// Inspect opens path with pdfcpu, validates it (relaxed mode) and checks the
// PDF/A essentials that a structural check can see: XMP metadata that
// declares pdfaid:part and pdfaid:conformance and agrees with the Info
// dictionary, an OutputIntent with an ICC profile, every font embedded, and
// for embedded files the PDF/A-3 associated-file structure (/AF in the
// catalog, /AFRelationship, a MIME /Subtype and /Params /ModDate). It is not
// a full ISO 19005 validator such as veraPDF.
func Inspect(path string) (*Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ctx, err := api.ReadContext(f, pdfcpuConfig())
	if err != nil {
		return nil, fmt.Errorf("pdfa: %s: not a readable PDF: %w", path, err)
	}
	if err := api.ValidateContext(ctx); err != nil {
		return nil, fmt.Errorf("pdfa: %s: not a valid PDF: %w", path, err)
	}
	x := ctx.XRefTable
	info := &Info{Pages: x.PageCount, Title: x.Title, Author: x.Author, Subject: x.Subject, Keywords: x.Keywords, Producer: x.Producer}

	cat, err := x.Catalog()
	if err != nil {
		return nil, fmt.Errorf("pdfa: %s: %w", path, err)
	}
	if err := checkXMP(x, cat, info); err != nil {
		return nil, fmt.Errorf("pdfa: %s: %w", path, err)
	}
	if err := checkOutputIntent(x, cat); err != nil {
		return nil, fmt.Errorf("pdfa: %s: %w", path, err)
	}
	if info.Fonts, err = checkFonts(x); err != nil {
		return nil, fmt.Errorf("pdfa: %s: %w", path, err)
	}
	if info.Embedded, err = checkEmbedded(ctx, cat, info.Part); err != nil {
		return nil, fmt.Errorf("pdfa: %s: %w", path, err)
	}
	return info, nil
}

// pdfcpuConfig is pdfcpu's default configuration for reading, built here
// rather than with model.NewDefaultConfiguration, which would create a
// configuration directory under the user's home.
func pdfcpuConfig() *model.Configuration {
	return &model.Configuration{
		Version:                   model.VersionStr,
		Reader15:                  true,
		ValidationMode:            model.ValidationRelaxed,
		UnsupportedResourcePolicy: model.UnsupportedResourceSkip,
		Eol:                       types.EolLF,
		Offline:                   true,
		Timeout:                   5,
		Limits:                    model.DefaultResourceLimits(),
	}
}

const (
	nsPDFAID = "http://www.aiim.org/pdfa/ns/id/"
	nsDC     = "http://purl.org/dc/elements/1.1/"
	nsRDF    = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
)

// checkXMP reads pdfaid:part and pdfaid:conformance (attribute or element
// form) and dc:title from the catalog's metadata stream.
func checkXMP(x *model.XRefTable, cat types.Dict, info *Info) error {
	o, ok := cat.Find("Metadata")
	if !ok {
		return errors.New("no XMP metadata in the catalog")
	}
	sd, _, err := x.DereferenceStreamDict(o)
	if err != nil || sd == nil {
		return fmt.Errorf("XMP metadata stream: %v", err)
	}
	if err := sd.Decode(); err != nil {
		return fmt.Errorf("XMP metadata stream: %w", err)
	}
	var part, conf, title string
	var inTitle bool
	var text strings.Builder
	var path []xml.Name
	dec := xml.NewDecoder(bytes.NewReader(sd.Content))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("XMP metadata: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			path = append(path, t.Name)
			for _, a := range t.Attr {
				if a.Name.Space == nsPDFAID && a.Name.Local == "part" {
					part = a.Value
				}
				if a.Name.Space == nsPDFAID && a.Name.Local == "conformance" {
					conf = a.Value
				}
			}
			text.Reset()
			inTitle = len(path) >= 3 && path[len(path)-3] == xml.Name{Space: nsDC, Local: "title"} &&
				t.Name == xml.Name{Space: nsRDF, Local: "li"}
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			switch {
			case t.Name.Space == nsPDFAID && t.Name.Local == "part":
				part = strings.TrimSpace(text.String())
			case t.Name.Space == nsPDFAID && t.Name.Local == "conformance":
				conf = strings.TrimSpace(text.String())
			case inTitle && title == "":
				title = text.String()
			}
			inTitle = false
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
		}
	}
	if part == "" || conf == "" {
		return errors.New("the XMP metadata declares no PDF/A conformance (pdfaid:part, pdfaid:conformance)")
	}
	n, err := strconv.Atoi(part)
	if err != nil || n < 1 || n > 4 {
		return fmt.Errorf("XMP metadata: pdfaid:part %q", part)
	}
	info.Part, info.Conformance = n, strings.ToUpper(conf)
	if info.Title != "" && title != info.Title {
		return fmt.Errorf("XMP dc:title %q differs from the Info title %q", title, info.Title)
	}
	return nil
}

func checkOutputIntent(x *model.XRefTable, cat types.Dict) error {
	o, ok := cat.Find("OutputIntents")
	if !ok {
		return errors.New("no OutputIntents in the catalog")
	}
	arr, err := x.DereferenceArray(o)
	if err != nil {
		return fmt.Errorf("OutputIntents: %w", err)
	}
	for _, e := range arr {
		d, err := x.DereferenceDict(e)
		if err != nil || d == nil {
			continue
		}
		if s := d.NameEntry("S"); s != nil && *s == "GTS_PDFA1" {
			if _, ok := d.Find("DestOutputProfile"); ok {
				return nil
			}
		}
	}
	return errors.New("no GTS_PDFA1 OutputIntent with a DestOutputProfile")
}

// checkFonts requires every font program to be embedded and returns the
// font names.
func checkFonts(x *model.XRefTable) ([]string, error) {
	names := map[string]bool{}
	var missing []string
	nums := make([]int, 0, len(x.Table))
	for n := range x.Table {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		e := x.Table[n]
		if e == nil || e.Free || e.Object == nil {
			continue
		}
		d, ok := e.Object.(types.Dict)
		if !ok {
			continue
		}
		switch t := d.NameEntry("Type"); {
		case t != nil && *t == "FontDescriptor":
			name := baseName(d.NameEntry("FontName"))
			_, f1 := d.Find("FontFile")
			_, f2 := d.Find("FontFile2")
			_, f3 := d.Find("FontFile3")
			if !f1 && !f2 && !f3 {
				missing = append(missing, name)
			}
		case t != nil && *t == "Font":
			sub := d.NameEntry("Subtype")
			if sub == nil || *sub == "Type0" || *sub == "Type3" {
				if sub != nil && *sub == "Type0" {
					names[baseName(d.NameEntry("BaseFont"))] = true
				}
				continue
			}
			name := baseName(d.NameEntry("BaseFont"))
			names[name] = true
			if _, ok := d.Find("FontDescriptor"); !ok {
				missing = append(missing, name)
			}
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("fonts not embedded: %s", strings.Join(missing, ", "))
	}
	out := make([]string, 0, len(names))
	for n := range names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

// baseName strips the subset prefix ("ABCDEF+") of a font name.
func baseName(n *string) string {
	if n == nil {
		return "?"
	}
	s := *n
	if i := strings.IndexByte(s, '+'); i == 6 {
		s = s[i+1:]
	}
	return s
}

// checkEmbedded lists the embedded files and, for PDF/A-3, checks that each
// is an associated file.
func checkEmbedded(ctx *model.Context, cat types.Dict, part int) ([]string, error) {
	x := ctx.XRefTable
	if err := x.LocateNameTree("EmbeddedFiles", false); err != nil {
		return nil, fmt.Errorf("EmbeddedFiles: %w", err)
	}
	tree := x.Names["EmbeddedFiles"]
	if tree == nil {
		return nil, nil
	}
	af := map[int]bool{}
	if o, ok := cat.Find("AF"); ok {
		arr, err := x.DereferenceArray(o)
		if err != nil {
			return nil, fmt.Errorf("catalog /AF: %w", err)
		}
		for _, e := range arr {
			if ir, ok := e.(types.IndirectRef); ok {
				af[ir.ObjectNumber.Value()] = true
			}
		}
	}
	var names []string
	err := tree.Process(x, func(x *model.XRefTable, id string, o *types.Object) error {
		d, err := x.DereferenceDict(*o)
		if err != nil || d == nil {
			return fmt.Errorf("embedded file %q: no file specification", id)
		}
		name := id
		for _, k := range []string{"UF", "F"} {
			if v, ok := d.Find(k); ok {
				if s, err := x.DereferenceText(v); err == nil && s != "" {
					name = s
					break
				}
			}
		}
		names = append(names, name)
		if part < 3 {
			return nil
		}
		if ir, ok := (*o).(types.IndirectRef); !ok || !af[ir.ObjectNumber.Value()] {
			return fmt.Errorf("embedded file %q is not listed in the catalog's /AF", name)
		}
		if r := d.NameEntry("AFRelationship"); r == nil {
			return fmt.Errorf("embedded file %q has no /AFRelationship", name)
		}
		if _, ok := d.Find("UF"); !ok {
			return fmt.Errorf("embedded file %q has no /UF", name)
		}
		ef := d.DictEntry("EF")
		if ef == nil {
			return fmt.Errorf("embedded file %q has no /EF", name)
		}
		so, ok := ef.Find("F")
		if !ok {
			return fmt.Errorf("embedded file %q has no /EF /F stream", name)
		}
		sd, _, err := x.DereferenceStreamDict(so)
		if err != nil || sd == nil {
			return fmt.Errorf("embedded file %q: stream: %v", name, err)
		}
		if sd.NameEntry("Subtype") == nil {
			return fmt.Errorf("embedded file %q has no MIME /Subtype", name)
		}
		params := sd.DictEntry("Params")
		if params == nil {
			return fmt.Errorf("embedded file %q has no /Params", name)
		}
		if _, ok := params.Find("ModDate"); !ok {
			return fmt.Errorf("embedded file %q has no /Params /ModDate", name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return names, nil
}
