package opentext

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"strings"
	"testing"
)

func TestPolicyTemplateDOCX(t *testing.T) {
	data := PolicyTemplateDOCX()
	if !bytes.Equal(data, PolicyTemplateDOCX()) {
		t.Fatal("PolicyTemplateDOCX differs between calls")
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string][]byte{}
	var names []string
	for _, f := range zr.File {
		if !f.Modified.Equal(docxTime) {
			t.Errorf("%s modified %v", f.Name, f.Modified)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts[f.Name] = b
		names = append(names, f.Name)
	}
	want := "[Content_Types].xml,_rels/.rels,word/document.xml,word/_rels/document.xml.rels,word/styles.xml,word/numbering.xml,word/media/image1.png"
	if got := strings.Join(names, ","); got != want {
		t.Errorf("parts %s", got)
	}
	// Every XML part parses; Word refuses a package with one that does not.
	for name, b := range parts {
		if strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".rels") {
			d := xml.NewDecoder(bytes.NewReader(b))
			for {
				_, err := d.Token()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
		}
	}
	doc := string(parts["word/document.xml"])
	for _, s := range []string{`w:val="Heading1"`, `w:val="Heading2"`, "<w:b/>", "<w:i/>", `<w:u w:val="single"/>`,
		`<w:numId w:val="1"/>`, `<w:numId w:val="2"/>`, "<w:tbl>", "<w:tblHeader/>", `<w:hyperlink r:id="rId4">`, `r:embed="rId3"`} {
		if !strings.Contains(doc, s) {
			t.Errorf("document.xml lacks %s", s)
		}
	}
	if n := strings.Count(doc, "<w:tr>"); n != 3 || strings.Count(doc, "<w:tc>") != 6 {
		t.Errorf("table rows %d, cells %d", n, strings.Count(doc, "<w:tc>"))
	}
	if !strings.Contains(string(parts["word/_rels/document.xml.rels"]), `Target="https://example.com/policy" TargetMode="External"`) {
		t.Error("hyperlink relationship missing")
	}
	img, err := png.Decode(bytes.NewReader(parts["word/media/image1.png"]))
	if err != nil || img.Bounds().Dx() != 8 || img.Bounds().Dy() != 8 {
		t.Errorf("image: %v", err)
	}
}
