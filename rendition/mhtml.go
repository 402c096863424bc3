// Package rendition writes the archival rendition of a Confluence page: one
// self-contained MHTML file (RFC 2557 multipart/related) whose root part is
// the page's export_view HTML under a header that names title, space,
// version, author and approval, followed by every attachment as a base64
// part and a JSON manifest with each attachment's SHA-256. It streams: no
// attachment is ever held whole in memory, and the same input always gives
// the same bytes, so the checksum of a rendition can be recomputed later.
//
// Archive integrity: page authors control the body, the title and the
// attachments' names and media types, so none of them may shape the MIME
// structure. The boundary is derived from a SHA-256 over everything the
// Document says (page identity, version, every header field, the body and
// every attachment's name, type, size and version): reproducible by the
// bridge, but not computable from page id and version alone, and a body
// cannot contain the boundary of its own rendition without a hash fixed
// point. Write also checks that the boundary occurs in no text part (and
// derives the next candidate deterministically if it ever did); base64 parts
// cannot contain it since "-" is not in the base64 alphabet. The boundary is
// recorded in the manifest. Every header value is printable ASCII: the title
// is an RFC 2047 encoded-word with control characters replaced, file names
// are RFC 2231 encoded (filename* in UTF-8) and URLs are percent-escaped,
// so no CR/LF from Confluence ever reaches a header line.
package rendition

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MediaType is the MIME type of the rendition file.
const MediaType = "multipart/related"

// FileExtension is the extension of the rendition file.
const FileExtension = ".mhtml"

// ManifestLocation is the Content-Location of the manifest part.
const ManifestLocation = "xecm-bridge-manifest.json"

// Document is everything the rendition shows.
type Document struct {
	PageID, Title, SpaceKey, SpaceName string
	AuthorID, URL                      string
	Version                            int
	VersionAt                          time.Time
	ApprovalSignal                     string // e.g. `label "approved"`
	ApprovedBy                         string
	ApprovedAt                         time.Time
	BodyHTML                           string // export_view HTML of the page
	Attachments                        []Attachment
}

// Attachment is one file of the page, opened only while it is written.
type Attachment struct {
	FileName, MediaType string
	Size                int64
	Version             int
	Open                func() (io.ReadCloser, error)
}

