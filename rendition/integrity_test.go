package rendition

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// forgedName is an attachment name that, written into a header unescaped,
// ends the part's header and starts a forged HTML body.
const forgedName = "report.pdf\r\nContent-Type: text/html\r\n\r\n<forged>"

// legacyBoundary is the boundary the bridge used to write: a function of
// page id and version only, so anyone who can read the page can compute it.
func legacyBoundary(pageID string, version int) string {
	sum := sha256.Sum256([]byte(pageID + ":" + strconv.Itoa(version)))
	return "xecm-bridge-" + hex.EncodeToString(sum[:12])
}

type file struct {
	name, mediaType string
	data            []byte
}

func hostileDoc(files []file) Document {
	d := Document{
		PageID: "100001", Title: "Q3\r\nBcc: evil@example.com\r\n\r\n--fake Prüfung", SpaceKey: "POL", SpaceName: "Policies",
		AuthorID: "mallory", URL: "http://wiki/pages/100001?x=1\r\nContent-Type: text/plain\r\n\r\n<forged url>",
		Version: 3, VersionAt: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC), ApprovalSignal: `label "approved"`,
		ApprovedBy: "alice", ApprovedAt: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC),
	}
	legacy := legacyBoundary(d.PageID, d.Version)
	// A body that tries every way of closing the root part: the boundary the
	// bridge used to write (computable from page id and version), a forged
	// manifest part, bare "--" lines and a close delimiter, with CRLF and LF.
	d.BodyHTML = "<p>before</p>\r\n--\r\n--" + legacy + "\r\nContent-Type: application/json\r\nContent-Location: " + ManifestLocation +
		"\r\n\r\n{\"attachments\":[]}\r\n--" + legacy + "--\r\n\n--" + legacy + "\nContent-Type: text/html\n\n<forged>\n-- \n--xecm-bridge-\n<p>after</p>"
	for _, f := range files {
		data := f.data
		d.Attachments = append(d.Attachments, Attachment{FileName: f.name, MediaType: f.mediaType, Size: int64(len(data)), Version: 2,
			Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }})
	}
	return d
}

func hostileFiles() []file {
	return []file{
		{forgedName, "application/pdf", bytes.Repeat([]byte("%PDF-1.7 "), 100)},
		{"Prüfbericht – \"final\" 100% (v2).csv", "text/csv; charset=utf-8", []byte("id,years\n1,7\n")},
		{"../a/b\\c;d=e*f'g.txt", "text/plain\r\nX-Injected: 1", []byte("plain")},
		{"--" + legacyBoundary("100001", 3), "", bytes.Repeat([]byte{0, 1, 2, 250, '-', '\r', '\n'}, 3000)},
	}
}

// parsed is an MHTML file as the standard library reads it.
type parsed struct {
	header mail.Header
	params map[string]string
	parts  []*parsedPart
}

type parsedPart struct {
	header map[string][]string
	body   []byte
}

func parse(t *testing.T, out []byte) parsed {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != MediaType || params["type"] != "text/html" || params["boundary"] == "" {
		t.Fatalf("top-level content type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	p := parsed{header: msg.Header, params: params}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("part %d: %v", len(p.parts), err)
		}
		body, err := io.ReadAll(part)
		if err != nil {
			t.Fatalf("part %d: %v", len(p.parts), err)
		}
		p.parts = append(p.parts, &parsedPart{header: part.Header, body: body})
	}
	return p
}

func keys(h map[string][]string) []string {
	return slices.Sorted(func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	})
}

