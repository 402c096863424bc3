package records

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xecm-bridge/xecm-bridge/access"
	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/rendition"
	"github.com/xecm-bridge/xecm-bridge/rendition/pdfa"
)

// embedLimit is PDF.EmbedLimit or its default.
func (a *OpenTextActivities) embedLimit() int64 {
	if a.PDF.EmbedLimit > 0 {
		return a.PDF.EmbedLimit
	}
	return activities.DefaultEmbedLimit
}

// pdfExtension is the file extension of a PDF rendition.
const pdfExtension = ".pdf"

// pdfFormat changes whenever the PDF renderer's bytes change for the same
// input (it is part of the rendition tag).
const pdfFormat = "pdfa/1"

// pdfSource is a page version's PDF/A rendition: rendered once into a
// file in a scratch directory, uploaded from it as often as the upload
// needs, its checksum known before the upload and written into the
// version description (so a retry that finds the version stored knows
// what was sent without rendering again).
type pdfSource struct {
	ctx      context.Context
	a        *OpenTextActivities
	doc      rendition.Document
	dir      string
	files    []string                  // attachment i, on disk once fetched
	manifest []rendition.ManifestEntry // attachment i's fixity
	fetched  bool
	blocked  []string // external URLs the page refers to (never fetched)
	out      string   // the PDF, once rendered
	sha      string
	size     int64
	result   *pdfa.Result
	access   *access.PageAccess // the record's readers when the page is restricted; its attachments filed beside get them too
}

func (a *OpenTextActivities) newPDFSource(ctx context.Context, page *activities.PageSnapshot, doc rendition.Document) (*pdfSource, error) {
	dir, err := os.MkdirTemp(a.PDF.WorkDir, "xecm-pdf-"+page.PageID+"-")
	if err != nil {
		return nil, fmt.Errorf("render scratch directory: %w", err)
	}
	return &pdfSource{ctx: ctx, a: a, doc: doc, dir: dir}, nil
}

func (s *pdfSource) close() { os.RemoveAll(s.dir) }

func (s *pdfSource) tag() string {
	sum := sha256.Sum256([]byte(pdfFormat + "\x00" + s.doc.ApprovalSignal + "\x00" + s.doc.ApprovedBy + "\x00" + s.doc.ApprovedAt.UTC().Format(time.RFC3339Nano)))
	return hex.EncodeToString(sum[:6])
}

// placement is where the attachments go: embedded up to the limit.
func (s *pdfSource) placement() rendition.Placement {
	var total int64
	for _, at := range s.doc.Attachments {
		total += at.Size
	}
	return s.a.placementOf(total)
}

// placementOf is where attachments of this total size go.
func (a *OpenTextActivities) placementOf(total int64) rendition.Placement {
	if total > a.embedLimit() {
		return rendition.Beside
	}
	return rendition.Embedded
}

// fetchAttachments downloads the page version's attachments into the
// scratch directory, hashing them for the manifest.
func (s *pdfSource) fetchAttachments() error {
	if s.fetched {
		return nil
	}
	s.files, s.manifest = nil, nil // a failed earlier call leaves no half list
	for i, at := range s.doc.Attachments {
		path := filepath.Join(s.dir, "att-"+strconv.Itoa(i))
		entry, err := download(s.ctx, at, path)
		if err != nil {
			return err
		}
		s.files = append(s.files, path)
		s.manifest = append(s.manifest, entry)
	}
	s.fetched = true
	return nil
}

