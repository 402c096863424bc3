// Package confluence is a typed client for the parts of the Confluence REST
// APIs the bridge needs: pages (read, create, update, move, find by title,
// children), spaces, labels, content properties, attachments, footer
// comments, page restrictions (with the read restrictions a page
// inherits from its ancestors), users and groups, space read permissions,
// the content permission check, CQL searches (changed pages, pages with
// a label) and content templates, on Confluence Cloud (REST v2 where it
// can, v1 where v2 cannot: labels, attachment uploads, restrictions,
// users and groups, search, move, templates) and on Confluence Data
// Center (REST v1 shapes under /rest/api; templates under /rest/api or
// /rest/experimental, whichever the site serves).
//
// A client acts as the account its Config authenticates: to see what a
// person may see, build one with that person's credentials.
//
// Every call takes a context. Every failure with an HTTP answer is a
// *rest.Error with Service "confluence", the status, Atlassian's message and
// a Kind; transient answers (429, 5xx) are retried by the rest transport,
// honouring Retry-After, and other 4xx never are. Credentials are sent in
// headers only and never appear in errors.
//
// Credentials stay on the configured origin (the scheme, host and port of
// BaseURL). Links read from answers (_links.next, download links) are
// resolved with net/url against the base and refused, as a
// rest.KindForeignOrigin error, when they lead anywhere else; so are
// redirects to another origin, including an https to http downgrade.
// Redirects on the same origin (the attachment download's 302 to the
// download servlet) are followed.
//
// The one exception is DownloadAttachment, which Confluence Cloud
// redirects to its media service (https://api.media.atlassian.com/...,
// with a token in the URL). Its redirects may leave the origin for a host
// on Config.DownloadRedirectHosts, over https only, and such a hop (and
// any after it) is sent without the Authorization header, cookies or a
// Referer. Every other request keeps to the origin.
package confluence

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// Flavor says which Confluence product the client talks to.
type Flavor string

// The supported flavors.
const (
	Cloud      Flavor = "cloud"
	DataCenter Flavor = "datacenter"
)

// Config configures a Client.
type Config struct {
	// BaseURL is, for Cloud, the site root (https://acme.atlassian.net; the
	// client adds /wiki/api/v2 and /wiki/rest/api) and, for Data Center,
	// the base including any context path
	// (https://wiki.example.com/confluence; the client adds /rest/api).
	BaseURL         string
	Flavor          Flavor // default Cloud
	Email, APIToken string // Basic auth (Cloud) when both are set
	Token           string // Bearer (PAT on DC, OAuth access token); wins over Basic
	HTTPClient      *http.Client
	Retry           rest.RetryConfig
	UserAgent       string

	// DownloadRedirectHosts are the hosts other than BaseURL's to which
	// DownloadAttachment follows a redirect: each a host name (any port)
	// or host:port. Such a redirect is followed only over https, and
	// without the credentials (no Authorization header, no cookies); the
	// chain may not come back to BaseURL's origin, and is at most 10
	// redirects long. nil means DefaultDownloadRedirectHosts (Confluence
	// Cloud's media service); an empty, non-nil list refuses every
	// redirect off BaseURL's origin, as all other requests do.
	DownloadRedirectHosts []string
}

// DefaultDownloadRedirectHost is where Confluence Cloud's v1 attachment
// download redirects (302) to: its media service, authorised by a token
// in the URL.
const DefaultDownloadRedirectHost = "api.media.atlassian.com"

// DefaultDownloadRedirectHosts returns the allowlist used when
// Config.DownloadRedirectHosts is nil: DefaultDownloadRedirectHost.
func DefaultDownloadRedirectHosts() []string { return []string{DefaultDownloadRedirectHost} }

// Client calls one Confluence site. It is safe for concurrent use.
type Client struct {
	flavor Flavor
	site   string   // Cloud: site root; DC: base URL incl. context path
	base   *url.URL // scheme://host:port of site: the only place credentials are sent
	ctxURL string   // where v1 links and downloads are relative to: site+"/wiki" (Cloud) or site (DC)
	v1     string   // v1 API root
	v2     string   // v2 API root (Cloud only)
	auth   string   // Authorization header value
	ua     string
	rc     *retryablehttp.Client
	dl     *retryablehttp.Client // rc for DownloadAttachment: may follow credential-free redirects to DownloadRedirectHosts
	plain  *http.Client          // unretried, for request bodies that cannot be replayed

	spaces sync.Map // space id -> Space (Cloud): every page read needs its space, which does not change under a running bridge

	tpl templateRoots // where a DC site serves the template API (template_roots.go)
}

