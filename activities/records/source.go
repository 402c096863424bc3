package records

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	"github.com/xecm-bridge/xecm-bridge/rendition"
)

// renditionFile is the file a record is filed as: the MHTML stream
// (renditionSource) or a PDF/A file rendered first (pdfSource).
type renditionFile interface {
	// tag names the rendition's format and header (see renditionSource.tag).
	tag() string
	// prepare makes the file before an upload (a PDF is rendered here).
	prepare() error
	// describe is the OTCS version description of the upload.
	describe(marker, title string) string
	// upload streams the file under the record's name.
	upload(name string) opentext.Upload
	// reuse learns the checksum of the version an earlier attempt stored
	// with the same tag (its description given), instead of uploading.
	reuse(description string) error
	// finish fills in the checksum and size of what was stored.
	finish(res *activities.UploadResult, url string) (*activities.UploadResult, error)
	// close removes what the file left on disk.
	close()
}

// renditionSource produces a page version's rendition as a stream, as many
// times as the upload needs it (each HTTP attempt re-reads it from
// Confluence), hashing and counting the bytes of the latest attempt.
type renditionSource struct {
	ctx  context.Context
	doc  rendition.Document
	mu   sync.Mutex
	last *attempt
}

type attempt struct {
	hash hash.Hash
	size int64
	err  error
	done chan struct{}
}

// newSource reads the page version's body and returns its rendition in
// the format the rule asks for.
func (a *OpenTextActivities) newSource(ctx context.Context, page *activities.PageSnapshot, format string) (renditionFile, error) {
	doc, err := a.renditionDocument(ctx, page)
	if err != nil {
		return nil, err
	}
	if format == mapping.RenditionPDF {
		return a.newPDFSource(ctx, page, doc)
	}
	return &renditionSource{ctx: ctx, doc: doc}, nil
}

// renditionDocument is what both renditions show: the page version's
// export_view body, header fields and attachments (opened when read).
func (a *OpenTextActivities) renditionDocument(ctx context.Context, page *activities.PageSnapshot) (rendition.Document, error) {
	full, err := a.Confluence.GetPage(ctx, page.PageID, confluence.GetPageOptions{Version: page.Version, BodyFormat: "export_view"})
	if rest.IsKind(err, rest.KindNotFound) {
		return rendition.Document{}, activities.NonRetryable(activities.TypePageNotFound, "Confluence page %s version %d is gone", page.PageID, page.Version)
	}
	if err != nil {
		return rendition.Document{}, activities.BackendError("read page body", err)
	}
	doc := rendition.Document{
		PageID: page.PageID, Title: page.Title, SpaceKey: page.SpaceKey, SpaceName: page.SpaceName,
		AuthorID: page.AuthorID, URL: page.URL, Version: page.Version, VersionAt: page.VersionAt,
		ApprovalSignal: page.ApprovalSignal, ApprovedBy: page.ApprovedBy, ApprovedAt: page.ApprovedAt,
		BodyHTML: full.Body,
	}
	for _, ref := range page.Attachments {
		att := confluence.Attachment{ID: ref.ID, Title: ref.FileName, MediaType: ref.MediaType, FileSize: ref.Size, Version: ref.Version, DownloadLink: ref.DownloadLink}
		pageID := page.PageID
		doc.Attachments = append(doc.Attachments, rendition.Attachment{
			FileName: ref.FileName, MediaType: ref.MediaType, Size: ref.Size, Version: ref.Version,
			Open: func() (io.ReadCloser, error) {
				rc, err := a.Confluence.DownloadAttachment(ctx, pageID, att)
				if err != nil {
					return nil, activities.BackendError("download attachment "+att.Title, err)
				}
				return rc, nil
			},
		})
	}
	return doc, nil
}

// tag names the rendition's header (how the page version was approved or
// filed), so a version stored by another flow of the same page version is
// told apart from one stored by an earlier attempt of this flow.
func (s *renditionSource) tag() string {
	sum := sha256.Sum256([]byte(renditionFormat + "\x00" + s.doc.ApprovalSignal + "\x00" + s.doc.ApprovedBy + "\x00" + s.doc.ApprovedAt.UTC().Format(time.RFC3339Nano)))
	return hex.EncodeToString(sum[:6])
}

