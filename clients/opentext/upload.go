package opentext

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"sync"

	"github.com/hashicorp/go-retryablehttp"
)

// Upload is document content to send. Open is called once per HTTP
// attempt (transport retries, the repeat after a re-login), so the bytes
// are streamed again each time instead of being buffered.
type Upload struct {
	FileName string // file name in the multipart part; defaults to the node name
	MimeType string // defaults to application/octet-stream
	Open     func() (io.ReadCloser, error)
}

// CreateDocumentRequest describes a new document (subtype 144).
type CreateDocumentRequest struct {
	ParentID    int64
	Name        string
	Description string
	File        Upload
	// Categories are applied at create time, as flat v2 keys, e.g.
	// {"9001_1":{}, "9001_2":"x"}.
	Categories map[string]any
	// ClassificationIDs go to roles.classifications.id.
	ClassificationIDs []int64
}

// CreateDocument uploads a new document with POST /api/v2/nodes as
// multipart: the `body` JSON part first, then `file`, streamed through a
// pipe. A duplicate name fails with KindConflict (the server says 500).
func (c *Client) CreateDocument(ctx context.Context, req CreateDocumentRequest) (*Node, error) {
	if req.File.Open == nil {
		return nil, errors.New("opentext: CreateDocument: File.Open is required")
	}
	body := map[string]any{"type": TypeDocument, "parent_id": req.ParentID, "name": req.Name}
	if req.Description != "" {
		body["description"] = req.Description
	}
	roles := map[string]any{}
	if len(req.Categories) > 0 {
		roles["categories"] = req.Categories
	}
	if len(req.ClassificationIDs) > 0 {
		roles["classifications"] = map[string]any{"create_id": []int64{}, "id": req.ClassificationIDs}
	}
	if len(roles) > 0 {
		body["roles"] = roles
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("opentext: CreateDocument: %w", err)
	}
	up := req.File
	if up.FileName == "" {
		up.FileName = req.Name
	}
	var out v2Node
	if err := c.upload(ctx, "/api/v2/nodes", [][2]string{{"body", string(b)}}, up, &out); err != nil {
		return nil, err
	}
	n := out.Results.Data.Properties.node()
	return &n, nil
}

// AddVersion adds a version to a document (POST /api/v2/nodes/{id}/versions).
func (c *Client) AddVersion(ctx context.Context, nodeID int64, file Upload, description string) (*Version, error) {
	if file.Open == nil {
		return nil, errors.New("opentext: AddVersion: file.Open is required")
	}
	var fields [][2]string
	if description != "" {
		fields = append(fields, [2]string{"description", description})
	}
	if file.FileName == "" {
		file.FileName = "content"
	}
	var out struct {
		Results struct {
			Data struct {
				Versions wireVersion `json:"versions"`
			} `json:"data"`
		} `json:"results"`
	}
	if err := c.upload(ctx, fmt.Sprintf("/api/v2/nodes/%d/versions", nodeID), fields, file, &out); err != nil {
		return nil, err
	}
	v := out.Results.Data.Versions.version(nodeID)
	if v.Number == 0 {
		// Some servers answer without the version; read it back.
		vs, err := c.Versions(ctx, nodeID)
		if err != nil {
			return nil, err
		}
		if len(vs) == 0 {
			return nil, fmt.Errorf("opentext: AddVersion: node %d reports no versions after the upload", nodeID)
		}
		v = vs[len(vs)-1]
	}
	return &v, nil
}

// uploadState records a failure of the upload source itself, which no
// retry against the server can fix.
type uploadState struct {
	mu  sync.Mutex
	err error
}

func (s *uploadState) set(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
}

func (s *uploadState) get() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

type uploadStateKey struct{}

// sourceFailed reports a source failure recorded for the request's context.
func sourceFailed(ctx context.Context) error {
	if st, ok := ctx.Value(uploadStateKey{}).(*uploadState); ok {
		return st.get()
	}
	return nil
}

// upload POSTs a streamed multipart body and decodes the JSON answer.
func (c *Client) upload(ctx context.Context, path string, fields [][2]string, file Upload, out any) error {
	st := &uploadState{}
	ctx = context.WithValue(ctx, uploadStateKey{}, st)
	boundary := multipart.NewWriter(io.Discard).Boundary()
	r := request{method: http.MethodPost, path: path, body: func() (retryablehttp.ReaderFunc, string) {
		fn := func() (io.Reader, error) {
			return &lazyBody{open: func() io.ReadCloser { return streamMultipart(boundary, fields, file, st) }}, nil
		}
		return fn, "multipart/form-data; boundary=" + boundary
	}}
	err := c.call(ctx, r, out)
	if serr := st.get(); serr != nil {
		return fmt.Errorf("opentext: reading upload %q: %w", file.FileName, serr)
	}
	return err
}

// streamMultipart writes the multipart body into a pipe from a goroutine,
// so the content flows from Upload.Open to the socket in small chunks.
func streamMultipart(boundary string, fields [][2]string, file Upload, st *uploadState) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		mw := multipart.NewWriter(pw)
		if err := mw.SetBoundary(boundary); err != nil {
			pw.CloseWithError(err)
			return
		}
		for _, f := range fields {
			if err := mw.WriteField(f[0], f[1]); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		src, err := file.Open()
		if err != nil {
			st.set(err)
			pw.CloseWithError(err)
			return
		}
		defer src.Close()
		mimeType := file.MimeType
		if mimeType == "" {
			mimeType = "application/octet-stream"
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, escapeQuotes(file.FileName)))
		h.Set("Content-Type", mimeType)
		part, err := mw.CreatePart(h)
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		if _, err := io.Copy(part, readerOnly{src, st}); err != nil {
			pw.CloseWithError(err)
			return
		}
		pw.CloseWithError(mw.Close())
	}()
	return pr
}

// readerOnly tells source read errors apart from pipe write errors (the
// latter just mean the transport stopped reading).
type readerOnly struct {
	r  io.Reader
	st *uploadState
}

func (r readerOnly) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.st.set(err)
	}
	return n, err
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "", "\n", "")

func escapeQuotes(s string) string { return quoteEscaper.Replace(s) }

// lazyBody starts the stream on first Read, so retryablehttp's probe of
// the body (it calls the ReaderFunc once when the request is built) does
// not call Upload.Open.
type lazyBody struct {
	open   func() io.ReadCloser
	mu     sync.Mutex
	rc     io.ReadCloser
	closed bool
}

func (l *lazyBody) Read(p []byte) (int, error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return 0, io.ErrClosedPipe
	}
	if l.rc == nil {
		l.rc = l.open()
	}
	rc := l.rc
	l.mu.Unlock()
	return rc.Read(p)
}

func (l *lazyBody) Close() error {
	l.mu.Lock()
	l.closed = true
	rc := l.rc
	l.mu.Unlock()
	if rc != nil {
		return rc.Close()
	}
	return nil
}