// controlsToSpaces is what the Subject shows of a title.
func controlsToSpaces(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// A standard MIME parser must read exactly the parts the bridge wrote,
// whatever the page author put into the title, URL, body, file names and
// media types: no injected header, no forged part, every name intact.
func TestHostileInputCannotForgeHeadersOrParts(t *testing.T) {
	files := hostileFiles()
	d := hostileDoc(files)
	var out bytes.Buffer
	manifest, err := Write(&out, d)
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, out.Bytes())

	if got := keys(p.header); !slices.Equal(got, []string{"Content-Type", "Mime-Version", "Subject"}) {
		t.Errorf("top-level headers %v", got)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(p.header.Get("Subject"))
	if err != nil || subject != controlsToSpaces(d.Title) {
		t.Errorf("subject %q (%v), want %q", subject, err, controlsToSpaces(d.Title))
	}

	if len(p.parts) != 1+len(files)+1 {
		for i, part := range p.parts {
			t.Logf("part %d: %v", i, part.header)
		}
		t.Fatalf("parser read %d parts, the bridge wrote %d", len(p.parts), 1+len(files)+1)
	}

	root := p.parts[0]
	if got := keys(root.header); !slices.Equal(got, []string{"Content-Location", "Content-Transfer-Encoding", "Content-Type"}) {
		t.Errorf("root headers %v", got)
	}
	if ct := root.header["Content-Type"]; !slices.Equal(ct, []string{"text/html; charset=utf-8"}) {
		t.Errorf("root content type %q", ct)
	}
	loc := root.header["Content-Location"][0]
	if u, err := url.Parse(loc); err != nil || u.Host != "wiki" || strings.ContainsAny(loc, "\r\n ") {
		t.Errorf("root Content-Location %q is not an escaped URL: %v", loc, err)
	}
	if un, err := url.PathUnescape(loc); err != nil || un != d.URL {
		t.Errorf("root Content-Location %q unescapes to %q (%v)", loc, un, err)
	}
	if !bytes.Contains(root.body, []byte(d.BodyHTML)) {
		t.Error("root part does not hold the body verbatim")
	}

	for i, f := range files {
		part := p.parts[1+i]
		if got := keys(part.header); !slices.Equal(got, []string{"Content-Disposition", "Content-Location", "Content-Transfer-Encoding", "Content-Type"}) {
			t.Errorf("%q: headers %v", f.name, got)
		}
		wantType := map[int]string{0: "application/pdf", 1: "text/csv; charset=utf-8", 2: "application/octet-stream", 3: "application/octet-stream"}[i]
		if ct := part.header["Content-Type"]; !slices.Equal(ct, []string{wantType}) {
			t.Errorf("%q: content type %q, want %q", f.name, ct, wantType)
		}
		if manifest[i].MediaType != wantType {
			t.Errorf("%q: manifest media type %q", f.name, manifest[i].MediaType)
		}
		disp, params, err := mime.ParseMediaType(part.header["Content-Disposition"][0])
		if err != nil || disp != "attachment" || params["filename"] != f.name {
			t.Errorf("Content-Disposition %q decodes to %q %q (%v), want file name %q", part.header["Content-Disposition"], disp, params["filename"], err, f.name)
		}
		loc := part.header["Content-Location"][0]
		if un, err := url.PathUnescape(loc); err != nil || un != f.name {
			t.Errorf("Content-Location %q unescapes to %q (%v), want %q", loc, un, err, f.name)
		}
		if te := part.header["Content-Transfer-Encoding"]; !slices.Equal(te, []string{"base64"}) {
			t.Errorf("%q: transfer encoding %q", f.name, te)
		}
		data, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(part.body)))
		if err != nil || !bytes.Equal(data, f.data) {
			t.Errorf("%q: decoded %d bytes (%v), want the %d written", f.name, len(data), err, len(f.data))
		}
		sum := sha256.Sum256(f.data)
		if manifest[i].FileName != f.name || manifest[i].SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("manifest entry %+v", manifest[i])
		}
	}

	last := p.parts[len(p.parts)-1]
	if got := keys(last.header); !slices.Equal(got, []string{"Content-Location", "Content-Type"}) ||
		last.header["Content-Location"][0] != ManifestLocation || last.header["Content-Type"][0] != "application/json" {
		t.Errorf("manifest part headers %v", last.header)
	}
	var m struct {
		PageID      string          `json:"pageId"`
		Version     int             `json:"version"`
		Boundary    string          `json:"boundary"`
		Attachments []ManifestEntry `json:"attachments"`
	}
	if err := json.Unmarshal(last.body, &m); err != nil {
		t.Fatal(err)
	}
	if m.Boundary != p.params["boundary"] {
		t.Errorf("manifest names boundary %q, the file uses %q", m.Boundary, p.params["boundary"])
	}
	if m.PageID != d.PageID || m.Version != d.Version || !slices.Equal(m.Attachments, manifest) {
		t.Errorf("manifest %+v, want %+v", m, manifest)
	}
}

var fieldLine = regexp.MustCompile(`^[A-Za-z-]+: [ -~]+$`)

