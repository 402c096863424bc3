package opentext

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

var timeNow = time.Now

// Login obtains a fresh ticket with POST /api/v1/auth. Calling it is
// optional: any other call logs in on first use.
func (c *Client) Login(ctx context.Context) error {
	c.loginMu.Lock()
	defer c.loginMu.Unlock()
	return c.loginLocked(ctx)
}

// loginLocked does the login; the caller holds loginMu.
func (c *Client) loginLocked(ctx context.Context) error {
	form := url.Values{"username": {c.cfg.Username}, "password": {c.cfg.Password}}
	if c.cfg.Domain != "" {
		form.Set("domain", c.cfg.Domain)
	}
	r := request{method: http.MethodPost, path: "/api/v1/auth", form: form}
	// The login carries the password: no redirect is followed for it, not
	// even on BaseURL's origin, so a 307/308 can never resend the form.
	resp, err := c.send(rest.WithoutRedirects(ctx), r, "")
	if err != nil {
		return err
	}
	defer drain(resp)
	if !c.fromOrigin(resp) {
		return rest.ForeignOriginError(service, r.method, r.path, "login answer", resp.Request.URL, c.origin)
	}
	if resp.StatusCode != http.StatusOK {
		return c.errorFrom(r, resp)
	}
	var out struct {
		Ticket string `json:"ticket"`
	}
	if err := decodeJSON(resp, &out); err != nil || out.Ticket == "" {
		return &rest.Error{Service: service, Method: r.method, Path: r.path, StatusCode: resp.StatusCode, Kind: rest.KindProtocol, Message: "login answer carries no ticket"}
	}
	c.mu.Lock()
	c.ticket = out.Ticket
	c.gen++
	c.mu.Unlock()
	return nil
}

// currentTicket returns the ticket to use, logging in if there is none.
func (c *Client) currentTicket(ctx context.Context) (string, uint64, error) {
	c.mu.Lock()
	t, g := c.ticket, c.gen
	c.mu.Unlock()
	if t != "" {
		return t, g, nil
	}
	c.loginMu.Lock()
	defer c.loginMu.Unlock()
	c.mu.Lock()
	t, g = c.ticket, c.gen
	c.mu.Unlock()
	if t != "" {
		return t, g, nil
	}
	if err := c.loginLocked(ctx); err != nil {
		return "", 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ticket, c.gen, nil
}

// relogin logs in again after a 401 seen with a ticket of generation gen,
// unless another goroutine already did so since.
func (c *Client) relogin(ctx context.Context, gen uint64) error {
	c.loginMu.Lock()
	defer c.loginMu.Unlock()
	c.mu.Lock()
	fresh := c.gen != gen
	c.mu.Unlock()
	if fresh {
		return nil
	}
	return c.loginLocked(ctx)
}

// adoptTicket keeps the rotated ticket from a response, but only if no
// login happened since the request started: a late answer on the old
// session must not overwrite the new session's ticket.
func (c *Client) adoptTicket(t string, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.ticket = t
	}
}