// New validates cfg and returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.Flavor == "" {
		cfg.Flavor = Cloud
	}
	if cfg.Flavor != Cloud && cfg.Flavor != DataCenter {
		return nil, fmt.Errorf("confluence: unknown flavor %q (want %q or %q)", cfg.Flavor, Cloud, DataCenter)
	}
	u, err := url.Parse(strings.TrimSpace(cfg.BaseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("confluence: BaseURL %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	if u.User != nil {
		return nil, errors.New("confluence: BaseURL must not carry credentials; use Email/APIToken or Token")
	}
	site := strings.TrimRight(u.Scheme+"://"+u.Host+u.Path, "/")
	if cfg.Flavor == Cloud {
		// People paste the /wiki URL they see in the browser; the API
		// roots are derived from the site root.
		site = strings.TrimSuffix(site, "/wiki")
	}
	c := &Client{flavor: cfg.Flavor, site: site, ua: cfg.UserAgent, base: &url.URL{Scheme: u.Scheme, Host: u.Host}}
	if c.ua == "" {
		c.ua = "xecm-bridge-confluence/1"
	}
	switch {
	case cfg.Token != "":
		c.auth = "Bearer " + cfg.Token
	case cfg.Email != "" && cfg.APIToken != "":
		c.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.Email+":"+cfg.APIToken))
	default:
		return nil, errors.New("confluence: no credentials: set Token, or Email and APIToken")
	}
	hosts := cfg.DownloadRedirectHosts
	if hosts == nil {
		hosts = DefaultDownloadRedirectHosts()
	}
	allow, err := rest.NewHostAllowlist(hosts)
	if err != nil {
		return nil, fmt.Errorf("confluence: DownloadRedirectHosts: %w", err)
	}
	if cfg.Flavor == Cloud {
		c.ctxURL = site + "/wiki"
		c.v1 = site + "/wiki/rest/api"
		c.v2 = site + "/wiki/api/v2"
	} else {
		c.ctxURL = site
		c.v1 = site + "/rest/api"
	}
	// The HTTP clients get a redirect policy that keeps every request on
	// the base's origin; the download client's may also leave it, without
	// the credentials, for an allowed host. They are copies: a caller's
	// HTTPClient is never modified.
	c.plain = rest.SameOriginRedirects(rest.Instrument(cfg.HTTPClient, service), service, c.base)
	c.rc = rest.NewRetryingClient(service, cfg.HTTPClient, cfg.Retry)
	shared := c.rc.HTTPClient // the caller's, or the retrying client's pooled one
	c.rc.HTTPClient = rest.SameOriginRedirects(shared, service, c.base)
	c.dl = rest.NewRetryingClient(service, shared, cfg.Retry)
	c.dl.HTTPClient = rest.CredentialFreeRedirects(shared, service, c.base, allow)
	return c, nil
}

// PageURL returns the absolute web link of a page (the same as p.WebURL).
func (c *Client) PageURL(p *Page) string {
	if p == nil {
		return ""
	}
	return p.WebURL
}

// resolveV2Next turns a v2 _links.next (site-relative, /wiki/api/v2/...)
// into an absolute URL. A path-absolute link is put under the site path,
// which keeps a gateway prefix such as /ex/confluence/{cloudId}. A link
// that leads off the base's origin is an error; see resolveLink.
func (c *Client) resolveV2Next(next string) (string, error) {
	return c.resolveLink(next, strings.TrimPrefix(c.site, c.base.String()))
}

// resolveV1Link turns a v1 link (relative to _links.base, which includes
// the context path) into an absolute URL. Some servers include the context
// path in the link itself; both forms are accepted. A link that leads off
// the base's origin is an error; see resolveLink.
func (c *Client) resolveV1Link(link string) (string, error) {
	return c.resolveLink(link, strings.TrimPrefix(c.ctxURL, c.base.String()))
}

// resolveLink resolves a link taken from an answer with net/url against
// the base, never by joining strings, so that a "relative" link such as
// "@evil.example:443/x" cannot turn into a URL on another host:
//
//   - a path-absolute link (/rest/api/...) is put under prefix (the path
//     the API documents such links relative to) unless it already starts
//     with it;
//   - a relative-path link resolves against prefix as a directory;
//   - an absolute (https://host/...) or network-path (//host/...) link is
//     taken as it is.
//
// The result must be on the base's origin: same scheme, host and port, no
// user information. Anything else is a *rest.Error of KindForeignOrigin (a
// link that is not a URL reference at all is KindProtocol), and the caller
// must not request it.
func (c *Client) resolveLink(link, prefix string) (string, error) {
	ref, err := url.Parse(link)
	if err != nil {
		return "", &rest.Error{Service: service, Method: http.MethodGet, Kind: rest.KindProtocol,
			Message: "refused link from the answer: not a usable URL reference"}
	}
	var abs *url.URL
	switch {
	case ref.Scheme != "" || ref.Host != "" || ref.User != nil || ref.Opaque != "":
		abs = c.base.ResolveReference(ref)
	case strings.HasPrefix(ref.Path, "/"):
		p, raw := ref.Path, ref.EscapedPath()
		if prefix != "" && !strings.HasPrefix(p, prefix+"/") {
			p, raw = prefix+p, prefix+raw
		}
		abs = c.base.ResolveReference(&url.URL{Path: p, RawPath: raw, RawQuery: ref.RawQuery})
	default:
		dir := &url.URL{Scheme: c.base.Scheme, Host: c.base.Host, Path: prefix + "/"}
		abs = dir.ResolveReference(ref)
	}
	abs.Fragment, abs.RawFragment = "", ""
	if err := c.onOrigin(http.MethodGet, abs, "link"); err != nil {
		return "", err
	}
	return abs.String(), nil
}

// onOrigin checks that u is on the base's origin, the only place
// credentials are sent.
func (c *Client) onOrigin(method string, u *url.URL, what string) error {
	if !rest.SameOrigin(u, c.base) {
		return rest.ForeignOriginError(service, method, u.Path, what, u, c.base)
	}
	if u.User != nil {
		return &rest.Error{Service: service, Method: method, Path: u.Path, Kind: rest.KindProtocol,
			Message: "refused " + what + " carrying user information"}
	}
	return nil
}

func escape(s string) string { return url.PathEscape(s) }
