package confluence

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

const service = "confluence"

// maxErrorBody bounds how much of an error response is read: enough for
// any Atlassian error document, not a whole HTML error page.
const maxErrorBody = 64 << 10

// do sends a request through the retrying transport and returns the
// response only when it is 2xx; the caller closes its body. body may be
// nil; it is replayable, so retries resend it.
func (c *Client) do(ctx context.Context, method, rawURL string, body []byte, contentType string) (*http.Response, error) {
	return c.doWith(ctx, c.rc, method, rawURL, body, contentType, nil)
}

// doWith is do through rc (c.rc, or c.dl for an attachment download) with
// extra headers (may be nil). The credentials are set on the first request
// only, which is on the base's origin; whether they go along on a redirect
// is rc's redirect policy's to decide (see New).
func (c *Client) doWith(ctx context.Context, rc *retryablehttp.Client, method, rawURL string, body []byte, contentType string, extra http.Header) (*http.Response, error) {
	// Last line of defence: whatever built rawURL, the credentials go to
	// the base's origin only.
	if u, err := url.Parse(rawURL); err != nil {
		return nil, &rest.Error{Service: service, Method: method, Kind: rest.KindProtocol, Message: "not a usable URL"}
	} else if err := c.onOrigin(method, u, "request"); err != nil {
		return nil, err
	}
	var rb any
	if body != nil {
		rb = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, rawURL, rb)
	if err != nil {
		return nil, &rest.Error{Service: service, Method: method, Path: pathOf(rawURL), Kind: rest.KindProtocol, Message: err.Error()}
	}
	c.setHeaders(req.Request)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range extra {
		req.Header[k] = v
	}
	resp, err := rc.Do(req)
	return c.check(ctx, method, rawURL, resp, err)
}

func (c *Client) setHeaders(req *http.Request) {
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
}

// check turns a transport error or a non-2xx response into an error.
func (c *Client) check(ctx context.Context, method, rawURL string, resp *http.Response, err error) (*http.Response, error) {
	if err != nil {
		if ctx.Err() != nil {
			// Let callers (and Temporal) see cancellation as such.
			return nil, fmt.Errorf("confluence %s %s: %w", method, pathOf(rawURL), ctx.Err())
		}
		if re, ok := rest.RedirectRefusal(err, service, method, pathOf(rawURL)); ok {
			return nil, re
		}
		return nil, &rest.Error{Service: service, Method: method, Path: pathOf(rawURL), Kind: rest.KindTransport, Message: transportMessage(err)}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, errorFromResponse(method, rawURL, resp)
}

// transportMessage drops the URL from a *url.Error: the path is already in
// the rest.Error, and query strings have no business in logs.
func transportMessage(err error) string {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err.Error()
	}
	return err.Error()
}

// errorFromResponse reads an Atlassian error body: the v2 shape
// {"errors":[{status,code,title,detail}]}, the v1/DC shape
// {"statusCode","message"}, plain text, or nothing at all.
func errorFromResponse(method, rawURL string, resp *http.Response) *rest.Error {
	e := &rest.Error{Service: service, Method: method, Path: pathOf(rawURL), StatusCode: resp.StatusCode,
		Kind: rest.KindForStatus(resp.StatusCode)}
	if d, ok := rest.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
		e.RetryAfter = d
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e.Code, e.Message = parseErrorBody(raw)
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

func parseErrorBody(raw []byte) (code, msg string) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return "", ""
	}
	var doc struct {
		Errors []struct {
			Code   string          `json:"code"`
			Title  string          `json:"title"`
			Detail json.RawMessage `json:"detail"`
		} `json:"errors"`
		Message string `json:"message"`
		Reason  string `json:"reason"`
	}
	if trimmed[0] == '{' && json.Unmarshal(trimmed, &doc) == nil {
		if len(doc.Errors) > 0 {
			var msgs []string
			for _, er := range doc.Errors {
				m := er.Title
				var detail string
				if json.Unmarshal(er.Detail, &detail) == nil && detail != "" {
					m += ": " + detail
				}
				msgs = append(msgs, m)
			}
			return doc.Errors[0].Code, strings.Join(msgs, "; ")
		}
		if doc.Message != "" {
			return "", doc.Message
		}
		if doc.Reason != "" {
			return "", doc.Reason
		}
	}
	// text/plain (the edge proxy's 401) or an HTML page: keep a short,
	// single-line excerpt.
	s := strings.Join(strings.Fields(string(trimmed)), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return "", s
}

// getJSON fetches rawURL and decodes the 2xx JSON answer into out.
func (c *Client) getJSON(ctx context.Context, rawURL string, out any) error {
	return c.callJSON(ctx, http.MethodGet, rawURL, nil, out)
}

// callJSON sends in (when not nil) as JSON and decodes the answer into out
// (when not nil).
func (c *Client) callJSON(ctx context.Context, method, rawURL string, in, out any) error {
	return c.callJSONWith(ctx, method, rawURL, nil, in, out)
}

// callJSONWith is callJSON with extra request headers.
func (c *Client) callJSONWith(ctx context.Context, method, rawURL string, extra http.Header, in, out any) error {
	var body []byte
	ct := ""
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("confluence %s %s: encoding request: %w", method, pathOf(rawURL), err)
		}
		ct = "application/json"
	}
	resp, err := c.doWith(ctx, c.rc, method, rawURL, body, ct, extra)
	if err != nil {
		return err
	}
	// Read to the end (the newline after the JSON, say): a body closed
	// early takes its keep-alive connection with it.
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
	}()
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return &rest.Error{Service: service, Method: method, Path: pathOf(rawURL), StatusCode: resp.StatusCode,
			Kind: rest.KindProtocol, Message: "decoding response: " + err.Error()}
	}
	return nil
}

func pathOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Path
}
