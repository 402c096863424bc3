package opentext

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

const jsonContentType = "application/json; charset=UTF-8"

// call is one API request on its way through a handler.
type call struct {
	s        *Server
	w        http.ResponseWriter
	r        *http.Request
	p        params
	v2       bool
	user     *user
	sess     *session
	suppress bool
	upload   *upload // the `file` part of a multipart request, if any
	created  int64   // the node a POST /nodes made, for the write log
}

// handlerFunc handles one routed API request.
type handlerFunc func(c *call)

// suppressRequested reports whether the caller asked for HTTP 200 always.
func suppressRequested(r *http.Request, p params) bool {
	if _, ok := r.URL.Query()["suppress_response_codes"]; ok {
		return true
	}
	if p != nil {
		if _, ok := p["suppress_response_codes"]; ok {
			return true
		}
	}
	return false
}

// json writes v with OTCS's JSON content type. With suppress_response_codes
// the status moves into the body as "statusCode" and HTTP says 200.
func (c *call) json(status int, v any) {
	writeJSON(c.w, status, v, c.suppress)
}

// fail writes an OTCS error body.
func (c *call) fail(status int, msg string) {
	writeJSON(c.w, status, map[string]any{"error": msg}, c.suppress)
}

func writeJSON(w http.ResponseWriter, status int, v any, suppress bool) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(map[string]any{"error": "simulator: " + err.Error()})
	}
	if suppress {
		// Splice the status into the top-level object instead of
		// re-marshalling through a map, which would lose nothing but time.
		if len(b) >= 2 && b[0] == '{' {
			field := `"statusCode":` + strconv.Itoa(status)
			if bytes.Equal(bytes.TrimSpace(b), []byte("{}")) {
				b = []byte("{" + field + "}")
			} else {
				b = append([]byte("{"+field+","), b[1:]...)
			}
		}
		status = http.StatusOK
	}
	w.Header().Set("Content-Type", jsonContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeJSONError is used before a call exists (routing, authentication).
func writeJSONError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": msg}, suppressRequested(r, nil))
}

// writePlainError is the fault injector's error writer: same wire format.
func writePlainError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": msg}, false)
}

// selfLinks is the `links` member of v2 envelopes.
func (c *call) selfLinks() map[string]any {
	href := strings.TrimPrefix(c.r.URL.Path, c.s.opt.Prefix)
	if q := c.r.URL.RawQuery; q != "" {
		href += "?" + q
	}
	return map[string]any{"data": map[string]any{"self": map[string]any{
		"body": "", "content_type": "", "href": href, "method": c.r.Method, "name": "",
	}}}
}

// v2 wraps results (object for one item, array for lists) in the v2 envelope.
func (c *call) v2Envelope(results any) map[string]any {
	return map[string]any{"links": c.selfLinks(), "results": results}
}

// respondV2 answers 200 with results inside the v2 envelope.
func (c *call) respondV2(results any) {
	c.json(http.StatusOK, c.v2Envelope(results))
}

// respondOK answers 200 in the caller's API version: v1Body as is for
// /api/v1, v2Results inside the v2 envelope for /api/v2. Most endpoints
// served under both prefixes differ only in this framing.
func (c *call) respondOK(v1Body, v2Results any) {
	if c.v2 {
		c.respondV2(v2Results)
		return
	}
	c.json(http.StatusOK, v1Body)
}

// refused answers 400 with refusal unless it is empty, and reports whether
// it did. Validation helpers here return why a request cannot proceed
// ("" when it can), so handlers read `if c.refused(check()) { return }`.
func (c *call) refused(refusal string) bool {
	if refusal == "" {
		return false
	}
	c.fail(http.StatusBadRequest, refusal)
	return true
}

// rotatingWriter adds a fresh OTCSTicket header to successful responses.
type rotatingWriter struct {
	http.ResponseWriter
	ticket func() string
	wrote  bool
}

func (w *rotatingWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		if code < 400 {
			w.Header().Set("OTCSTicket", w.ticket())
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *rotatingWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *rotatingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
