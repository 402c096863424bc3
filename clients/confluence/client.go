// Package confluence is a typed client for the parts of the Confluence REST
// APIs the bridge needs: pages (read and update), spaces, labels, content
// properties, attachments, footer comments, page restrictions and a CQL
// change search, on Confluence Cloud (REST v2 where it can, v1 where v2
// cannot: labels, attachment uploads, restrictions, search) and on
// Confluence Data Center (REST v1 shapes under /rest/api).
//
// Every call takes a context. Every failure with an HTTP answer is a
// *rest.Error with Service "confluence", the status, Atlassian's message and
// a Kind; transient answers (429, 5xx) are retried by the rest transport,
// honouring Retry-After, and other 4xx never are. Credentials are sent in
// headers only and never appear in errors.
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
}

// Client calls one Confluence site. It is safe for concurrent use.
type Client struct {
	flavor Flavor
	site   string // Cloud: site root; DC: base URL incl. context path
	origin string // scheme://host of site, for site-relative links
	ctxURL string // where v1 links and downloads are relative to: site+"/wiki" (Cloud) or site (DC)
	v1     string // v1 API root
	v2     string // v2 API root (Cloud only)
	auth   string // Authorization header value
	ua     string
	rc     *retryablehttp.Client
	plain  *http.Client // unretried, for request bodies that cannot be replayed

	spaces sync.Map // space id -> Space (Cloud): every page read needs its space, which does not change under a running bridge
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
	c := &Client{flavor: cfg.Flavor, site: site, origin: u.Scheme + "://" + u.Host, ua: cfg.UserAgent}
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
	if cfg.Flavor == Cloud {
		c.ctxURL = site + "/wiki"
		c.v1 = site + "/wiki/rest/api"
		c.v2 = site + "/wiki/api/v2"
	} else {
		c.ctxURL = site
		c.v1 = site + "/rest/api"
	}
	c.plain = cfg.HTTPClient
	if c.plain == nil {
		c.plain = &http.Client{}
	}
	c.rc = rest.NewRetryingClient(cfg.HTTPClient, cfg.Retry)
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
// into an absolute URL. Joining with the site root keeps any gateway prefix
// such as /ex/confluence/{cloudId}.
func (c *Client) resolveV2Next(next string) string {
	if strings.HasPrefix(next, "http://") || strings.HasPrefix(next, "https://") {
		return next
	}
	return c.site + next
}

// resolveV1Link turns a v1 link (relative to _links.base, which includes
// the context path) into an absolute URL. Some servers include the context
// path in the link itself; both forms are accepted.
func (c *Client) resolveV1Link(link string) string {
	if strings.HasPrefix(link, "http://") || strings.HasPrefix(link, "https://") {
		return link
	}
	ctxPath := strings.TrimPrefix(c.ctxURL, c.origin)
	if ctxPath != "" && strings.HasPrefix(link, ctxPath+"/") {
		return c.origin + link
	}
	return c.ctxURL + link
}

func escape(s string) string { return url.PathEscape(s) }
