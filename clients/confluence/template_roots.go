package confluence

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// templateRoots remembers which root a Data Center site serves the
// template API under. Sites differ (/rest/api on current versions,
// /rest/experimental on older ones, and one site was seen answering 404
// on /rest/api/template/{id} only), and which version does what is
// unverified, so the client probes instead of guessing from a version.
// It is an atomic flag: concurrent calls at worst probe twice.
type templateRoots struct {
	experimental atomic.Bool // prefer /rest/experimental
}

// templateRootURLs returns the template API roots to try, preferred first:
// Cloud has one; Data Center has /rest/api and /rest/experimental.
func (c *Client) templateRootURLs() []string {
	if c.flavor == Cloud {
		return []string{c.v1 + "/template"}
	}
	api, exp := c.v1+"/template", c.site+"/rest/experimental/template"
	if c.tpl.experimental.Load() {
		return []string{exp, api}
	}
	return []string{api, exp}
}

// callTemplate sends one template API call; rel is what follows
// .../template (path and query). On Data Center a 404 from the preferred
// root, which the template API never answers for a served path (unknown
// ids are 403s), means the site does not serve it there: the call goes
// once to the other root, which becomes the preferred one when it
// answers. A 404 from both is returned as the preferred root's. A 404
// means the request was not handled, so a POST is safe to resend.
func (c *Client) callTemplate(ctx context.Context, method, rel string, extra http.Header, in, out any) error {
	roots := c.templateRootURLs()
	err := c.callJSONWith(ctx, method, roots[0]+rel, extra, in, out)
	if len(roots) == 1 || statusOf(err) != http.StatusNotFound {
		return err
	}
	err2 := c.callJSONWith(ctx, method, roots[1]+rel, extra, in, out)
	switch st := statusOf(err2); {
	case st == http.StatusNotFound:
		return err
	case err2 == nil || (st >= 400 && st < 500 && st != http.StatusUnauthorized && st != http.StatusTooManyRequests):
		// A real answer from the template API: remember where it lives.
		c.tpl.experimental.Store(strings.HasPrefix(roots[1], c.site+"/rest/experimental/"))
	}
	return err2
}

// statusOf is the HTTP status of a failed call, 0 when there was none.
func statusOf(err error) int {
	var re *rest.Error
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

// IsUnknownTemplate reports whether err is the template API's answer to a
// template id it does not know: Confluence answers that with 403 (never
// 404) on GET and DELETE .../template/{id} and on PUT .../template.
// The error stays a rest.KindForbidden one; Confluence words lack of
// permission the same way, so this also reports true for a template the
// caller may not manage.
func IsUnknownTemplate(err error) bool {
	var re *rest.Error
	if !errors.As(err, &re) || re.StatusCode != http.StatusForbidden {
		return false
	}
	after, ok := templatePathTail(re.Path)
	if !ok {
		return false
	}
	switch re.Method {
	case http.MethodPut:
		return after == ""
	case http.MethodGet, http.MethodDelete:
		id, isItem := strings.CutPrefix(after, "/")
		return isItem && id != "" && !strings.Contains(id, "/") && id != "page" && id != "blueprint"
	}
	return false
}

// templatePathTail returns what follows the template API root in path
// ("" for the root itself), and false when path is not under one.
func templatePathTail(path string) (string, bool) {
	for _, root := range []string{"/rest/api/template", "/rest/experimental/template"} {
		if i := strings.Index(path, root); i >= 0 {
			tail := path[i+len(root):]
			if tail == "" || strings.HasPrefix(tail, "/") {
				return tail, true
			}
		}
	}
	return "", false
}
