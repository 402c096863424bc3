package codec

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/converter"
)

// MaxBody caps a request to the codec server.
const MaxBody = 16 << 20

// ServerOptions configure HTTPHandler.
type ServerOptions struct {
	// Origins are the Web UI origins allowed by CORS, e.g.
	// http://localhost:8233 (exact scheme://host[:port] matches).
	Origins []string
	// Token is the bearer token a request must carry in Authorization.
	// Empty only together with AllowUnauthenticated.
	Token string
	// AllowUnauthenticated serves without a token (local development).
	AllowUnauthenticated bool
	// Logger receives one line per request (method, path, namespace,
	// status); never payloads or tokens. Nil: no logs.
	Logger *zerolog.Logger
}

// HTTPHandler serves the codec server protocol the Temporal Web UI and CLI
// speak: POST {prefix}/encode and {prefix}/decode with a Payloads JSON body
// (the namespace in the X-Namespace header or the path), CORS for the
// configured origins (preflight OPTIONS is answered without a token), a
// bearer token check, and GET /healthz.
func HTTPHandler(c *Codec, o ServerOptions) (http.Handler, error) {
	if o.Token == "" && !o.AllowUnauthenticated {
		return nil, errors.New("the codec server needs BRIDGE_CODEC_AUTH_TOKEN (or BRIDGE_CODEC_ALLOW_UNAUTHENTICATED=true for local development only)")
	}
	origins := map[string]bool{}
	for _, org := range o.Origins {
		org = strings.TrimRight(strings.TrimSpace(org), "/")
		if org == "" {
			continue
		}
		if org == "*" {
			return nil, errors.New("BRIDGE_CODEC_CORS_ORIGINS: \"*\" is not allowed; list the Web UI origins, e.g. http://localhost:8233")
		}
		if !strings.HasPrefix(org, "http://") && !strings.HasPrefix(org, "https://") {
			return nil, errors.New("BRIDGE_CODEC_CORS_ORIGINS: " + org + " is not an origin (scheme://host[:port])")
		}
		origins[org] = true
	}
	h := &server{
		codec:   converter.NewPayloadCodecHTTPHandler(c),
		origins: origins,
		noAuth:  o.Token == "" && o.AllowUnauthenticated,
		log:     o.Logger,
	}
	if o.Token != "" {
		sum := sha256.Sum256([]byte(o.Token))
		h.tokenSum = sum[:]
	}
	return h, nil
}

type server struct {
	codec    http.Handler
	origins  map[string]bool
	tokenSum []byte
	noAuth   bool
	log      *zerolog.Logger
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	s.serve(sw, r)
	if s.log != nil {
		s.log.Info().Str("method", r.Method).Str("path", r.URL.Path).Str("namespace", r.Header.Get("X-Namespace")).
			Str("origin", r.Header.Get("Origin")).Str("remote", r.RemoteAddr).Int("status", sw.status).
			Dur("took", time.Since(start)).Msg("codec request")
	}
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" && r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
		return
	}
	w.Header().Add("Vary", "Origin")
	if origin := r.Header.Get("Origin"); origin != "" {
		// A browser request: only from a configured Web UI.
		if !s.origins[origin] {
			http.Error(w, "origin not allowed (BRIDGE_CODEC_CORS_ORIGINS)", http.StatusForbidden)
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization")
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	if r.Method != http.MethodPost || !(strings.HasSuffix(r.URL.Path, "/encode") || strings.HasSuffix(r.URL.Path, "/decode")) {
		http.NotFound(w, r)
		return
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="xecm-bridge codec server"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	s.codec.ServeHTTP(w, r)
}

func (s *server) authorized(r *http.Request) bool {
	if s.noAuth {
		return true
	}
	auth := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	// Hash both sides so the comparison takes the same time whatever the
	// length of the presented token.
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return subtle.ConstantTimeCompare(sum[:], s.tokenSum) == 1
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
