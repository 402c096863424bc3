package opentext

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Write is one API call that changed the server: a successful (2xx)
// POST, PUT or DELETE, other than the ones that only read (search, node
// lists, name validation) or log in. Tests and chaos runs read them to
// tell how often a client wrote what, e.g. a category per node.
type Write struct {
	At         time.Time
	User       string // login name of the caller
	Method     string
	Route      string // the route pattern, e.g. "PUT /api/v2/nodes/{id}/categories/{cat}"
	NodeID     int64  // the path's {id}; 0 when the route has none
	CategoryID int64  // the path's {cat} or the category_id parameter; 0 when none
	Status     int    // HTTP status (200 under suppress_response_codes)
	Created    int64  // the node a create (POST /nodes) made; 0 otherwise
}

// readOnlyPosts are the non-GET routes that change nothing.
var readOnlyPosts = map[string]bool{
	"POST /api/v2/search":                 true,
	"POST /api/v2/nodes/list":             true,
	"POST /api/v1/validation/nodes/names": true,
	"DELETE /api/v1/auth":                 true, // log out
}

// Writes returns every write so far, oldest first.
func (s *Server) Writes() []Write {
	s.writesMu.Lock()
	defer s.writesMu.Unlock()
	return append([]Write(nil), s.writes...)
}

// logsWrites reports whether calls of pattern go into the write log.
func logsWrites(pattern string) bool {
	return !strings.HasPrefix(pattern, "GET ") && !readOnlyPosts[pattern]
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logWrite records c as a write when it succeeded.
func (s *Server) logWrite(c *call, pattern string, status int) {
	if status < 200 || status > 299 {
		return
	}
	wr := Write{At: s.now(), Method: c.r.Method, Route: pattern, Status: status}
	if c.user != nil {
		wr.User = c.user.name
	}
	wr.NodeID, _ = strconv.ParseInt(c.r.PathValue("id"), 10, 64)
	wr.Created = c.created
	if cat, err := strconv.ParseInt(c.r.PathValue("cat"), 10, 64); err == nil {
		wr.CategoryID = cat
	} else if cat, present, err := c.p.int("category_id"); present && err == nil {
		wr.CategoryID = cat
	}
	s.writesMu.Lock()
	s.writes = append(s.writes, wr)
	s.writesMu.Unlock()
}
