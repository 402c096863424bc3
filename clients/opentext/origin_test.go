package opentext

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	sim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// These tests put a second host next to the OTCS simulator: the "evil"
// host, on another port of 127.0.0.1, records the ticket, the password
// and the Authorization header of whatever reaches it and answers like
// OTCS would, handing out a ticket of its own. Nothing may reach it, and
// its ticket must never be used.

const evilTicket = "evil-ticket"

type otcsHit struct {
	Method, Path, Ticket, Password, Auth string
}

type otcsLog struct {
	mu   sync.Mutex
	hits []otcsHit
}

func (l *otcsLog) add(r *http.Request) {
	_ = r.ParseForm()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hits = append(l.hits, otcsHit{Method: r.Method, Path: r.URL.Path, Ticket: r.Header.Get("OTCSTicket"),
		Password: r.PostForm.Get("password"), Auth: r.Header.Get("Authorization")})
}

func (l *otcsLog) all() []otcsHit {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]otcsHit(nil), l.hits...)
}

func otcsEvilHost(t *testing.T) (*httptest.Server, *otcsLog) {
	t.Helper()
	log := &otcsLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(r)
		w.Header().Set("OTCSTicket", evilTicket)
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/api/v1/auth") {
			_, _ = io.WriteString(w, `{"ticket":"`+evilTicket+`"}`)
			return
		}
		_, _ = io.WriteString(w, `{"results":{"data":{"properties":{"id":2000,"name":"Evil Workspace","type":141}}}}`)
	}))
	t.Cleanup(srv.Close)
	return srv, log
}

func assertEvilUntouched(t *testing.T, log *otcsLog) {
	t.Helper()
	for _, h := range log.all() {
		switch {
		case h.Password != "":
			t.Errorf("the other host received the password %q on %s %s", h.Password, h.Method, h.Path)
		case h.Ticket != "":
			t.Errorf("the other host received the ticket %q on %s %s", h.Ticket, h.Method, h.Path)
		default:
			t.Errorf("the other host received %s %s", h.Method, h.Path)
		}
	}
}

// frontedSim serves the seeded simulator behind hook, which can answer a
// request itself (return true) instead. Every request is logged.
func frontedSim(t *testing.T, hook func(w http.ResponseWriter, r *http.Request) bool) (*httptest.Server, *otcsLog) {
	t.Helper()
	s, err := sim.New(sim.Options{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	log := &otcsLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Log without consuming the body the simulator still has to read.
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		lr := r.Clone(r.Context())
		lr.Body = io.NopCloser(strings.NewReader(string(body)))
		log.add(lr)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		if hook != nil && hook(w, r) {
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		srv.Close()
		_ = s.Close()
	})
	return srv, log
}

func otcsClient(t *testing.T, base string, hc *http.Client) *Client {
	t.Helper()
	c, err := New(Config{BaseURL: base + "/otcs/cs.exe", Username: "bridge", Password: "bridge-secret", HTTPClient: hc,
		Retry: rest.RetryConfig{Max: 3, WaitMin: time.Millisecond, WaitMax: 5 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func wantRefused(t *testing.T, err error, k rest.Kind) *rest.Error {
	t.Helper()
	var e *rest.Error
	if !errors.As(err, &e) {
		t.Errorf("err = %v (%T), want a *rest.Error of kind %s", err, err, k)
		return &rest.Error{}
	}
	if e.Service != "opentext" || e.Kind != k || e.Retryable() {
		t.Errorf("error = %+v, want kind %s, not retryable", e, k)
	}
	if strings.Contains(e.Error(), "bridge-secret") {
		t.Errorf("the password is in the error: %v", e)
	}
	return e
}

// TestLoginRedirectNotFollowed answers POST /api/v1/auth with 307 and
// 308, which make net/http resend the form, password included, to the
// Location. To another host the login must fail before anything is sent
// there, and no ticket from it may be taken; on the same host the
// redirect is not followed either.
func TestLoginRedirectNotFollowed(t *testing.T) {
	for _, code := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run("other-origin/"+http.StatusText(code), func(t *testing.T) {
			evil, evilLog := otcsEvilHost(t)
			api, apiLog := frontedSim(t, func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path == "/otcs/cs.exe/api/v1/auth" {
					http.Redirect(w, r, evil.URL+r.URL.Path, code)
					return true
				}
				return false
			})
			c := otcsClient(t, api.URL, nil)
			err := c.Login(ctx(t))
			assertEvilUntouched(t, evilLog)
			e := wantRefused(t, err, rest.KindForeignOrigin)
			if e.StatusCode != code || e.Path != "/api/v1/auth" {
				t.Errorf("error = %+v", e)
			}
			if c.ticket != "" {
				t.Errorf("adopted ticket %q", c.ticket)
			}
			if n := len(apiLog.all()); n != 1 {
				t.Errorf("API host got %d logins, want 1 (a refusal is not retried)", n)
			}
		})
	}
	t.Run("same-origin", func(t *testing.T) {
		api, apiLog := frontedSim(t, func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path == "/otcs/cs.exe/api/v1/auth" {
				http.Redirect(w, r, "/otcs/cs.exe/api/v1/auth2", http.StatusTemporaryRedirect)
				return true
			}
			return false
		})
		c := otcsClient(t, api.URL, nil)
		e := wantRefused(t, c.Login(ctx(t)), rest.KindProtocol)
		if e.StatusCode != http.StatusTemporaryRedirect {
			t.Errorf("error = %+v", e)
		}
		hits := apiLog.all()
		if len(hits) != 1 || hits[0].Path != "/otcs/cs.exe/api/v1/auth" || hits[0].Password != "bridge-secret" {
			t.Errorf("API host got %+v, want the one login", hits)
		}
	})
}

// TestTicketNotSentToOtherOrigin redirects an authenticated GET to the
// other host. net/http copies every header the caller set, OTCSTicket
// included, to any host; the client must refuse the redirect, keep its
// own ticket and go on working.
func TestTicketNotSentToOtherOrigin(t *testing.T) {
	for _, code := range []int{http.StatusFound, http.StatusTemporaryRedirect} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			evil, evilLog := otcsEvilHost(t)
			api, apiLog := frontedSim(t, func(w http.ResponseWriter, r *http.Request) bool {
				if strings.HasPrefix(r.URL.Path, "/otcs/cs.exe/api/v2/nodes/424242") {
					http.Redirect(w, r, evil.URL+"/otcs/cs.exe/api/v2/nodes/2000", code)
					return true
				}
				return false
			})
			c := otcsClient(t, api.URL, nil)
			_, err := c.GetNode(ctx(t), 424242)
			assertEvilUntouched(t, evilLog)
			e := wantRefused(t, err, rest.KindForeignOrigin)
			if e.StatusCode != code || !strings.Contains(e.Message, strings.TrimPrefix(evil.URL, "http://")) {
				t.Errorf("error = %+v", e)
			}
			// The client still works, on the simulator's ticket.
			n, err := c.GetNode(ctx(t), sim.EnterpriseWorkspaceID)
			if err != nil || n.Name == "Evil Workspace" {
				t.Fatalf("after the refusal: %+v, %v", n, err)
			}
			for _, h := range apiLog.all() {
				if h.Ticket == evilTicket {
					t.Errorf("the other host's ticket was used on %s %s", h.Method, h.Path)
				}
			}
		})
	}
}

