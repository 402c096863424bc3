package opentext

import (
	"sync"
	"time"
)

// How long lookups that rarely change are reused by one client (one
// worker): a category's definition, and the folder a path resolves to.
// A worker then makes those round trips once a minute, not per document.
const (
	categoryDefinitionTTL = 5 * time.Minute
	folderPathTTL         = time.Minute
)

// ttlCache is a small map of values that expire; safe for concurrent use.
type ttlCache struct {
	mu      sync.Mutex
	entries map[string]ttlEntry
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

func (c *ttlCache) put(key string, value any, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
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
}
