package confluence

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

const (
	v2Prefix   = "/wiki/api/v2"
	cloudV1    = "/wiki/rest/api"
	dcV1       = "/rest/api"
	cloudCtx   = "/wiki" // Cloud context path: v1 links and downloads live under it
	dcCtx      = ""      // the simulated DC runs at the root context
	timeLayout = "2006-01-02T15:04:05.000Z"
)

// buildHandler wires the chain: count → faults → auth → routes. /__sim
// bypasses all three so tests can always inspect and steer the simulator.
func (s *Server) buildHandler() http.Handler {
	api := http.NewServeMux()
	s.routesV2(api)
	s.routesV1(api, cloudV1, cloudCtx)
	s.routesV1(api, dcV1, dcCtx)
	s.routesDownload(api, cloudCtx)
	s.routesDownload(api, dcCtx)
	api.HandleFunc(v2Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		writeV2Error(w, http.StatusNotFound, "No endpoint "+r.Method+" "+r.URL.Path)
	})
	for _, p := range []string{cloudV1 + "/", dcV1 + "/"} {
		api.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			writeV1Error(w, http.StatusNotFound, "No endpoint "+r.Method+" "+r.URL.Path)
		})
	}
	isAPI := func(r *http.Request) bool { return !strings.HasPrefix(r.URL.Path, "/__sim/") }
	guarded := s.faults.Wrap(s.authenticate(api), isAPI, writeV2Error)

	admin := s.adminMux()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isAPI(r) {
			admin.ServeHTTP(w, r)
			return
		}
		s.requests.Add(1)
		guarded.ServeHTTP(w, r)
	})
}

// authenticate accepts Basic email:token and Bearer tokens on every API
// path and answers anything else with a text/plain 401, as the Atlassian
// edge does; clients must cope with the non-JSON body. The caller's
// account id travels in the request context (see actor).
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := s.identify(r); ok {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, id)))
			return
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="Confluence"`)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte("Client must be authenticated to access this resource."))
	})
}

type actorKey struct{}

// bridgeAccount is the account Options.BearerTokens act as.
const bridgeAccount = "557058:bridge"

// adminAccount is the actor of Go API changes that name no author.
const adminAccount = "557058:admin"

// accountIDFor derives a user's account id from the email: "557058:" plus
// the local part (bridge@example.com -> 557058:bridge). In the simulator
// the account id is also the user's DC user key and username.
func accountIDFor(email string) string {
	local, _, _ := strings.Cut(email, "@")
	return "557058:" + local
}

// identify returns the caller's account id, or false for bad credentials.
// A bearer is one of Options.BearerTokens (the bridge) or a user's token
// used as a DC personal access token; Basic takes the email (or, as on
// DC, the user name) and the token.
func (s *Server) identify(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
		tok = strings.TrimSpace(tok)
		if s.bearers[tok] {
			return bridgeAccount, true
		}
		return s.dir.bearer(tok)
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return "", false
	}
	return s.dir.login(user, pass)
}

// actor is the account id of the authenticated caller of r.
func actor(r *http.Request) string {
	if id, ok := r.Context().Value(actorKey{}).(string); ok {
		return id
	}
	return bridgeAccount
}

// errorWriter writes an error response in one surface's body shape:
// writeV2Error or writeV1Error. Helpers shared by both surfaces take one so
// that their errors look like the calling handler's own.
type errorWriter func(w http.ResponseWriter, status int, msg string)

// v2Codes are the code strings Cloud v2 puts in errors[].code.
var v2Codes = map[int]string{
	400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
	409: "CONFLICT", 413: "REQUEST_ENTITY_TOO_LARGE", 429: "TOO_MANY_REQUESTS", 500: "INTERNAL_SERVER_ERROR",
	503: "SERVICE_UNAVAILABLE",
}

// writeV2Error writes the Cloud v2 error body. It is also the fault
// injector's writer, so injected 429/503 look like Cloud's.
func writeV2Error(w http.ResponseWriter, status int, msg string) {
	code := v2Codes[status]
	if code == "" {
		code = strings.ToUpper(strings.ReplaceAll(http.StatusText(status), " ", "_"))
	}
	writeJSON(w, status, map[string]any{"errors": []map[string]any{
		{"status": status, "code": code, "title": msg, "detail": nil},
	}})
}

// writeV1Error writes the v1/DC error body.
func writeV1Error(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{
		"statusCode": status,
		"message":    msg,
		"data": map[string]any{"authorized": status != 401 && status != 403, "valid": status < 500,
			"errors": []any{}, "successful": false},
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// maxJSONBody is Cloud's 5 MB request cap (413 above it).
const maxJSONBody = 5 << 20

// decodeJSON reads a request body into v, answering 400/413 itself.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any, writeErr errorWriter) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxJSONBody)
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeErr(w, http.StatusRequestEntityTooLarge, "Request entity too large")
			return false
		}
		writeErr(w, http.StatusBadRequest, "Could not parse the request body: "+err.Error())
		return false
	}
	return true
}

// multiValues reads a list parameter given either repeated or comma-joined
// (go-atlassian joins with commas), under any of the given names.
func multiValues(r *http.Request, names ...string) []string {
	var out []string
	q := r.URL.Query()
	for _, n := range names {
		for _, v := range q[n] {
			for _, part := range strings.Split(v, ",") {
				if part = strings.TrimSpace(part); part != "" {
					out = append(out, part)
				}
			}
		}
	}
	return out
}

// subExpansions reports whether expand asks for field, itself or any
// expansion below it ("ancestors" for "ancestors.restrictions.read"), and
// returns those below it with the field's prefix cut.
func subExpansions(expand []string, field string) (below []string, asked bool) {
	for _, e := range expand {
		if e == field {
			asked = true
		} else if rest, ok := strings.CutPrefix(e, field+"."); ok {
			asked = true
			below = append(below, rest)
		}
	}
	return below, asked
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
