package conversion

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// The DOCX is the one the OTCS simulator seeds, built by code, so the test
// knows exactly what the document contains.
func TestDOCXPolicyTemplate(t *testing.T) {
	requirePandoc(t)
	res := mustConvert(t, "Policy Template.docx", MediaTypeDOCX, opentext.PolicyTemplateDOCX())
	wellFormed(t, res.Storage)
	for _, want := range []string{
		"<h1>Policy template</h1>",
		"<strong>mandatory</strong>", "<em>recommended</em>", "<u>accountable</u>",
		"<h2>Approval steps</h2>",
		"<ol><li><p>Draft the policy</p></li><li><p>Review with the owner</p></li><li><p>Publish the approved version</p></li></ol>",
		"<ul><li><p>All employees</p></li><li><p>Contractors</p></li></ul>",
		"<thead><tr><th>Role</th><th>Responsibility</th></tr></thead>",
		"<td>Approver</td><td>Signs off each major version</td>",
		`<a href="https://example.com/policy">policy portal</a>`,
		`<ac:image ac:alt="Policy logo"><ri:attachment ri:filename="image1.png" /></ac:image>`,
	} {
		if !strings.Contains(res.Storage, want) {
			t.Errorf("storage lacks %s", want)
		}
	}
	if res.Kind != KindDOCX || len(res.Attachments) != 1 || len(res.Notes) != 0 {
		t.Fatalf("kind %q, attachments %d, notes %q", res.Kind, len(res.Attachments), res.Notes)
	}
	a := res.Attachments[0]
	img, err := png.Decode(bytes.NewReader(a.Data))
	if err != nil || a.Name != "image1.png" || a.MediaType != "image/png" || img.Bounds().Dx() != 8 {
		t.Errorf("attachment %s %s: %v", a.Name, a.MediaType, err)
	}
	golden(t, "policy-template.golden", dump(res))
}

func TestMarkdownSOP(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "sop.md"))
	if err != nil {
		t.Fatal(err)
	}
	res := mustConvert(t, "SOP Template.md", "text/markdown; charset=utf-8", src)
	wellFormed(t, res.Storage)
	for _, want := range []string{
		"<h1>SOP Template</h1>", "<ol><li>Open a ticket", "<s>verbal</s>",
		"<table><thead><tr><th>Role</th>", "<td>Runs <code>backup --full</code></td>",
		"<ul><li>Incident reports</li>", "<br />", `<a href="mailto:quality@example.com">`,
	} {
		if !strings.Contains(res.Storage, want) {
			t.Errorf("storage lacks %s", want)
		}
	}
	if res.Kind != KindMarkdown || len(res.Attachments) != 0 || len(res.Notes) != 0 {
		t.Errorf("kind %q, attachments %d, notes %q", res.Kind, len(res.Attachments), res.Notes)
	}
	golden(t, "sop.golden", dump(res))
}

func TestHTMLUnsafeContentRemoved(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "unsafe.html"))
	if err != nil {
		t.Fatal(err)
	}
	res := mustConvert(t, "checklist.htm", "", src)
	wellFormed(t, res.Storage)
	for _, gone := range []string{"script", "alert", "onclick", "onload", "javascript", "iframe", "tracker", "evil", "style",
		"class", "id=", "password", "data:", "fallback text", "movie", "Send", "vector", "Onboarding checklist</title>", "\x01"} {
		if strings.Contains(res.Storage, gone) {
			t.Errorf("storage still contains %q", gone)
		}
	}
	for _, kept := range []string{
		"<h1>Onboarding <em>checklist</em></h1>", "<strong>new colleague</strong>", "house rules",
		`<a href="https://example.com/handbook?a=1&amp;b=2">handbook</a>`, `<a href="mailto:hr@example.com">HR</a>`,
		`<th colspan="2">Week one</th><th>Note</th>`, `<td rowspan="2">Setup</td>`, "<sup>1</sup>", "<sub>2</sub>",
		"<u>tested</u>", "<s>lost</s>", "<pre><code>ssh user@host &lt;key&gt;</code></pre>",
		"<blockquote>Quote<br />second line</blockquote>", "<hr />", "<p>Loose text at the end with a control character:.</p>",
	} {
		if !strings.Contains(res.Storage, kept) {
			t.Errorf("storage lacks %s", kept)
		}
	}
	notes := strings.Join(res.Notes, "\n")
	for _, want := range []string{"<script>", "<style>", "<iframe>", "<object>", "<form>", "onclick", "onload", "onmouseover",
		"javascript: link target", "external image (not fetched): https://tracker.example.net/pixel.png", "data:", "logo.png"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if len(res.Attachments) != 0 {
		t.Errorf("attachments: %d", len(res.Attachments))
	}
	golden(t, "unsafe-html.golden", dump(res))
}