// TestSameOriginRedirectFollowed: a redirect on BaseURL's origin is still
// followed, with the ticket.
func TestSameOriginRedirectFollowed(t *testing.T) {
	var mu sync.Mutex
	var ticketSent, ticketAtTarget string
	api, _ := frontedSim(t, func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case strings.HasPrefix(r.URL.Path, "/otcs/cs.exe/api/v2/nodes/424242"):
			mu.Lock()
			ticketSent = r.Header.Get("OTCSTicket")
			mu.Unlock()
			http.Redirect(w, r, "/otcs/cs.exe/api/v2/nodes/2000", http.StatusFound)
			return true
		case r.URL.Path == "/otcs/cs.exe/api/v2/nodes/2000":
			mu.Lock()
			ticketAtTarget = r.Header.Get("OTCSTicket")
			mu.Unlock()
		}
		return false
	})
	mine := &http.Client{}
	c := otcsClient(t, api.URL, mine)
	if mine.CheckRedirect != nil {
		t.Error("New modified the caller's HTTPClient")
	}
	n, err := c.GetNode(ctx(t), 424242)
	if err != nil || n.ID != sim.EnterpriseWorkspaceID {
		t.Fatalf("%+v, %v", n, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if ticketAtTarget == "" || ticketAtTarget != ticketSent {
		t.Errorf("ticket at the redirect target = %q, sent = %q", ticketAtTarget, ticketSent)
	}
}

// answerFrom is a transport that answers every request as if it came
// from another origin (resp.Request points there), with a ticket of its
// own: what a transport that follows redirects by itself, or a proxy,
// could hand back. The client must not take that ticket.
type answerFrom struct {
	origin string
	login  string // ticket in the login answer
}

func (a answerFrom) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	u, _ := url.Parse(a.origin + r.URL.Path)
	body := `{"results":{"data":{"properties":{"id":2000,"name":"Enterprise","type":141}}}}`
	if strings.HasSuffix(r.URL.Path, "/api/v1/auth") {
		body = `{"ticket":"` + a.login + `"}`
	}
	h := http.Header{"Content-Type": {"application/json"}, "Otcsticket": {evilTicket}}
	return &http.Response{StatusCode: http.StatusOK, Header: h, Body: io.NopCloser(strings.NewReader(body)),
		Request: &http.Request{Method: r.Method, URL: u}}, nil
}

// TestTicketFromOtherOriginNotAdopted checks the last line of defence: an
// answer that says it came from another origin never supplies a ticket,
// neither as the login's ticket nor as a rotated OTCSTicket header.
func TestTicketFromOtherOriginNotAdopted(t *testing.T) {
	const base = "http://otcs.example"
	c := otcsClient(t, base, &http.Client{Transport: answerFrom{origin: "http://evil.example", login: evilTicket}})
	wantRefused(t, c.Login(ctx(t)), rest.KindForeignOrigin)
	if c.ticket != "" {
		t.Errorf("adopted the login ticket %q from another origin", c.ticket)
	}

	// Same origin for the login, another for the call: the rotated ticket
	// in the call's answer is ignored.
	c = otcsClient(t, base, &http.Client{Transport: answerFrom{origin: base, login: "good-ticket"}})
	if err := c.Login(ctx(t)); err != nil || c.ticket != "good-ticket" {
		t.Fatalf("login: %v, ticket %q", err, c.ticket)
	}
	c.hc.HTTPClient.Transport = answerFrom{origin: "http://evil.example"}
	if _, err := c.GetNode(ctx(t), sim.EnterpriseWorkspaceID); err != nil {
		t.Fatal(err)
	}
	if c.ticket != "good-ticket" {
		t.Errorf("ticket = %q after an answer from another origin", c.ticket)
	}
}