// ManifestEntry is the fixity record of one embedded attachment.
type ManifestEntry struct {
	FileName  string `json:"fileName"`
	MediaType string `json:"mediaType"`
	Version   int    `json:"version"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
}

// Write streams the rendition of doc to w and returns the attachments'
// fixity records.
func Write(w io.Writer, doc Document) ([]ManifestEntry, error) {
	mediaTypes := make([]string, len(doc.Attachments))
	for i, a := range doc.Attachments {
		mediaTypes[i] = cleanMediaType(a.MediaType)
	}
	root := page(doc, mediaTypes)
	boundary, err := pickBoundary(boundarySeed(doc), root)
	if err != nil {
		return nil, err
	}
	header := "MIME-Version: 1.0\r\n" +
		"Subject: " + encodeText(doc.Title) + "\r\n" +
		"Content-Type: " + mime.FormatMediaType(MediaType, map[string]string{"type": "text/html", "boundary": boundary}) + "\r\n\r\n"
	if _, err := io.WriteString(w, header); err != nil {
		return nil, err
	}
	mw := multipart.NewWriter(w)
	if err := mw.SetBoundary(boundary); err != nil {
		return nil, err
	}
	rootHeader := textproto.MIMEHeader{
		"Content-Type":              {"text/html; charset=utf-8"},
		"Content-Transfer-Encoding": {"8bit"},
	}
	if doc.URL != "" {
		rootHeader.Set("Content-Location", escapeURI(doc.URL))
	}
	rootPart, err := createPart(mw, rootHeader)
	if err != nil {
		return nil, err
	}
	if _, err := io.WriteString(rootPart, root); err != nil {
		return nil, err
	}
	manifest := make([]ManifestEntry, 0, len(doc.Attachments))
	for i, a := range doc.Attachments {
		entry, err := writeAttachment(mw, a, mediaTypes[i])
		if err != nil {
			return nil, fmt.Errorf("attachment %q: %w", a.FileName, err)
		}
		manifest = append(manifest, entry)
	}
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string]any{"pageId": doc.PageID, "version": doc.Version, "boundary": boundary, "attachments": manifest}); err != nil {
		return nil, err
	}
	// JSON escapes every control character inside strings and indents every
	// line, so no line of the manifest can start a delimiter; check anyway.
	if bytes.Contains(body.Bytes(), []byte("--"+boundary)) {
		return nil, errors.New("manifest contains the MIME boundary")
	}
	part, err := createPart(mw, textproto.MIMEHeader{
		"Content-Type":     {"application/json"},
		"Content-Location": {ManifestLocation},
	})
	if err != nil {
		return nil, err
	}
	if _, err := part.Write(body.Bytes()); err != nil {
		return nil, err
	}
	return manifest, mw.Close()
}

// boundarySeed is a SHA-256 over everything the Document says, each field
// length-prefixed so that no two Documents share an encoding. Attachment
// contents are not in it (they are streamed after the boundary is written);
// they are embedded as base64, which cannot contain a delimiter.
func boundarySeed(doc Document) []byte {
	h := sha256.New()
	var n [8]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		io.WriteString(h, s)
	}
	date := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	field("xecm-bridge/mhtml-boundary/v1")
	for _, s := range []string{doc.PageID, strconv.Itoa(doc.Version), doc.Title, doc.SpaceKey, doc.SpaceName,
		doc.AuthorID, doc.URL, date(doc.VersionAt), doc.ApprovalSignal, doc.ApprovedBy, date(doc.ApprovedAt), doc.BodyHTML,
		strconv.Itoa(len(doc.Attachments))} {
		field(s)
	}
	for _, a := range doc.Attachments {
		field(a.FileName)
		field(a.MediaType)
		field(strconv.FormatInt(a.Size, 10))
		field(strconv.Itoa(a.Version))
	}
	return h.Sum(nil)
}

// maxBoundaryCandidates bounds the search for a boundary that occurs in no
// text part; a collision with even the first candidate needs a SHA-256 fixed
// point, so the bound is never reached by accident.
const maxBoundaryCandidates = 16

// boundaryCandidate is the i-th boundary derived from seed: 60 characters,
// within the 70 that RFC 2046 allows, 192 bits of it from the hash.
func boundaryCandidate(seed []byte, i int) string {
	h := sha256.New()
	h.Write(seed)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(i))
	h.Write(n[:])
	return "xecm-bridge-" + hex.EncodeToString(h.Sum(nil)[:24])
}

// pickBoundary returns the first candidate that occurs in none of texts.
func pickBoundary(seed []byte, texts ...string) (string, error) {
next:
	for i := range maxBoundaryCandidates {
		b := boundaryCandidate(seed, i)
		for _, t := range texts {
			if strings.Contains(t, b) {
				continue next
			}
		}
		return b, nil
	}
	return "", errors.New("no MIME boundary free of the page's text")
}

// createPart starts a part after checking that every header value is
// printable ASCII, the last line of defence against header injection.
func createPart(mw *multipart.Writer, h textproto.MIMEHeader) (io.Writer, error) {
	for k, vs := range h {
		for _, v := range vs {
			if !printableASCII(v) {
				return nil, fmt.Errorf("header %s: value %q is not printable ASCII", k, v)
			}
		}
	}
	return mw.CreatePart(h)
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// cleanMediaType re-serialises a media type from Confluence, or falls back
// to application/octet-stream when it does not parse.
func cleanMediaType(s string) string {
	const fallback = "application/octet-stream"
	mt, params, err := mime.ParseMediaType(s)
	if err != nil || !strings.Contains(mt, "/") {
		return fallback
	}
	if out := mime.FormatMediaType(mt, params); out != "" && printableASCII(out) {
		return out
	}
	return fallback
}

// encodeText makes free text (the title) a header value: control characters
// become spaces, invalid UTF-8 becomes U+FFFD, and anything that is not
// plain printable ASCII is written as RFC 2047 B encoded-words, folded.
func encodeText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if printableASCII(s) && !strings.Contains(s, "=?") && len(s) <= 200 {
		return s
	}
	// 45 bytes of UTF-8 make 60 base64 characters, a 72-character word.
	var words []string
	for len(s) > 0 {
		n := 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			if n+size > 45 {
				break
			}
			n += size
		}
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, "\r\n ")
}

// escapeURI percent-encodes every byte of a URL that may not appear in a
// URI (controls, space, non-ASCII, "<>\"{}|\\^`): a well-formed URL is
// unchanged, anything else becomes a single-line URI.
func escapeURI(s string) string {
	return percentEncode(s, func(c byte) bool {
		return isUnreserved(c) || strings.IndexByte(":/?#[]@!$&'()*+,;=%", c) >= 0
	})
}

