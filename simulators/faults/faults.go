// Package faults injects latency, rate limiting and server errors into a
// simulator's HTTP handler, so clients and flows can be tested against a
// misbehaving backend. Faults are set per test through the Go API, at start
// through an environment spec, and at run time through the simulator's
// admin endpoint.
package faults

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config says which faults are on. The zero value injects nothing.
type Config struct {
	Latency          time.Duration `json:"latency"`            // added to every API request
	RateLimitEvery   int           `json:"rate_limit_every"`   // every Nth API request answers 429
	RateLimitBurst   int           `json:"rate_limit_burst"`   // the next N API requests answer 429
	RetryAfter       time.Duration `json:"retry_after"`        // Retry-After sent with 429/503 (default 1s)
	ServerErrorBurst int           `json:"server_error_burst"` // the next N API requests answer 503
	Down             bool          `json:"down"`               // every API request answers 503 until cleared
	PathContains     string        `json:"path_contains"`      // limit the faults to paths containing this
}

// ErrorWriter writes an error response in the simulator's own wire format.
type ErrorWriter func(w http.ResponseWriter, status int, message string)

// Injector applies a Config to requests. It is safe for concurrent use.
type Injector struct {
	mu       sync.Mutex
	cfg      Config
	requests int
	injected map[int]int
}

// New returns an injector with the given faults on.
func New(cfg Config) *Injector {
	return &Injector{cfg: cfg, injected: map[int]int{}}
}

// Set replaces the fault configuration and restarts the request count.
func (i *Injector) Set(cfg Config) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.cfg = cfg
	i.requests = 0
}

// Config returns the current configuration.
func (i *Injector) Config() Config {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.cfg
}

// Injected returns how many responses of each status were injected so far.
func (i *Injector) Injected() map[int]int {
	i.mu.Lock()
	defer i.mu.Unlock()
	out := make(map[int]int, len(i.injected))
	for k, v := range i.injected {
		out[k] = v
	}
	return out
}

// decide returns the latency to add and the status to answer (0 = none).
func (i *Injector) decide(path string) (time.Duration, int, time.Duration) {
	i.mu.Lock()
	defer i.mu.Unlock()
	c := &i.cfg
	if c.PathContains != "" && !strings.Contains(path, c.PathContains) {
		return 0, 0, 0
	}
	i.requests++
	retryAfter := c.RetryAfter
	if retryAfter <= 0 {
		retryAfter = time.Second
	}
	status := 0
	switch {
	case c.Down:
		status = http.StatusServiceUnavailable
	case c.ServerErrorBurst > 0:
		c.ServerErrorBurst--
		status = http.StatusServiceUnavailable
	case c.RateLimitBurst > 0:
		c.RateLimitBurst--
		status = http.StatusTooManyRequests
	case c.RateLimitEvery > 0 && i.requests%c.RateLimitEvery == 0:
		status = http.StatusTooManyRequests
	}
	if status != 0 {
		i.injected[status]++
	}
	return c.Latency, status, retryAfter
}

// Wrap returns next with faults applied to every request for which isAPI
// reports true (admin and health paths stay clean).
func (i *Injector) Wrap(next http.Handler, isAPI func(*http.Request) bool, writeError ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isAPI(r) {
			next.ServeHTTP(w, r)
			return
		}
		latency, status, retryAfter := i.decide(r.URL.Path)
		if latency > 0 {
			t := time.NewTimer(latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if status == 0 {
			next.ServeHTTP(w, r)
			return
		}
		secs := int((retryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		msg := "Service temporarily unavailable (injected fault)"
		if status == http.StatusTooManyRequests {
			msg = "Rate limit exceeded (injected fault)"
		}
		writeError(w, status, msg)
	})
}

// AdminHandler serves GET (current config and counters) and PUT (replace
// config, JSON body with durations as Go strings or nanoseconds).
func (i *Injector) AdminHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
		case http.MethodPut, http.MethodPost:
			var spec struct {
				Spec string `json:"spec"`
			}
			if err := json.NewDecoder(r.Body).Decode(&spec); err != nil {
				http.Error(w, "body must be {\"spec\": \"latency=50ms,...\"}: "+err.Error(), http.StatusBadRequest)
				return
			}
			cfg, err := ParseSpec(spec.Spec)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			i.Set(cfg)
		default:
			w.Header().Set("Allow", "GET, PUT")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"config": i.Config().String(), "injected": i.Injected()})
	})
}

// String renders the config in the ParseSpec syntax.
func (c Config) String() string {
	var parts []string
	if c.Latency > 0 {
		parts = append(parts, "latency="+c.Latency.String())
	}
	if c.RateLimitEvery > 0 {
		parts = append(parts, fmt.Sprintf("ratelimit-every=%d", c.RateLimitEvery))
	}
	if c.RateLimitBurst > 0 {
		parts = append(parts, fmt.Sprintf("ratelimit-burst=%d", c.RateLimitBurst))
	}
	if c.RetryAfter > 0 {
		parts = append(parts, "retry-after="+c.RetryAfter.String())
	}
	if c.ServerErrorBurst > 0 {
		parts = append(parts, fmt.Sprintf("5xx-burst=%d", c.ServerErrorBurst))
	}
	if c.Down {
		parts = append(parts, "down")
	}
	if c.PathContains != "" {
		parts = append(parts, "path="+c.PathContains)
	}
	return strings.Join(parts, ",")
}

// ParseSpec reads a comma-separated fault spec such as
// "latency=50ms,ratelimit-every=10,retry-after=2s,5xx-burst=3,down,path=/nodes".
// An empty spec means no faults.
func ParseSpec(spec string) (Config, error) {
	var c Config
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, val, _ := strings.Cut(part, "=")
		var err error
		switch key {
		case "latency":
			c.Latency, err = time.ParseDuration(val)
		case "ratelimit-every":
			c.RateLimitEvery, err = strconv.Atoi(val)
		case "ratelimit-burst":
			c.RateLimitBurst, err = strconv.Atoi(val)
		case "retry-after":
			c.RetryAfter, err = time.ParseDuration(val)
		case "5xx-burst":
			c.ServerErrorBurst, err = strconv.Atoi(val)
		case "down":
			c.Down = true
		case "path":
			c.PathContains = val
		default:
			return Config{}, fmt.Errorf("fault spec %q: unknown fault %q (known: latency, ratelimit-every, ratelimit-burst, retry-after, 5xx-burst, down, path)", spec, key)
		}
		if err != nil {
			return Config{}, fmt.Errorf("fault spec %q: %s: %v", spec, key, err)
		}
	}
	return c, nil
}