// renditionFormat changes whenever the renderer's bytes change for the
// same input, so a version stored by an older renderer is recognised.
const renditionFormat = "mhtml/2"

// describe is the OTCS version description: the source marker, the title
// and the rendition tag.
func (s *renditionSource) describe(marker, title string) string {
	return marker + " " + title + " [rendition " + s.tag() + "]"
}

// renditionTag reads the tag back from a version description ("" for
// versions stored before tags were written).
func renditionTag(description string) string {
	i := strings.LastIndex(description, "[rendition ")
	if i < 0 || !strings.HasSuffix(description, "]") {
		return ""
	}
	return description[i+len("[rendition ") : len(description)-1]
}

// upload is the streaming upload of the rendition under the record's name.
func (s *renditionSource) upload(name string) opentext.Upload {
	return opentext.Upload{FileName: name + rendition.FileExtension, MimeType: rendition.MediaType, Open: s.open}
}

func (s *renditionSource) open() (io.ReadCloser, error) {
	pr, pw := io.Pipe()
	at := &attempt{hash: sha256.New(), done: make(chan struct{})}
	s.mu.Lock()
	s.last = at
	s.mu.Unlock()
	go func() {
		defer close(at.done)
		// The rendition is written in small pieces (76-byte base64 lines);
		// batching them keeps the upload from sending one tiny chunk each.
		buf := bufio.NewWriterSize(pw, 256<<10)
		counter := &heartbeatWriter{ctx: s.ctx, n: &at.size}
		_, at.err = rendition.Write(io.MultiWriter(buf, at.hash, counter), s.doc)
		if at.err == nil {
			at.err = buf.Flush()
		}
		pw.CloseWithError(at.err)
	}()
	return &attemptReader{PipeReader: pr, at: at}, nil
}

// attemptReader stops the rendition writer when the HTTP attempt gives up.
type attemptReader struct {
	*io.PipeReader
	at *attempt
}

func (r *attemptReader) Close() error {
	r.PipeReader.CloseWithError(errors.New("upload attempt ended"))
	<-r.at.done
	return nil
}

func (s *renditionSource) prepare() error { return nil }
func (s *renditionSource) close()         {}

// reuse renders once without uploading: the rendition is deterministic,
// so this is the checksum of the version an earlier attempt stored.
func (s *renditionSource) reuse(string) error { return s.hashOnly() }

// hashOnly renders once without uploading, to learn the checksum of a
// version an earlier attempt already stored.
func (s *renditionSource) hashOnly() error {
	at := &attempt{hash: sha256.New(), done: make(chan struct{})}
	_, at.err = rendition.Write(io.MultiWriter(at.hash, &heartbeatWriter{ctx: s.ctx, n: &at.size}), s.doc)
	close(at.done)
	s.mu.Lock()
	s.last = at
	s.mu.Unlock()
	return at.err
}

// finish fills in the checksum and size of the attempt that succeeded.
func (s *renditionSource) finish(res *activities.UploadResult, url string) (*activities.UploadResult, error) {
	s.mu.Lock()
	at := s.last
	s.mu.Unlock()
	if at == nil {
		return nil, errors.New("rendition was never produced")
	}
	<-at.done
	if at.err != nil {
		return nil, fmt.Errorf("render page %s v%d: %w", s.doc.PageID, s.doc.Version, at.err)
	}
	res.SHA256 = hex.EncodeToString(at.hash.Sum(nil))
	res.Size = at.size
	res.URL = url
	return res, nil
}

// heartbeatWriter counts bytes and heartbeats on the way.
type heartbeatWriter struct {
	ctx  context.Context
	n    *int64
	last int64
}

func (h *heartbeatWriter) Write(p []byte) (int, error) {
	*h.n += int64(len(p))
	if *h.n-h.last >= 8<<20 {
		h.last = *h.n
		recordProgress(h.ctx, *h.n)
	}
	return len(p), nil
}
