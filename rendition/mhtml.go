// Package rendition writes the archival rendition of a Confluence page: one
// self-contained MHTML file (RFC 2557 multipart/related) whose root part is
// the page's export_view HTML under a header that names title, space,
// version, author and approval, followed by every attachment as a base64
// part and a JSON manifest with each attachment's SHA-256. It streams: no
// attachment is ever held whole in memory, and the same input always gives
// the same bytes, so the checksum of a rendition can be recomputed later.
package rendition

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"strconv"
	"time"
)

// MediaType is the MIME type of the rendition file.
const MediaType = "multipart/related"

// FileExtension is the extension of the rendition file.
const FileExtension = ".mhtml"

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
	sum := sha256.Sum256([]byte(doc.PageID + ":" + strconv.Itoa(doc.Version)))
	boundary := "xecm-bridge-" + hex.EncodeToString(sum[:12])
	header := fmt.Sprintf("MIME-Version: 1.0\r\nSubject: %s\r\nContent-Type: multipart/related; type=\"text/html\"; boundary=\"%s\"\r\n\r\n",
		mime.QEncoding.Encode("utf-8", doc.Title), boundary)
	if _, err := io.WriteString(w, header); err != nil {
		return nil, err
	}
	mw := multipart.NewWriter(w)
	if err := mw.SetBoundary(boundary); err != nil {
		return nil, err
	}
	root, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {"text/html; charset=utf-8"},
		"Content-Transfer-Encoding": {"8bit"},
		"Content-Location":          {doc.URL},
	})
	if err != nil {
		return nil, err
	}
	if _, err := io.WriteString(root, page(doc)); err != nil {
		return nil, err
	}
	manifest := make([]ManifestEntry, 0, len(doc.Attachments))
	for _, a := range doc.Attachments {
		entry, err := writeAttachment(mw, a)
		if err != nil {
			return nil, fmt.Errorf("attachment %q: %w", a.FileName, err)
		}
		manifest = append(manifest, entry)
	}
	part, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":     {"application/json"},
		"Content-Location": {"xecm-bridge-manifest.json"},
	})
	if err != nil {
		return nil, err
	}
	enc := json.NewEncoder(part)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string]any{"pageId": doc.PageID, "version": doc.Version, "attachments": manifest}); err != nil {
		return nil, err
	}
	return manifest, mw.Close()
}

func writeAttachment(mw *multipart.Writer, a Attachment) (ManifestEntry, error) {
	mediaType := a.MediaType
	if mediaType == "" {
		mediaType = "application/octet-stream"
	}
	part, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {mediaType},
		"Content-Transfer-Encoding": {"base64"},
		"Content-Location":          {a.FileName},
		"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": a.FileName})},
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

func page(doc Document) string {
	esc := html.EscapeString
	date := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	rows := [][2]string{
		{"Title", esc(doc.Title)},
		{"Space", esc(doc.SpaceName) + " (" + esc(doc.SpaceKey) + ")"},
		{"Page ID", esc(doc.PageID)},
		{"Version", strconv.Itoa(doc.Version) + " of " + date(doc.VersionAt)},
		{"Author", esc(doc.AuthorID)},
		{"Approval", esc(doc.ApprovalSignal) + ", approved by " + esc(doc.ApprovedBy) + " on " + date(doc.ApprovedAt)},
		{"Source", `<a href="` + esc(doc.URL) + `">` + esc(doc.URL) + `</a>`},
	}
	var list string
	for _, a := range doc.Attachments {
		list += "<li>" + esc(a.FileName) + " (" + esc(a.MediaType) + ", " + strconv.FormatInt(a.Size, 10) + " bytes, version " + strconv.Itoa(a.Version) + ")</li>"
	}
	if list == "" {
		list = "<li>none</li>"
	}
	var table string
	for _, r := range rows {
		table += "<tr><th>" + r[0] + "</th><td>" + r[1] + "</td></tr>\n"
	}
	return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + esc(doc.Title) + "</title>" +
		"<style>table.xb{border-collapse:collapse;margin-bottom:1em}table.xb th,table.xb td{border:1px solid #999;padding:2px 6px;text-align:left}</style></head><body>\n" +
		"<header><p>Archival rendition of a Confluence page, filed by xecm-bridge.</p><table class=\"xb\">\n" + table +
		"</table><p>Attachments embedded in this file:</p><ul>" + list + "</ul><hr></header>\n<main>\n" + doc.BodyHTML + "\n</main></body></html>\n"
}