// escapeName makes a file name a relative URI reference: only RFC 3986
// unreserved characters stay as they are.
func escapeName(s string) string { return percentEncode(s, isUnreserved) }

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func percentEncode(s string, keep func(byte) bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; keep(c) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// contentDisposition names the file as RFC 6266 recommends: an ASCII
// fallback filename="..." and, when that had to change the name, the exact
// name as an RFC 2231 filename* in UTF-8, which parsers prefer.
func contentDisposition(name string) string {
	var fallback strings.Builder
	for _, r := range name {
		if r < ' ' || r > '~' || strings.ContainsRune("\"\\/%", r) {
			r = '_'
		}
		fallback.WriteRune(r)
	}
	v := mime.FormatMediaType("attachment", map[string]string{"filename": fallback.String()})
	if fallback.String() != name {
		v += "; filename*=UTF-8''" + percentEncode(name, func(c byte) bool {
			// RFC 2231 attribute-char: printable ASCII but space, "*", "'", "%" and tspecials.
			return c > ' ' && c < 0x7f && strings.IndexByte("*'%()<>@,;:\\\"/[]?=", c) < 0
		})
	}
	return v
}

func writeAttachment(mw *multipart.Writer, a Attachment, mediaType string) (ManifestEntry, error) {
	part, err := createPart(mw, textproto.MIMEHeader{
		"Content-Type":              {mediaType},
		"Content-Transfer-Encoding": {"base64"},
		"Content-Location":          {escapeName(a.FileName)},
		"Content-Disposition":       {contentDisposition(a.FileName)},
	})
	if err != nil {
		return ManifestEntry{}, err
	}
	src, err := a.Open()
	if err != nil {
		return ManifestEntry{}, err
	}
	defer src.Close()
	h := sha256.New()
	enc := base64.NewEncoder(base64.StdEncoding, &lineWriter{w: part})
	n, err := io.Copy(io.MultiWriter(enc, h), src)
	if err != nil {
		return ManifestEntry{}, err
	}
	if err := enc.Close(); err != nil {
		return ManifestEntry{}, err
	}
	if _, err := io.WriteString(part, "\r\n"); err != nil {
		return ManifestEntry{}, err
	}
	if a.Size > 0 && n != a.Size {
		return ManifestEntry{}, fmt.Errorf("read %d bytes but Confluence announced %d", n, a.Size)
	}
	return ManifestEntry{FileName: a.FileName, MediaType: mediaType, Version: a.Version, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// lineWriter breaks base64 output into 76-character lines as MIME requires.
type lineWriter struct {
	w   io.Writer
	col int
	buf []byte
}

func (l *lineWriter) Write(p []byte) (int, error) {
	// Build the output with its line breaks in one buffer, so the writer
	// below sees one write per call instead of two per line.
	l.buf = l.buf[:0]
	for rest := p; len(rest) > 0; {
		n := min(76-l.col, len(rest))
		l.buf = append(l.buf, rest[:n]...)
		l.col += n
		rest = rest[n:]
		if l.col == 76 {
			l.buf = append(l.buf, '\r', '\n')
			l.col = 0
		}
	}
	if _, err := l.w.Write(l.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

func page(doc Document, mediaTypes []string) string {
	esc := html.EscapeString
	var list string
	for i, a := range doc.Attachments {
		list += "<li>" + esc(a.FileName) + " (" + esc(mediaTypes[i]) + ", " + strconv.FormatInt(a.Size, 10) + " bytes, version " + strconv.Itoa(a.Version) + ")</li>"
	}
	if list == "" {
		list = "<li>none</li>"
	}
	body, external := archivedBody(doc)
	left := ""
	if len(external) > 0 {
		left = "<p>External content the page refers to, not included (its address is kept here, never loaded):</p><ul>"
		for _, u := range external {
			left += "<li>" + esc(u) + "</li>"
		}
		left += "</ul>"
	}
	// The policy stops a viewer from loading anything from anywhere when
	// the record is opened (an image of another site would tell that site
	// who reads the record, and when): only the file's own parts and
	// inline data show.
	images := "cid: data:"
	if u, err := url.Parse(doc.URL); err == nil && u.Scheme != "" && u.Host != "" {
		images += " " + u.Scheme + "://" + u.Host // where the parts say the attachments are
	}
	return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">" +
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src " + esc(images) + "; style-src 'unsafe-inline'\">" +
		"<title>" + esc(doc.Title) + "</title>" +
		"<style>table.xb{border-collapse:collapse;margin-bottom:1em}table.xb th,table.xb td{border:1px solid #999;padding:2px 6px;text-align:left}</style></head><body>\n" +
		"<header><p>Archival rendition of a Confluence page, filed by xecm-bridge.</p>" + headerTable(doc) +
		"<p>Attachments embedded in this file:</p><ul>" + list + "</ul>" + left + "<hr></header>\n<main>\n" + body + "\n</main></body></html>\n"
}

// archivedBody is the page body as the record keeps it: the page's own
// attachments stay where the file's parts are (their download URLs), and
// every other URL that would load content is emptied and listed, so
// opening the record fetches nothing from outside it.
func archivedBody(doc Document) (string, []string) {
	byName := map[string]int{}
	for i, a := range doc.Attachments {
		byName[a.FileName] = i
	}
	host := ""
	if u, err := url.Parse(doc.URL); err == nil {
		host = u.Host
	}
	own := func(raw string) bool {
		_, ok := attachmentOf(raw, host, doc.PageID, byName)
		return ok
	}
	_, external := localiseBody(doc.BodyHTML, func(raw string) (string, bool) { return raw, own(raw) })
	if len(external) == 0 {
		return doc.BodyHTML, nil // kept byte for byte
	}
	body, _ := localiseBody(doc.BodyHTML, func(raw string) (string, bool) {
		if own(raw) || strings.HasPrefix(strings.ToLower(strings.TrimSpace(raw)), "data:") {
			return raw, true
		}
		return "", true
	})
	return body, external
}

// headerRows are the header fields both renditions show, as HTML.
func headerRows(doc Document) [][2]string {
	esc := html.EscapeString
	date := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	return [][2]string{
		{"Title", esc(doc.Title)},
		{"Space", esc(doc.SpaceName) + " (" + esc(doc.SpaceKey) + ")"},
		{"Page ID", esc(doc.PageID)},
		{"Version", strconv.Itoa(doc.Version) + " of " + date(doc.VersionAt)},
		{"Author", esc(doc.AuthorID)},
		{"Approval", esc(doc.ApprovalSignal) + ", approved by " + esc(doc.ApprovedBy) + " on " + date(doc.ApprovedAt)},
		{"Source", `<a href="` + esc(doc.URL) + `">` + esc(doc.URL) + `</a>`},
	}
}
