package opentext

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xecm-bridge/xecm-bridge/simulators/faults"
)

// Options configures a simulated Content Server.
type Options struct {
	Prefix    string            // CGI path in front of /api; default "/otcs/cs.exe"
	Users     map[string]string // username -> password; default Admin/livelink, bridge/bridge-secret, reviewer1/reviewer1-pw, reviewer2/reviewer2-pw, lena/lena-secret, oscar/oscar-secret
	TicketTTL time.Duration     // idle expiry of a session; default 30m
	BlobDir   string            // where version content is stored as files; default a fresh temp dir
	Faults    faults.Config     // faults injected on API paths from the start
	Seed      bool              // load the demo seed (see the package documentation)
	NameRule  string            // "reject" (default) or "truncate" for names with ':' or over 248 chars
}

// maxNameLength is OTCS's item name limit.
const maxNameLength = 248

// Server is a simulated Content Server. It is safe for concurrent use.
type Server struct {
	opt        Options
	ownBlobDir bool
	faults     *faults.Injector
	handler    http.Handler
	mux        *http.ServeMux
	requests   atomic.Int64

	mu        sync.RWMutex
	nodes     map[int64]*node
	nextID    int64
	users     map[string]*user
	usersByID map[int64]*user
	groups    map[int64]*group // members.go
	holds     map[int64]*hold
	nicknames map[string]int64    // lower-cased nickname -> node id
	recycle   map[int64]*recycled // deleted subtrees by root id (recyclebin.go)

	// Workflow engine (workflows.go).
	wfMaps    map[int64]*wfMap
	drafts    map[int64]*draftProcess
	processes map[int64]*process
	nextWfID  int64 // draft and process ids share one counter, so they never collide

	writesMu sync.Mutex
	writes   []Write // writelog.go

	authMu   sync.Mutex
	tickets  map[string]*ticketEntry
	nowFunc  func() time.Time
	setClock atomic.Pointer[func() time.Time]
}

type session struct {
	user     *user
	lastUsed time.Time
	ended    bool
}

// New builds a simulator. Close it to remove a blob directory it created.
func New(opt Options) (*Server, error) {
	if opt.Prefix == "" {
		opt.Prefix = "/otcs/cs.exe"
	}
	opt.Prefix = "/" + strings.Trim(opt.Prefix, "/")
	if opt.Prefix == "/" {
		opt.Prefix = ""
	}
	if opt.Users == nil {
		opt.Users = map[string]string{"Admin": "livelink", "bridge": "bridge-secret", "reviewer1": "reviewer1-pw", "reviewer2": "reviewer2-pw",
			"lena": "lena-secret", "oscar": "oscar-secret"}
	}
	if opt.TicketTTL <= 0 {
		opt.TicketTTL = 30 * time.Minute
	}
	switch opt.NameRule {
	case "":
		opt.NameRule = "reject"
	case "reject", "truncate":
	default:
		return nil, fmt.Errorf("opentext simulator: unknown NameRule %q (want reject or truncate)", opt.NameRule)
	}
	s := &Server{
		opt:       opt,
		faults:    faults.New(opt.Faults),
		nodes:     map[int64]*node{},
		nextID:    FirstAllocatedID,
		users:     map[string]*user{},
		usersByID: map[int64]*user{},
		groups:    map[int64]*group{},
		holds:     map[int64]*hold{},
		nicknames: map[string]int64{},
		recycle:   map[int64]*recycled{},
		wfMaps:    map[int64]*wfMap{},
		drafts:    map[int64]*draftProcess{},
		processes: map[int64]*process{},
		nextWfID:  FirstWorkflowID,
		tickets:   map[string]*ticketEntry{},
		nowFunc:   time.Now,
	}
	if opt.BlobDir == "" {
		dir, err := os.MkdirTemp("", "otcs-sim-blobs-")
		if err != nil {
			return nil, fmt.Errorf("opentext simulator: blob dir: %w", err)
		}
		s.opt.BlobDir, s.ownBlobDir = dir, true
	} else if err := os.MkdirAll(opt.BlobDir, 0o755); err != nil {
		return nil, fmt.Errorf("opentext simulator: blob dir: %w", err)
	}
	s.seedUsers()
	if opt.Seed {
		if err := s.seed(); err != nil {
			s.Close()
			return nil, err
		}
	}
	s.mux = http.NewServeMux()
	s.routes()
	s.handler = s.buildHandler()
	return s, nil
}

// Handler serves Prefix+"/api/..." and the unauthenticated /__sim/* admin paths.
func (s *Server) Handler() http.Handler { return s.handler }

// Close removes the blob directory if New created it.
func (s *Server) Close() error {
	if s.ownBlobDir {
		return os.RemoveAll(s.opt.BlobDir)
	}
	return nil
}

// Faults returns the injector, so tests can switch faults on and off.
func (s *Server) Faults() *faults.Injector { return s.faults }

// Requests returns how many API requests arrived (injected faults included).
func (s *Server) Requests() int { return int(s.requests.Load()) }

// ExpireTickets invalidates every ticket issued so far, as a server-side
// session timeout would.
func (s *Server) ExpireTickets() {
	s.authMu.Lock()
	defer s.authMu.Unlock()
	for _, e := range s.tickets {
		e.sess.ended = true
	}
	s.tickets = map[string]*ticketEntry{}
}

func (s *Server) now() time.Time { return s.clock().UTC().Truncate(time.Second) }

// clock is the server's time: SetClock's, or nowFunc's.
func (s *Server) clock() time.Time {
	if f := s.setClock.Load(); f != nil {
		return (*f)()
	}
	return s.nowFunc()
}

// SetClock sets the server's clock from now on: the dates it stamps on
// what changes, its session expiry and its Date header. Tests use it to
// make several changes within one second.
func (s *Server) SetClock(now func() time.Time) { s.setClock.Store(&now) }

func (s *Server) buildHandler() http.Handler {
	api := s.faults.Wrap(http.HandlerFunc(s.serveAPI), func(*http.Request) bool { return true }, writePlainError)
	admin := s.adminHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/__sim/") {
			admin.ServeHTTP(w, r)
			return
		}
		if !strings.HasPrefix(r.URL.Path, s.opt.Prefix+"/api/") {
			writePlainError(w, http.StatusNotFound, "Not Found")
			return
		}
		s.requests.Add(1)
		// The Date header comes from the same clock as the dates the
		// server stamps, as on a real server.
		w.Header().Set("Date", s.clock().UTC().Format(http.TimeFormat))
		api.ServeHTTP(w, r)
	})
}

// serveAPI strips the prefix and an optional trailing slash, then routes.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, s.opt.Prefix)
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path, u.RawPath = path, ""
	r2.URL = &u
	if _, pattern := s.mux.Handler(r2); pattern == "" {
		writeJSONError(w, r, http.StatusBadRequest, "The REST API URL could not be found in the mappings registry")
		return
	}
	s.mux.ServeHTTP(w, r2)
}

func newToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
