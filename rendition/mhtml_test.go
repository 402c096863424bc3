package rendition

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

func doc(files map[string][]byte) Document {
	d := Document{
		PageID: "100001", Title: "Q3: <Policy>", SpaceKey: "POL", SpaceName: "Policies",
		AuthorID: "alice", URL: "http://wiki/pages/100001", Version: 3,
		VersionAt: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC), ApprovalSignal: `label "approved"`,
		ApprovedBy: "alice", ApprovedAt: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC),
		BodyHTML: "<h1>Policy</h1><p>Body</p>",
	}
	for _, name := range []string{"a.csv", "b.bin"} {
		data := files[name]
		d.Attachments = append(d.Attachments, Attachment{FileName: name, MediaType: "application/octet-stream", Size: int64(len(data)), Version: 1,
			Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }})
	}
	return d
}

func TestWriteIsValidDeterministicMHTML(t *testing.T) {
	files := map[string][]byte{"a.csv": []byte("id,years\n1,7\n"), "b.bin": bytes.Repeat([]byte{0, 1, 2, 250}, 5000)}
	var out1, out2 bytes.Buffer
	manifest, err := Write(&out1, doc(files))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Write(&out2, doc(files)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out1.Bytes(), out2.Bytes()) {
		t.Fatal("two renditions of the same page version differ")
	}
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(out1.Bytes())))
	hdr, err := tp.ReadMIMEHeader()
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(hdr.Get("Content-Type"))
	if err != nil || mt != MediaType {
		t.Fatalf("content type %q: %v", hdr.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(tp.R, params["boundary"])
	root, err := mr.NextRawPart()
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(root)
	for _, want := range []string{"Q3: &lt;Policy&gt;", "<h1>Policy</h1>", "Version</th><td>3 of 2026-11-01 09:00:00 UTC", "approved by alice", "a.csv"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("root part lacks %q", want)
		}
	}
	for i, name := range []string{"a.csv", "b.bin"} {
		part, err := mr.NextRawPart()
		if err != nil {
			t.Fatal(err)
		}
		if part.Header.Get("Content-Location") != name || part.Header.Get("Content-Transfer-Encoding") != "base64" {
			t.Fatalf("part header %v", part.Header)
		}
		data, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, part))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, files[name]) {
			t.Fatalf("%s: bytes differ", name)
		}
		sum := sha256.Sum256(files[name])
		if manifest[i].SHA256 != hex.EncodeToString(sum[:]) || manifest[i].Size != int64(len(files[name])) {
			t.Fatalf("manifest %+v", manifest[i])
		}
	}
	mpart, err := mr.NextRawPart()
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		PageID      string          `json:"pageId"`
		Attachments []ManifestEntry `json:"attachments"`
	}
	if err := json.NewDecoder(mpart).Decode(&m); err != nil || m.PageID != "100001" || len(m.Attachments) != 2 {
		t.Fatalf("manifest part %+v %v", m, err)
	}
	if _, err := mr.NextRawPart(); err != io.EOF {
		t.Fatalf("want end of archive, got %v", err)
	}
}

func TestWriteFailsOnShortAttachment(t *testing.T) {
	d := doc(map[string][]byte{"a.csv": []byte("x"), "b.bin": []byte("y")})
	d.Attachments[1].Size = 99
	if _, err := Write(io.Discard, d); err == nil || !strings.Contains(err.Error(), "b.bin") {
		t.Fatalf("got %v", err)
	}
}

// The MHTML record loads nothing from outside itself when opened: URLs
// of other sites that would load content are emptied and listed in the
// header, the page's own attachments keep their part URLs, and a content
// security policy stops the rest (CSS url() included).
func TestMHTMLKeepsNoLiveExternalContent(t *testing.T) {
	d := doc(map[string][]byte{"a.csv": []byte("x"), "b.bin": []byte("y")})
	d.URL = "https://wiki.example.com/wiki/spaces/POL/pages/100001"
	d.BodyHTML = `<p>Report</p><img src="https://tracker.example.net/pixel.gif?reader=1">` +
		`<img src="/wiki/download/attachments/100001/a.csv"><iframe src="https://video.example.org/embed"></iframe>` +
		`<div style="background:url('https://t.example.org/bg.png')"></div>`
	var out bytes.Buffer
	if _, err := Write(&out, d); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, bad := range []string{`src="https://tracker.example.net`, `src="https://video.example.org`} {
		if strings.Contains(got, bad) {
			t.Errorf("the record still loads %s", bad)
		}
	}
	for _, want := range []string{`src="/wiki/download/attachments/100001/a.csv"`, "<li>https://tracker.example.net/pixel.gif?reader=1</li>",
		"<li>https://t.example.org/bg.png</li>", `Content-Security-Policy" content="default-src 'none'; img-src cid: data: https://wiki.example.com;`} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s", want)
		}
	}
}