// The same bytes must give the same result, byte for byte, so a re-run of
// a workflow does not see a changed page.
func TestDeterministic(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, in := range []struct {
		name, mime string
		data       func() []byte
	}{
		{"unsafe.html", "text/html", func() []byte { return read("unsafe.html") }},
		{"sop.md", "", func() []byte { return read("sop.md") }},
		{"Policy Template.docx", MediaTypeDOCX, opentext.PolicyTemplateDOCX},
	} {
		t.Run(in.name, func(t *testing.T) {
			if in.mime == MediaTypeDOCX {
				requirePandoc(t)
			}
			first := dump(mustConvert(t, in.name, in.mime, in.data()))
			for range 2 {
				if again := dump(mustConvert(t, in.name, in.mime, in.data())); again != first {
					t.Fatalf("conversion differs between runs:\n%s\n---\n%s", first, again)
				}
			}
		})
	}
}

func TestAttachedKinds(t *testing.T) {
	pdf := []byte("%PDF-1.4\n%%EOF\n")
	res := mustConvert(t, `dir/Compliance "Checklist" & more.pdf`, "application/pdf", pdf)
	want := `<ac:structured-macro ac:name="view-file" ac:schema-version="1"><ac:parameter ac:name="name">` +
		`<ri:attachment ri:filename="Compliance &quot;Checklist&quot; &amp; more.pdf" /></ac:parameter></ac:structured-macro>`
	if res.Kind != KindAttached || res.Storage != want {
		t.Errorf("storage = %s", res.Storage)
	}
	if len(res.Attachments) != 1 || res.Attachments[0].Name != `Compliance "Checklist" & more.pdf` ||
		res.Attachments[0].MediaType != "application/pdf" || !bytes.Equal(res.Attachments[0].Data, pdf) {
		t.Errorf("attachments = %+v", res.Attachments)
	}
	wellFormed(t, res.Storage)
	// No MIME type: the extension, then sniffing, name the type.
	if res := mustConvert(t, "budget.xlsx", "", []byte("PK\x03\x04")); res.Attachments[0].MediaType != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("xlsx type %q", res.Attachments[0].MediaType)
	}
}

func TestKindOf(t *testing.T) {
	for _, tc := range []struct{ name, mime, want string }{
		{"a.docx", MediaTypeDOCX, KindDOCX},
		{"a.bin", MediaTypeDOCX, KindDOCX},
		{"a.DOCX", "application/octet-stream", KindDOCX},
		{"a.docx", "application/zip", KindDOCX},
		{"a.html", "", KindHTML},
		{"a.HTM", "text/plain", KindHTML},
		{"a.txt", "text/html; charset=utf-8", KindHTML},
		{"a.md", "", KindMarkdown},
		{"a.md", "text/x-markdown", KindMarkdown},
		{"a", "text/markdown", KindMarkdown},
		{"a.docx", "application/pdf", KindAttached}, // a specific type wins over the extension
		{"a.pdf", "", KindAttached},
		{"a.txt", "text/plain", KindAttached},
		{"a.md", "not a mime type;;", KindMarkdown},
	} {
		if got := kindOf(tc.name, tc.mime); got != tc.want {
			t.Errorf("kindOf(%q, %q) = %q, want %q", tc.name, tc.mime, got, tc.want)
		}
	}
}