func download(ctx context.Context, at rendition.Attachment, path string) (rendition.ManifestEntry, error) {
	rc, err := at.Open()
	if err != nil {
		return rendition.ManifestEntry{}, err
	}
	defer rc.Close()
	f, err := os.Create(path)
	if err != nil {
		return rendition.ManifestEntry{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), &heartbeatReader{ctx: ctx, r: rc})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return rendition.ManifestEntry{}, fmt.Errorf("download attachment %q: %w", at.FileName, err)
	}
	if at.Size > 0 && n != at.Size {
		return rendition.ManifestEntry{}, fmt.Errorf("attachment %q: read %d bytes but Confluence announced %d", at.FileName, n, at.Size)
	}
	mt := at.MediaType
	if mt == "" {
		mt = "application/octet-stream"
	}
	return rendition.ManifestEntry{FileName: at.FileName, MediaType: mt, Version: at.Version, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// prepare renders the PDF/A file: attachments fetched and hashed, the
// header with their manifest, images of the page's own attachments served
// from disk, everything else blocked; embedded files when they fit.
func (s *pdfSource) prepare() error {
	if s.out != "" {
		return nil
	}
	if err := s.fetchAttachments(); err != nil {
		return err
	}
	placement := s.placement()
	src := rendition.PDFPage(s.doc, s.manifest, placement)
	s.blocked = src.Blocked
	job := pdfa.Job{
		HTML: src.HTML, Resources: map[string]pdfa.Resource{},
		Title: s.doc.Title, Author: s.doc.AuthorID,
		Subject:  fmt.Sprintf("Confluence page %s version %d (space %s)", s.doc.PageID, s.doc.Version, s.doc.SpaceKey),
		Keywords: activities.SourceMarker(s.doc.PageID, s.doc.Version),
		Date:     s.doc.VersionAt, WorkDir: s.dir, Limits: s.a.PDF.Limits,
		ChromiumPath: s.a.PDF.Chromium, GhostscriptPath: s.a.PDF.Ghostscript,
	}
	if job.Date.Before(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)) {
		job.Date = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC) // no version date: a fixed one keeps the file deterministic
	}
	for res, i := range src.Images {
		job.Resources[res] = pdfa.Resource{Path: s.files[i], MediaType: s.manifest[i].MediaType}
	}
	if placement == rendition.Embedded {
		for i, m := range s.manifest {
			job.Embed = append(job.Embed, pdfa.EmbeddedFile{Name: m.FileName, MediaType: m.MediaType, Path: s.files[i],
				Description: fmt.Sprintf("Confluence attachment version %d, SHA-256 %s", m.Version, m.SHA256), ModTime: s.doc.VersionAt})
		}
	}
	out := filepath.Join(s.dir, "rendition.pdf")
	res, err := pdfa.Render(s.ctx, job, out)
	if err != nil {
		var missing *pdfa.MissingToolError
		var failed *pdfa.RenderError
		switch {
		case errors.As(err, &missing):
			return activities.NonRetryable(activities.TypeRenditionFailed, "page %s v%d needs a PDF rendition, but %v", s.doc.PageID, s.doc.Version, missing)
		case errors.As(err, &failed):
			return activities.NonRetryable(activities.TypeRenditionFailed, "PDF rendition of Confluence page %s v%d (%q) failed; nothing was uploaded: %v", s.doc.PageID, s.doc.Version, s.doc.Title, failed)
		}
		return err // the activity's context ended: retried
	}
	sum, size, err := hashFile(out)
	if err != nil {
		return err
	}
	s.out, s.sha, s.size, s.result = out, sum, size, res
	return nil
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

// describe adds the file's checksum and size to the description.
func (s *pdfSource) describe(marker, title string) string {
	// The rendition tag stays last: renditionTag reads it from the end.
	return fmt.Sprintf("%s %s [sha256 %s %d] [rendition %s]", marker, title, s.sha, s.size, s.tag())
}

func (s *pdfSource) upload(name string) opentext.Upload {
	return opentext.Upload{FileName: name + pdfExtension, MimeType: "application/pdf", Open: func() (io.ReadCloser, error) {
		f, err := os.Open(s.out)
		if err != nil {
			return nil, err
		}
		return struct {
			io.Reader
			io.Closer
		}{&heartbeatReader{ctx: s.ctx, r: f}, f}, nil
	}}
}

// reuse takes the checksum the earlier attempt wrote into the version's
// description: that is what it sent, and the verify step compares it with
// the stored bytes. Without one (never written by this renderer) the file
// is rendered again.
func (s *pdfSource) reuse(description string) error {
	if sum, size, ok := describedChecksum(description); ok {
		s.sha, s.size = sum, size
		return nil
	}
	return s.prepare()
}

// describedChecksum reads "[sha256 HEX SIZE]" back from a description.
func describedChecksum(description string) (string, int64, bool) {
	i := strings.LastIndex(description, "[sha256 ")
	if i < 0 {
		return "", 0, false
	}
	rest := description[i+len("[sha256 "):]
	j := strings.IndexByte(rest, ']')
	if j < 0 {
		return "", 0, false
	}
	f := strings.Fields(rest[:j])
	if len(f) != 2 || len(f[0]) != 64 {
		return "", 0, false
	}
	n, err := strconv.ParseInt(f[1], 10, 64)
	return f[0], n, err == nil
}

func (s *pdfSource) finish(res *activities.UploadResult, url string) (*activities.UploadResult, error) {
	if s.sha == "" {
		return nil, errors.New("rendition was never produced")
	}
	res.SHA256, res.Size, res.URL = s.sha, s.size, url
	res.Rendition = "PDF/A"
	if s.result != nil {
		res.Rendition = fmt.Sprintf("PDF/A-%db, %d page%s", s.result.Part, s.result.Pages, plural(s.result.Pages))
		res.Blocked = s.blocked
	}
	if len(s.doc.Attachments) > 0 && s.placement() == rendition.Beside {
		n, err := s.a.fileBeside(s.ctx, res, s)
		if err != nil {
			return nil, err
		}
		res.Rendition += fmt.Sprintf(", %d attachment%s filed beside", n, plural(n))
	}
	return res, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
