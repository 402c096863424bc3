package confluence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// Attachments returns all attachments of a page, following every result
// page.
func (c *Client) Attachments(ctx context.Context, pageID string) ([]Attachment, error) {
	if pageID == "" {
		return nil, badInput(http.MethodGet, "", "page id is empty")
	}
	if c.flavor == DataCenter {
		raw, err := allV1[v1ContentJSON](ctx, c, c.v1+"/content/"+escape(pageID)+"/child/attachment")
		if err != nil {
			return nil, err
		}
		out := make([]Attachment, len(raw))
		for i, a := range raw {
			out[i] = a.toAttachment()
		}
		return out, nil
	}
	raw, err := allV2[v2AttachmentJSON](ctx, c, c.v2+"/pages/"+escape(pageID)+"/attachments")
	if err != nil {
		return nil, err
	}
	out := make([]Attachment, len(raw))
	for i, a := range raw {
		out[i] = a.toAttachment()
	}
	return out, nil
}

// DownloadAttachment streams the content of version att.Version of an
// attachment, or of its current version when att.Version is 0 (a download
// link carries its own version). It asks the v1 download endpoint, which
// redirects (302) to the download servlet on the same origin, followed
// with the same credentials, or, on Confluence Cloud, to the media service
// (https://api.media.atlassian.com/file/… with a token in the URL),
// followed only over https, to a host on Config.DownloadRedirectHosts, and
// without the credentials or cookies. The body is never buffered: the
// caller reads and closes it.
func (c *Client) DownloadAttachment(ctx context.Context, pageID string, att Attachment) (io.ReadCloser, error) {
	var u string
	switch {
	case att.ID != "" && pageID != "":
		u = c.v1 + "/content/" + escape(pageID) + "/child/attachment/" + escape(att.ID) + "/download" +
			attachmentVersionQuery(att.Version) // att.Version 0: the current version
	case att.DownloadLink != "":
		var err error
		if u, err = c.resolveV1Link(att.DownloadLink); err != nil {
			return nil, err
		}
	default:
		return nil, badInput(http.MethodGet, "", "attachment has neither an id (with a page id) nor a download link")
	}
	resp, err := c.doWith(ctx, c.dl, http.MethodGet, u, nil, "", nil)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// errUploadDone stops the body writer once the server has answered.
var errUploadDone = errors.New("upload finished")

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// UploadAttachment uploads r as fileName to the page. On Cloud it PUTs the
// collection, which adds the file or a new version of an existing file of
// the same name. On Data Center, which has no PUT there, it adds the file
// or, when the name exists, posts a new version to .../{attId}/data.
//
// The multipart body is produced on the fly through a pipe, so files of
// any size are sent without being held in memory. For the same reason the
// request is not retried at the HTTP level: the body cannot be replayed.
// Retrying is left to the caller (a Temporal activity), who can reopen r.
func (c *Client) UploadAttachment(ctx context.Context, pageID, fileName, mediaType string, r io.Reader, comment string) (*Attachment, error) {
	if pageID == "" || fileName == "" || r == nil {
		return nil, badInput(http.MethodPost, "", "page id, file name and content are required")
	}
	if mediaType == "" {
		mediaType = "application/octet-stream"
	}
	method, u := http.MethodPut, c.v1+"/content/"+escape(pageID)+"/child/attachment"
	if c.flavor == DataCenter {
		method = http.MethodPost
		existing, err := c.findAttachmentV1(ctx, pageID, fileName)
		if err != nil {
			return nil, err
		}
		if existing != "" {
			u += "/" + escape(existing) + "/data"
		}
	}

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	writeErr := make(chan error, 1)
	go func() {
		err := writeUpload(mw, fileName, mediaType, r, comment)
		_ = pw.CloseWithError(err)
		writeErr <- err
	}()

	req, err := http.NewRequestWithContext(ctx, method, u, pr)
	if err != nil {
		_ = pr.Close()
		<-writeErr
		return nil, badInput(method, pathOf(u), err.Error())
	}
	c.setHeaders(req)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	// Confluence's XSRF filter rejects multipart posts without it.
	req.Header.Set("X-Atlassian-Token", "no-check")
	resp, err := c.plain.Do(req)
	// If the server answered before reading everything, stop the writer
	// and wait for it, so r is not read after we return.
	_ = pr.CloseWithError(errUploadDone)
	if werr := <-writeErr; err != nil && werr != nil && !errors.Is(werr, errUploadDone) && ctx.Err() == nil {
		// The transport failed because reading the content failed: say so,
		// rather than blaming the network.
		return nil, fmt.Errorf("confluence %s %s: reading upload content: %w", method, pathOf(u), werr)
	}
	resp, err = c.check(ctx, method, u, resp, err)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, &rest.Error{Service: service, Method: method, Path: pathOf(u), StatusCode: resp.StatusCode, Kind: rest.KindTransport, Message: err.Error()}
	}
	// The collection endpoints answer with a content array, .../data with
	// a single content object.
	var one v1ContentJSON
	var list v1List[v1ContentJSON]
	if bytes.Contains(raw, []byte(`"results"`)) && json.Unmarshal(raw, &list) == nil && len(list.Results) > 0 {
		one = list.Results[0]
	} else if err := json.Unmarshal(raw, &one); err != nil || one.ID == "" {
		return nil, &rest.Error{Service: service, Method: method, Path: pathOf(u), StatusCode: resp.StatusCode,
			Kind: rest.KindProtocol, Message: "upload answer has no attachment"}
	}
	a := one.toAttachment()
	return &a, nil
}

// writeUpload writes the multipart parts Confluence expects: file,
// minorEdit and, when given, comment.
func writeUpload(mw *multipart.Writer, fileName, mediaType string, r io.Reader, comment string) error {
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+quoteEscaper.Replace(fileName)+`"`)
	h.Set("Content-Type", mediaType)
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := io.Copy(part, r); err != nil {
		return err
	}
	if err := mw.WriteField("minorEdit", "true"); err != nil {
		return err
	}
	if comment != "" {
		ch := textproto.MIMEHeader{}
		ch.Set("Content-Disposition", `form-data; name="comment"`)
		ch.Set("Content-Type", "text/plain; charset=utf-8")
		cp, err := mw.CreatePart(ch)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(cp, comment); err != nil {
			return err
		}
	}
	return mw.Close()
}

// findAttachmentV1 returns the id of the page's attachment named fileName,
// or "" when there is none.
func (c *Client) findAttachmentV1(ctx context.Context, pageID, fileName string) (string, error) {
	u := c.v1 + "/content/" + escape(pageID) + "/child/attachment?" + url.Values{"filename": {fileName}}.Encode()
	list, err := allV1[v1ContentJSON](ctx, c, u)
	if err != nil {
		return "", err
	}
	for _, a := range list {
		if a.Title == fileName {
			return string(a.ID), nil
		}
	}
	return "", nil
}
