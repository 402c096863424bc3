package conversion

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"strings"
)

// Result kinds.
const (
	KindDOCX     = "docx"
	KindHTML     = "html"
	KindMarkdown = "markdown"
	KindAttached = "attached"
)

// MIME types Convert recognises.
const (
	MediaTypeDOCX     = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	MediaTypeHTML     = "text/html"
	MediaTypeMarkdown = "text/markdown"
)

// Attachment is a file the page body refers to: an image extracted from a
// DOCX, or the original file of an "attached" result.
type Attachment struct {
	Name      string // attachment file name, as referenced by ri:filename
	MediaType string
	Data      []byte
}

// Result is a converted document.
type Result struct {
	Kind        string       // KindDOCX, KindHTML, KindMarkdown or KindAttached
	Storage     string       // Confluence storage-format body
	Attachments []Attachment // sorted by Name
	Notes       []string     // what the sanitiser removed, in document order
}

// Convert reads one document and converts it to Confluence storage format,
// choosing the converter from mimeType and fileName (see the package
// documentation). It never fetches anything the document points to.
func Convert(ctx context.Context, fileName, mimeType string, r io.Reader, lim Limits) (*Result, error) {
	lim = lim.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	data, err := readLimited(r, lim.MaxInput)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, &Error{Kind: ErrTooLarge, File: fileName, Msg: fmt.Sprintf("more than %d bytes", lim.MaxInput)}
		}
		return nil, fmt.Errorf("conversion of %q: read: %w", fileName, err)
	}
	var res *Result
	switch kind := kindOf(fileName, mimeType); kind {
	case KindDOCX:
		res, err = convertDOCX(ctx, fileName, data, lim)
	case KindHTML:
		res, err = sanitizeResult(kind, data, nil)
	case KindMarkdown:
		var page []byte
		if page, err = renderMarkdown(data); err == nil {
			res, err = sanitizeResult(kind, page, nil)
		}
	default:
		return attached(fileName, mimeType, data), nil
	}
	if err != nil {
		return nil, withFile(err, fileName)
	}
	if int64(len(res.Storage)) > lim.MaxOutput {
		return nil, &Error{Kind: ErrOutputTooLarge, File: fileName, Msg: fmt.Sprintf("storage body of %d bytes exceeds %d", len(res.Storage), lim.MaxOutput)}
	}
	// The sanitiser is fast, but honour a deadline it ran into.
	if ctxErr := contextError(ctx, fileName); ctxErr != nil {
		return nil, ctxErr
	}
	return res, nil
}

// readLimited reads all of r, failing with ErrTooLarge past max bytes.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if n > max {
		return nil, ErrTooLarge
	}
	return buf.Bytes(), nil
}

// genericTypes say nothing about the format, so the extension decides.
// Repositories commonly label DOCX as zip and Markdown as plain text.
var genericTypes = map[string]bool{
	"": true, "application/octet-stream": true, "binary/octet-stream": true, "text/plain": true,
	"application/zip": true, "application/x-zip-compressed": true,
}

// kindOf picks the converter: a specific MIME type wins, a generic one
// defers to the file extension.
func kindOf(fileName, mimeType string) string {
	mt, _, err := mime.ParseMediaType(mimeType)
	if err != nil {
		mt = ""
	}
	switch mt {
	case MediaTypeDOCX:
		return KindDOCX
	case MediaTypeHTML, "application/xhtml+xml":
		return KindHTML
	case MediaTypeMarkdown, "text/x-markdown":
		return KindMarkdown
	}
	if !genericTypes[mt] {
		return KindAttached
	}
	switch strings.ToLower(path.Ext(baseName(fileName))) {
	case ".docx":
		return KindDOCX
	case ".html", ".htm":
		return KindHTML
	case ".md", ".markdown":
		return KindMarkdown
	}
	return KindAttached
}

// attached keeps the file as it is and shows it with the view-file macro.
func attached(fileName, mimeType string, data []byte) *Result {
	name := attachmentFileName(fileName)
	mt, _, err := mime.ParseMediaType(mimeType)
	if err != nil || mt == "" {
		mt = mediaTypeOf(name, data)
	}
	var b strings.Builder
	b.WriteString(`<ac:structured-macro ac:name="view-file" ac:schema-version="1"><ac:parameter ac:name="name"><ri:attachment ri:filename="`)
	b.WriteString(escapeAttr(name))
	b.WriteString(`" /></ac:parameter></ac:structured-macro>`)
	return &Result{Kind: KindAttached, Storage: b.String(), Attachments: []Attachment{{Name: name, MediaType: mt, Data: data}}}
}

// withFile stamps the file name on an *Error made below Convert.
func withFile(err error, fileName string) error {
	var e *Error
	if errors.As(err, &e) && e.File == "" {
		e.File = fileName
	}
	return err
}