// Every header line the bridge writes is printable ASCII; folded lines
// (the Subject's encoded-words) start with a space.
func TestHeaderLinesArePrintableASCII(t *testing.T) {
	d := hostileDoc(hostileFiles())
	var out bytes.Buffer
	if _, err := Write(&out, d); err != nil {
		t.Fatal(err)
	}
	p := parse(t, out.Bytes())
	b := p.params["boundary"]
	// Header blocks: the top-level one, and each one after a delimiter line.
	blocks := []string{}
	for i, chunk := range strings.Split(out.String(), "--"+b+"\r\n") {
		head, _, ok := strings.Cut(chunk, "\r\n\r\n")
		if !ok {
			t.Fatalf("block %d has no header end", i)
		}
		blocks = append(blocks, head)
	}
	if len(blocks) != 1+len(p.parts) {
		t.Fatalf("%d header blocks, %d parts", len(blocks), len(p.parts))
	}
	for _, head := range blocks {
		for _, line := range strings.Split(head, "\r\n") {
			if !printableASCII(line) || !fieldLine.MatchString(line) && !strings.HasPrefix(line, " ") {
				t.Errorf("header line %q is neither a printable field nor a continuation", line)
			}
		}
	}
}

// The boundary is reproducible for the bridge (the same Document gives the
// same bytes, so a stored version's checksum can be recomputed) but is a
// function of the whole Document, not of page id and version.
func TestBoundaryIsDeterministicButNotGuessable(t *testing.T) {
	render := func(d Document) (string, []byte) {
		t.Helper()
		var out bytes.Buffer
		if _, err := Write(&out, d); err != nil {
			t.Fatal(err)
		}
		return parse(t, out.Bytes()).params["boundary"], out.Bytes()
	}
	files := hostileFiles()
	base := hostileDoc(files)
	b1, out1 := render(base)
	b2, out2 := render(hostileDoc(files))
	if b1 != b2 || !bytes.Equal(out1, out2) {
		t.Fatal("two renditions of the same Document differ")
	}
	if b1 == legacyBoundary(base.PageID, base.Version) || strings.Contains(b1, hex.EncodeToString([]byte(base.PageID))) {
		t.Fatalf("boundary %q is a function of page id and version", b1)
	}
	if len(b1) > 70 || len(b1) < 40 {
		t.Fatalf("boundary %q: RFC 2046 allows 1..70 characters, want at least 160 bits", b1)
	}
	variants := map[string]func(*Document){
		"body":            func(d *Document) { d.BodyHTML += " " },
		"title":           func(d *Document) { d.Title = "other" },
		"attachment name": func(d *Document) { d.Attachments[1].FileName = "other.csv" },
		"attachment ver":  func(d *Document) { d.Attachments[1].Version++ },
		"version":         func(d *Document) { d.Version++ },
	}
	seen := map[string]string{b1: "base"}
	for name, change := range variants {
		d := hostileDoc(files)
		change(&d)
		b, _ := render(d)
		if prev, dup := seen[b]; dup {
			t.Errorf("documents differing in %s share the boundary of %s", name, prev)
		}
		seen[b] = name
	}
}

// Attachment contents are not in the boundary's hash, so an author who
// knows every other field can compute the boundary and put its delimiter
// into a file. Base64 has no "-", so the file still cannot end its part.
func TestAttachmentHoldingTheDelimiterStaysOnePart(t *testing.T) {
	files := hostileFiles()
	var probe bytes.Buffer
	if _, err := Write(&probe, hostileDoc(files)); err != nil {
		t.Fatal(err)
	}
	b := parse(t, probe.Bytes()).params["boundary"]
	evil := []byte("\r\n--" + b + "\r\nContent-Type: text/html\r\n\r\n<forged>\r\n--" + b + "--\r\n")
	data := append(evil, make([]byte, len(files[3].data)-len(evil))...)
	files[3].data = data // same size, so the same boundary
	var out bytes.Buffer
	if _, err := Write(&out, hostileDoc(files)); err != nil {
		t.Fatal(err)
	}
	p := parse(t, out.Bytes())
	if p.params["boundary"] != b {
		t.Fatal("boundary depends on attachment contents; the test needs another way in")
	}
	if len(p.parts) != 1+len(files)+1 {
		t.Fatalf("parser read %d parts, the bridge wrote %d", len(p.parts), 1+len(files)+1)
	}
	got, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(p.parts[4].body)))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("attachment bytes differ: %v", err)
	}
}

// Attachments of any size are streamed: writing a 32 MiB attachment
// allocates a small, fixed amount, not a copy of the file.
func TestWriteStreamsLargeAttachments(t *testing.T) {
	const size = 32 << 20
	d := Document{PageID: "1", Version: 1, BodyHTML: "<p>x</p>", Attachments: []Attachment{{FileName: "big.bin", Size: size, Version: 1,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(io.LimitReader(zeros{}, size)), nil }}}}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	manifest, err := Write(io.Discard, d)
	runtime.ReadMemStats(&after)
	if err != nil || manifest[0].Size != size {
		t.Fatalf("%v %+v", err, manifest)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Fatalf("writing a %d-byte attachment allocated %d bytes", size, alloc)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }
