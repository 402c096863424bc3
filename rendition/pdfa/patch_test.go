package pdfa

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFinishFile: placeholders are replaced in place by the UTF-16 Info
// string and the escaped XMP text, and the /ID by a digest of the content;
// the file keeps its length, and the same input gives the same output,
// whichever string form Ghostscript chose for its random /ID.
func TestFinishFile(t *testing.T) {
	job := &Job{Title: "تقرير <Q3> & \"more\"\n\x01", Author: "A", Keywords: strings.Repeat("&", 60)}
	fields := docFields(job)
	if len(fields) != 3 {
		t.Fatalf("fields %v", fields)
	}
	var b strings.Builder
	b.WriteString("%PDF-1.7\n1 0 obj\n<<")
	for _, f := range fields {
		b.WriteString("/" + f.key + "(" + f.token + ")\n")
	}
	b.WriteString(">>\nendobj\n2 0 obj\n<<>>stream\n<x:xmpmeta>")
	for _, f := range fields {
		b.WriteString("<rdf:li xml:lang='x-default'>" + f.token + "</rdf:li>\n")
	}
	b.WriteString("</x:xmpmeta>\nendstream\nendobj\ntrailer\n<< /Size 3 /Root 1 0 R\n/ID [<0123456789ABCDEF0123456789ABCDEF><0123456789ABCDEF0123456789ABCDEF>]\n>>\n%%EOF\n")
	in := []byte(b.String())

	const hexID = "<0123456789ABCDEF0123456789ABCDEF>"
	run := func(id string) []byte {
		p := filepath.Join(t.TempDir(), "f.pdf")
		os.WriteFile(p, bytes.ReplaceAll(in, []byte(hexID), []byte(id)), 0o644)
		if err := finishFile(p, fields); err != nil {
			t.Fatal(err)
		}
		out, _ := os.ReadFile(p)
		return out
	}
	a := run(hexID)
	if len(a) != len(in) {
		t.Fatalf("length %d, was %d", len(a), len(in))
	}
	for _, id := range []string{
		"<FEDCBA9876543210FEDCBA9876543210>", // Ghostscript's random /ID
		"<fedcba9876543210fedcba9876543210>",
		`(a\)b\\c(d)e]f\223g>h<i\n\r)`, // the literal form, for mostly printable bytes
		"(0123456789abcdef)",
	} {
		if c := run(id); !bytes.Equal(a, c) {
			t.Errorf("/ID %s gave different output:\n%s", id, c)
		}
	}
	s := string(a)
	for _, want := range []string{
		"/Title" + infoHex("تقرير <Q3> & \"more\""),
		"/Author<FEFF0041>",
		"<rdf:li xml:lang='x-default'>تقرير &lt;Q3&gt; &amp; \"more\"</rdf:li>",
		"<rdf:li xml:lang='x-default'>A</rdf:li>",
		"<rdf:li xml:lang='x-default'>" + strings.Repeat("&amp;", 60) + "</rdf:li>",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "XECMPDFA") || strings.Contains(s, "0123456789ABCDEF") {
		t.Errorf("placeholder or old /ID left:\n%s", s)
	}

	// A placeholder that Ghostscript dropped is an error, not a silent loss.
	p := filepath.Join(t.TempDir(), "g.pdf")
	os.WriteFile(p, bytes.Replace(in, []byte(fields[0].token), []byte(strings.Repeat("x", len(fields[0].token))), 1), 0o644)
	if err := finishFile(p, fields); err == nil {
		t.Error("a missing placeholder was not reported")
	}

	// A trailer that is not what PDF allows is an error, the file unchanged.
	for _, id := range []string{"(unterminated", "<0123>", "<0123><4567", "<0123><4567>(89)", "[<0123><4567>]"} {
		p := filepath.Join(t.TempDir(), "h.pdf")
		bad := bytes.ReplaceAll(bytes.ReplaceAll(in, []byte(fields[0].token), nil), []byte("["+hexID+hexID+"]"), []byte("["+id+"]"))
		os.WriteFile(p, bad, 0o644)
		if err := patchIDOf(p); err == nil {
			t.Errorf("trailer /ID [%s] was accepted", id)
		}
		if after, _ := os.ReadFile(p); !bytes.Equal(after, bad) {
			t.Errorf("trailer /ID [%s]: the refused file was changed", id)
		}
	}
}

func patchIDOf(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return patchID(f)
}

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"  a\tb\nc\r\x00\x7f\u0085\ufffe ": "a b c",
		"bad \xff utf8":                    "bad \ufffd utf8",
		"שלום":                             "שלום",
	} {
		if got := cleanText(in, 100); got != want {
			t.Errorf("cleanText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := cleanText(strings.Repeat("ж", 10), 3); got != "жжж" {
		t.Errorf("truncation: %q", got)
	}
}

// TestDocInfoPS: every value reaches PostScript as a hex string, so no name
// or path can break out of its string.
func TestDocInfoPS(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "a (b) \\ c.txt")
	os.WriteFile(f, []byte("hello"), 0o644)
	job := &Job{Date: testDate, Embed: []EmbeddedFile{{Name: "x) /Evil (", MediaType: "text/plain; charset=utf-8", Path: f}}}
	ps, err := docInfoPS(job, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"Evil", "(b)", "charset"} {
		if strings.Contains(ps, bad) {
			t.Errorf("%q appears unescaped:\n%s", bad, ps)
		}
	}
	for _, want := range []string{"/AFRelationship /Data", "/Size 5", "/ModDate (D:20240506070809+00'00')", psHex([]byte("text/plain")) + " cvn", "[{Catalog} << /AF [ {pdfa_fs0} ] >> /PUT pdfmark"} {
		if !strings.Contains(ps, want) {
			t.Errorf("lacks %q:\n%s", want, ps)
		}
	}
}

func TestInspectRejectsNonPDF(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.pdf")
	os.WriteFile(p, []byte("not a pdf"), 0o644)
	if _, err := Inspect(p); err == nil {
		t.Error("Inspect accepted a non-PDF")
	}
}
