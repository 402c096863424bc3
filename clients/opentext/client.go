package opentext

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

const service = "opentext"

// Config configures a Client.
type Config struct {
	BaseURL    string // CGI root, e.g. https://host/otcs/cs.exe; calls go to BaseURL+"/api/v1|v2/..."
	Username   string
	Password   string
	Domain     string // optional OTCS login domain
	HTTPClient *http.Client
	Retry      rest.RetryConfig
	UserAgent  string
}

// Client talks to one Content Server as one user. It is safe for
// concurrent use.
type Client struct {
	base   string
	origin *url.URL // scheme://host:port of BaseURL: the only place the password and ticket are sent
	cfg    Config
	hc     *retryablehttp.Client

	mu     sync.Mutex // guards ticket and gen
	ticket string
	gen    uint64 // bumped on every login, to tell stale tickets apart

	loginMu sync.Mutex // one login at a time

	cache ttlCache // category definitions and folder paths
}

// New validates cfg and returns a client. No request is made; the first
// call (or Login) logs in.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("opentext: BaseURL %q must be an absolute URL such as https://host/otcs/cs.exe", cfg.BaseURL)
	}
	if cfg.Username == "" {
		return nil, errors.New("opentext: Username is required")
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "xecm-bridge-opentext/1"
	}
	origin := &url.URL{Scheme: u.Scheme, Host: u.Host}
	hc := rest.NewRetryingClient(service, cfg.HTTPClient, cfg.Retry)
	// Never follow a redirect off BaseURL's origin: net/http would copy
	// the OTCSTicket header (and, on a 307/308, the login form) there. A
	// copy, so the caller's HTTPClient keeps its own policy.
	hc.HTTPClient = rest.SameOriginRedirects(hc.HTTPClient, service, origin)
	base := hc.CheckRetry
	hc.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		if serr := sourceFailed(ctx); serr != nil {
			return false, serr // the upload source broke; the server is not to blame
		}
		if err == nil && resp != nil && resp.StatusCode >= 500 && definiteServerAnswer(resp) {
			return false, nil
		}
		return base(ctx, resp, err)
	}
	return &Client{base: strings.TrimRight(cfg.BaseURL, "/"), origin: origin, cfg: cfg, hc: hc}, nil
}

// definiteServerAnswer peeks at a 5xx body: OTCS reports duplicates,
// missing nodes and unknown sort columns as HTTP 500, and repeating those
// only repeats the answer
// (and re-uploads the file). The peeked bytes are put back for the caller.
func definiteServerAnswer(resp *http.Response) bool {
	if resp.Body == nil {
		return false
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(head, &e) != nil {
		return false
	}
	return kindForMessage(e.Error) != ""
}

// kindForMessage recognises OTCS error texts whose meaning the status
// does not carry; "" when the status should decide.
func kindForMessage(msg string) rest.Kind {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "already exists"), strings.Contains(m, "is already applied to"):
		return rest.KindConflict
	case strings.Contains(m, "could not get a node"), strings.Contains(m, "could not be accessed"),
		strings.Contains(m, "could not locate node"), strings.Contains(m, "is not applied to"):
		return rest.KindNotFound
	case strings.Contains(m, "specified for sorting"):
		return rest.KindBadRequest // "Invalid column name (…) specified for sorting", a 500
	case strings.Contains(m, "insufficient permissions"), strings.Contains(m, "insufficient privileges"):
		return rest.KindForbidden // the permission and member endpoints say so with a 500
	}
	return ""
}

// request describes one API call.
type request struct {
	method string
	path   string                                    // after BaseURL, e.g. "/api/v2/nodes/2000"
	query  url.Values                                // optional
	form   url.Values                                // form-urlencoded body, optional
	body   func() (retryablehttp.ReaderFunc, string) // streamed body factory + content type, optional
	served *time.Time                                // optional: set to the answer's Date header (zero without one)
}

