package opentext

import (
	"context"
	"sync"
	"time"

	"github.com/xecm-bridge/xecm-bridge/internal/lookup"
)

// How long lookups that rarely change are reused by one client (one
// worker): a category's definition, and the folder a path resolves to.
// A worker then makes those round trips once a minute, not per document.
const (
	categoryDefinitionTTL = 5 * time.Minute
	folderPathTTL         = time.Minute
)

// ttlCache is a small map of values that expire; safe for concurrent use.
// Concurrent misses of one key make one backend call (fill).
type ttlCache struct {
	mu      sync.Mutex
	entries map[string]ttlEntry
	// generation counts forget calls: a fill that began before one does
	// not store what it read.
	generation int
	flights    lookup.Shared
}

// fill returns key's value, from the cache or else from fetch, which
// concurrent misses of key share; what fetch returns is kept for ttl.
func fill[T any](ctx context.Context, c *ttlCache, key string, ttl time.Duration, fetch func(context.Context) (T, error)) (T, error) {
	if v, ok := c.get(key); ok {
		return v.(T), nil
	}
	return lookup.Do(ctx, &c.flights, key, func(ctx context.Context) (T, error) {
		// A call that ended between this caller's miss and this one
		// filled the cache: no second request.
		if v, ok := c.get(key); ok {
			return v.(T), nil
		}
		c.mu.Lock()
		gen := c.generation
		c.mu.Unlock()
		v, err := fetch(ctx)
		if err == nil {
			c.mu.Lock()
			if c.generation == gen {
				c.putLocked(key, v, ttl)
			}
			c.mu.Unlock()
		}
		return v, err
	})
}

type ttlEntry struct {
	value   any
	expires time.Time
}

func (c *ttlCache) get(key string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || time.Now().After(e.expires) {
		delete(c.entries, key)
		return nil, false
	}
	return e.value, true
}

func (c *ttlCache) putLocked(key string, value any, ttl time.Duration) {
	if c.entries == nil {
		c.entries = map[string]ttlEntry{}
	}
	c.entries[key] = ttlEntry{value: value, expires: time.Now().Add(ttl)}
}

// forget drops every entry (e.g. after a folder the cache named vanished).
func (c *ttlCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
	c.generation++
}
