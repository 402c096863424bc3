package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Credentials stay on their origin: both clients send their secret (a
// Confluence Authorization header, an OTCS ticket or password) only to the
// scheme, host and port of the configured base URL. The helpers below are
// what enforces that for redirects; links read from responses are checked
// by the clients with SameOrigin before they are requested.

// maxRedirects is the longest redirect chain followed, as net/http's
// default policy.
const maxRedirects = 10

// defaultPort is the port a scheme implies when a URL names none.
func defaultPort(scheme string) string {
	switch strings.ToLower(scheme) {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

// SameOrigin reports whether u is on the origin of trusted: the same
// scheme, host (case-insensitive) and port, an absent port standing for
// the scheme's default. A URL without a host (relative, or opaque such as
// "https:evil.example/x") is never on any origin.
func SameOrigin(u, trusted *url.URL) bool {
	if u == nil || trusted == nil || u.Host == "" || u.Opaque != "" {
		return false
	}
	if !strings.EqualFold(u.Scheme, trusted.Scheme) || !strings.EqualFold(u.Hostname(), trusted.Hostname()) {
		return false
	}
	p, tp := u.Port(), trusted.Port()
	if p == "" {
		p = defaultPort(u.Scheme)
	}
	if tp == "" {
		tp = defaultPort(trusted.Scheme)
	}
	return p == tp
}

// OriginOf returns u's origin as scheme://host[:port], for messages: it
// never includes a path, a query or user information.
func OriginOf(u *url.URL) string {
	if u == nil {
		return ""
	}
	if u.Host == "" {
		if u.Scheme != "" {
			return u.Scheme + ":"
		}
		return "(no host)"
	}
	return strings.ToLower(u.Scheme) + "://" + u.Host
}

// ForeignOriginError is the error for a link or redirect that leads off
// trusted's origin. what says where the URL came from ("link", "redirect").
func ForeignOriginError(service, method, path, what string, target, trusted *url.URL) *Error {
	return &Error{Service: service, Method: method, Path: path, Kind: KindForeignOrigin,
		Message: fmt.Sprintf("refused %s to %s: credentials are only sent to %s", what, OriginOf(target), OriginOf(trusted))}
}

type noRedirectsKey struct{}

// WithoutRedirects marks a request context so that a client made by
// SameOriginRedirects follows no redirect at all for it, not even on the
// trusted origin: for requests that carry a password.
func WithoutRedirects(ctx context.Context) context.Context {
	return context.WithValue(ctx, noRedirectsKey{}, true)
}

// SameOriginRedirects returns a copy of hc (a new client when hc is nil;
// hc itself is never modified) whose redirect policy refuses any redirect
// that leaves trusted's origin: another host, another port or another
// scheme (so also an https to http downgrade). The refused request is
// never sent, so neither the Authorization header nor any other header the
// caller set (net/http copies those on a redirect) reaches that host. The
// refusal is an *Error of KindForeignOrigin, which is not retried.
// Redirects on the trusted origin are followed (up to 10, or as hc's own
// CheckRedirect decides) unless the request context says WithoutRedirects.
func SameOriginRedirects(hc *http.Client, service string, trusted *url.URL) *http.Client {
	return withRedirectPolicy(hc, service, trusted, nil)
}

// CredentialFreeRedirects is SameOriginRedirects for requests whose answer
// may legitimately send the client elsewhere without the credentials: a
// file download that the API redirects to a storage host with the
// authorization in the URL (Confluence Cloud's 302 to
// https://api.media.atlassian.com/file/{id}/binary?token=…). Redirects on
// trusted's origin are followed as by SameOriginRedirects. A redirect off
// it is followed only when
//
//   - its scheme is https (never plain http, whatever the trusted scheme),
//   - it carries no user information,
//   - its host is on allow, and
//   - the chain is at most 10 redirects long (hc's own CheckRedirect, when
//     set, is asked as well);
//
// and the request to that host, and every later hop, carries no
// Authorization, Proxy-Authorization, Cookie or Referer header: they are
// removed before it is sent, and a cookie jar of hc's serves cookies for
// the trusted origin only. Once a chain has left the trusted origin it may
// not come back to it (the refusal is KindForeignOrigin), so no credential
// is sent on a hop a foreign host chose. Anything else is refused as by
// SameOriginRedirects, before it is sent.
func CredentialFreeRedirects(hc *http.Client, service string, trusted *url.URL, allow HostAllowlist) *http.Client {
	return withRedirectPolicy(hc, service, trusted, &allow)
}

// credentialHeaders are removed from every request of a chain that has
// left the trusted origin. Referer is not a credential, but names the
// API call that led there.
var credentialHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Cookie2", "Referer"}

// withRedirectPolicy implements SameOriginRedirects (allow == nil) and
// CredentialFreeRedirects.
func withRedirectPolicy(hc *http.Client, service string, trusted *url.URL, allow *HostAllowlist) *http.Client {
	var cp http.Client
	if hc != nil {
		cp = *hc
	}
	prev := cp.CheckRedirect
	origin := &url.URL{Scheme: trusted.Scheme, Host: trusted.Host}
	if allow != nil && cp.Jar != nil {
		cp.Jar = originJar{next: cp.Jar, origin: origin}
	}
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		first := via[0]
		refuse := func(e *Error) error {
			if req.Response != nil {
				e.StatusCode = req.Response.StatusCode
			}
			return e
		}
		foreign := func(msg string) error {
			e := ForeignOriginError(service, first.Method, first.URL.Path, "redirect", req.URL, origin)
			if msg != "" {
				e.Message = msg
			}
			return refuse(e)
		}
		onOrigin := SameOrigin(req.URL, origin) && req.URL.User == nil
		if !onOrigin && (allow == nil || req.URL.User != nil) {
			return foreign("")
		}
		// off: this hop goes without credentials, because it leaves the
		// origin or because an earlier one did.
		off := !onOrigin || leftOrigin(via, origin)
		if off {
			switch {
			case onOrigin:
				return foreign(fmt.Sprintf("refused redirect back to %s after the redirect chain left it", OriginOf(origin)))
			case !strings.EqualFold(req.URL.Scheme, "https"):
				return foreign(fmt.Sprintf("refused redirect to %s: only https redirects to an allowed download host are followed (credentials are only sent to %s)",
					OriginOf(req.URL), OriginOf(origin)))
			case !allow.Allows(req.URL):
				return foreign(fmt.Sprintf("refused redirect to %s: not an allowed download host, and credentials are only sent to %s",
					OriginOf(req.URL), OriginOf(origin)))
			}
		}
		if v, _ := req.Context().Value(noRedirectsKey{}).(bool); v {
			return refuse(&Error{Service: service, Method: first.Method, Path: first.URL.Path, Kind: KindProtocol,
				Message: "answered with a redirect, which is not followed for this request (it carries a password)"})
		}
		if prev != nil {
			if err := prev(req, via); err != nil {
				return err
			}
		}
		if (prev == nil || off) && len(via) >= maxRedirects {
			return errors.New("stopped after 10 redirects")
		}
		if off {
			// After the caller's policy, so nothing it did puts them back.
			for _, h := range credentialHeaders {
				req.Header.Del(h)
			}
		}
		return nil
	}
	return &cp
}

// leftOrigin reports whether any request of a redirect chain went off
// origin.
func leftOrigin(via []*http.Request, origin *url.URL) bool {
	for _, r := range via {
		if !SameOrigin(r.URL, origin) || r.URL.User != nil {
			return true
		}
	}
	return false
}

// originJar hands a cookie jar's cookies only to, and takes new ones only
// from, the trusted origin.
type originJar struct {
	next   http.CookieJar
	origin *url.URL
}

func (j originJar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	if SameOrigin(u, j.origin) {
		j.next.SetCookies(u, cookies)
	}
}

func (j originJar) Cookies(u *url.URL) []*http.Cookie {
	if SameOrigin(u, j.origin) && u.User == nil {
		return j.next.Cookies(u)
	}
	return nil
}

// HostAllowlist is a set of hosts, each a host name (any port) or a
// host:port, that CredentialFreeRedirects may follow a redirect to. Its
// zero value allows no host.
type HostAllowlist struct {
	entries []hostEntry
}

type hostEntry struct {
	host string // lower case, no trailing dot, IPv6 without brackets
	port string // decimal without leading zeros; "" for any port
}

// NewHostAllowlist parses hosts: each entry is a host name or IP address
// ("api.media.atlassian.com", "10.0.0.5", "[::1]"), which allows every
// port of that host, or one with a port ("files.example.com:8443"), which
// allows that port only (an absent port in a URL standing for its
// scheme's default). Names compare without regard to case or a trailing
// dot; there are no wildcards. Schemes, paths, user information and
// blank entries are errors.
func NewHostAllowlist(hosts []string) (HostAllowlist, error) {
	var a HostAllowlist
	for _, h := range hosts {
		s := strings.TrimSpace(h)
		bad := fmt.Errorf("%q is not a host name or host:port", h)
		if s == "" || strings.ContainsAny(s, "/\\?#@*% \t") || strings.HasSuffix(s, ":") {
			return HostAllowlist{}, bad
		}
		u, err := url.Parse("https://" + s)
		if err != nil || u.Host != s || u.Hostname() == "" || u.Path != "" {
			return HostAllowlist{}, bad
		}
		e := hostEntry{host: normHost(u.Hostname())}
		if e.host == "" {
			return HostAllowlist{}, bad
		}
		if p := u.Port(); p != "" {
			if e.port = normPort(p); e.port == "" {
				return HostAllowlist{}, bad
			}
		}
		a.entries = append(a.entries, e)
	}
	return a, nil
}

// Allows reports whether u's host (and port, for an entry that names one)
// is on the list. It says nothing about the scheme.
func (a HostAllowlist) Allows(u *url.URL) bool {
	if u == nil || u.Host == "" || u.Opaque != "" {
		return false
	}
	host := normHost(u.Hostname())
	port := u.Port()
	if port == "" {
		port = defaultPort(u.Scheme)
	}
	port = normPort(port)
	for _, e := range a.entries {
		if e.host == host && (e.port == "" || e.port == port) {
			return true
		}
	}
	return false
}

func normHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// normPort returns p without leading zeros, or "" when p is not a port
// number.
func normPort(p string) string {
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 || strings.TrimLeft(p, "0123456789") != "" {
		return ""
	}
	return strconv.Itoa(n)
}

// RedirectRefusal returns the redirect policy's own refusal (see
// SameOriginRedirects) inside a transport error, relabelled with the
// calling service, method and path; false when err is something else.
func RedirectRefusal(err error, service, method, path string) (*Error, bool) {
	var re *Error
	if !errors.As(err, &re) {
		return nil, false
	}
	cp := *re
	cp.Service, cp.Method, cp.Path = service, method, path
	return &cp, true
}