// do sends r with the current ticket, logging in first if needed and once
// more on a 401. The caller closes the returned body.
func (c *Client) do(ctx context.Context, r request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		ticket, gen, err := c.currentTicket(ctx)
		if err != nil {
			return nil, err
		}
		resp, err := c.send(ctx, r, ticket)
		if err != nil {
			return nil, err
		}
		if t := resp.Header.Get("OTCSTicket"); t != "" && c.fromOrigin(resp) {
			c.adoptTicket(t, gen)
		}
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 {
			drain(resp)
			if err := c.relogin(ctx, gen); err != nil {
				return nil, err
			}
			continue
		}
		if resp.StatusCode >= 300 {
			defer drain(resp)
			return nil, c.errorFrom(r, resp)
		}
		return resp, nil
	}
}

// send performs one logical request through the retrying transport.
func (c *Client) send(ctx context.Context, r request, ticket string) (*http.Response, error) {
	u := c.base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var raw any
	contentType := ""
	switch {
	case r.body != nil:
		var fn retryablehttp.ReaderFunc
		fn, contentType = r.body()
		raw = fn
	case r.form != nil:
		raw = []byte(r.form.Encode())
		contentType = "application/x-www-form-urlencoded"
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, u, raw)
	if err != nil {
		return nil, &rest.Error{Service: service, Method: r.method, Path: r.path, Kind: rest.KindProtocol, Message: err.Error()}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if ticket != "" {
		req.Header.Set("OTCSTicket", ticket)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if re, ok := rest.RedirectRefusal(err, service, r.method, r.path); ok && ctx.Err() == nil {
			re.Message = scrub(re.Message, ticket)
			return nil, re
		}
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, &rest.Error{Service: service, Method: r.method, Path: r.path, Kind: rest.KindTransport, Message: scrub(err.Error(), ticket)}
	}
	return resp, nil
}

// fromOrigin reports whether resp was answered by BaseURL's origin. The
// redirect policy already refuses to leave it; this keeps a ticket from
// anywhere else from ever being adopted even so.
func (c *Client) fromOrigin(resp *http.Response) bool {
	if resp.Request == nil || resp.Request.URL == nil {
		return true // no redirect was followed: the request went to BaseURL
	}
	return rest.SameOrigin(resp.Request.URL, c.origin)
}

// scrub removes a secret from a message, in case a transport error ever
// echoes request details.
func scrub(msg, secret string) string {
	if secret != "" {
		msg = strings.ReplaceAll(msg, secret, "<redacted>")
	}
	return msg
}

// errorFrom turns a non-2xx response into a *rest.Error.
func (c *Client) errorFrom(r request, resp *http.Response) error {
	e := &rest.Error{Service: service, Method: r.method, Path: r.path, StatusCode: resp.StatusCode, Kind: rest.KindForStatus(resp.StatusCode)}
	if d, ok := rest.ParseRetryAfter(resp.Header.Get("Retry-After"), timeNow()); ok {
		e.RetryAfter = d
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body struct {
		Error       string `json:"error"`
		ErrorDetail string `json:"errorDetail"`
	}
	if json.Unmarshal(b, &body) == nil && body.Error != "" {
		e.Message = body.Error
		if body.ErrorDetail != "" {
			e.Message += " (" + body.ErrorDetail + ")"
		}
	} else {
		e.Message = strings.TrimSpace(string(b))
		if len(e.Message) > 200 {
			e.Message = e.Message[:200] + "..."
		}
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	if resp.StatusCode != http.StatusTooManyRequests {
		if k := kindForMessage(e.Message); k != "" {
			e.Kind = k
		}
	}
	c.mu.Lock()
	e.Message = scrub(e.Message, c.ticket)
	c.mu.Unlock()
	e.Message = scrub(e.Message, c.cfg.Password)
	return e
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
}

// call sends r and decodes a JSON success body into out (if non-nil).
func (c *Client) call(ctx context.Context, r request, out any) error {
	resp, err := c.do(ctx, r)
	if err != nil {
		return err
	}
	defer drain(resp)
	if r.served != nil {
		*r.served, _ = http.ParseTime(resp.Header.Get("Date"))
	}
	if out == nil {
		return nil
	}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return &rest.Error{Service: service, Method: r.method, Path: r.path, StatusCode: resp.StatusCode, Kind: rest.KindProtocol,
			Message: "response is not the expected JSON: " + err.Error()}
	}
	return nil
}

// bodyForm builds a form whose `body` field holds v as JSON, the way OTCS
// wants structured parameters.
func bodyForm(v any) (url.Values, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return url.Values{"body": {string(b)}}, nil
}
