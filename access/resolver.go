// Package access makes permissions follow the content: it maps the
// principals of one system to the other's through the mapping's access:
// section, and computes what a copy may be read by from what its source
// may be read by. It never widens: a principal it cannot map is reported,
// and the caller refuses or restricts to the fallback group.
package access

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/internal/lookup"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// DefaultTTL is how long a worker trusts a principal it looked up: group
// and user ids rarely change, and a stale hit only ever fails a write that
// names a principal gone since, which the retry then looks up again.
const DefaultTTL = 10 * time.Minute

// Resolver looks principals up on both sides, once per TTL per worker.
// Its zero Rules (no access: section) maps nobody.
type Resolver struct {
	Rules      *mapping.Access
	Confluence *confluence.Client
	OTCS       *opentext.Client
	TTL        time.Duration // 0: DefaultTTL

	mu         sync.Mutex
	entries    map[string]cached
	generation int // Forget calls: a look-up begun before one keeps nothing
	flights    lookup.Shared
	now        func() time.Time
}

type cached struct {
	id    int64
	name  string
	found bool
	at    time.Time
}

// lookup answers key from the cache while it is younger than the TTL, else
// from fetch. Errors are not cached, so the next call asks again.
func (r *Resolver) lookup(ctx context.Context, key string, fetch func() (int64, string, bool, error)) (int64, string, bool, error) {
	r.mu.Lock()
	if r.entries == nil {
		r.entries = map[string]cached{}
	}
	now := time.Now
	if r.now != nil {
		now = r.now
	}
	ttl := r.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	fresh := func() (cached, bool) {
		e, ok := r.entries[key]
		return e, ok && now().Sub(e.at) < ttl
	}
	if e, ok := fresh(); ok {
		r.mu.Unlock()
		return e.id, e.name, e.found, nil
	}
	r.mu.Unlock()
	// Concurrent misses of one key (a worker starting with flows in
	// flight) make one look-up between them.
	e, err := lookup.Do(ctx, &r.flights, key, func(context.Context) (cached, error) {
		r.mu.Lock()
		e, ok := fresh() // filled by a look-up that ended since the miss
		gen := r.generation
		r.mu.Unlock()
		if ok {
			return e, nil
		}
		id, name, found, err := fetch()
		if err != nil {
			return cached{}, err
		}
		e = cached{id: id, name: name, found: found, at: now()}
		r.mu.Lock()
		if r.generation == gen && r.entries != nil {
			r.entries[key] = e
		}
		r.mu.Unlock()
		return e, nil
	})
	if err != nil {
		return 0, "", false, err
	}
	return e.id, e.name, e.found, nil
}

// Forget drops every cached look-up (after a write failed because a
// principal is gone, or when the mapping changes).
func (r *Resolver) Forget() {
	r.mu.Lock()
	r.entries = nil
	r.generation++
	r.mu.Unlock()
}

// OpenTextGroupID is the OTCS group id of an OTCS group name; found is
// false when OTCS has no such group.
func (r *Resolver) OpenTextGroupID(ctx context.Context, name string) (int64, bool, error) {
	id, _, found, err := r.lookup(ctx, "otcs-group:"+strings.ToLower(name), func() (int64, string, bool, error) {
		g, err := r.OTCS.FindGroup(ctx, name)
		if err != nil || g == nil {
			return 0, "", false, err
		}
		return g.ID, g.Name, true, nil
	})
	return id, found, err
}

// OpenTextUserID is the OTCS user a Confluence user maps to: the user
// table first, then (users: email) the OTCS user whose business email is
// the Confluence email. found is false when neither gives one.
func (r *Resolver) OpenTextUserID(ctx context.Context, u confluence.User) (int64, bool, error) {
	login, ok := r.Rules.LoginFor(u.AccountID)
	if !ok {
		if !r.Rules.ByEmail() || u.Email == "" {
			return 0, false, nil
		}
		login = u.Email
	}
	id, _, found, err := r.lookup(ctx, "otcs-user:"+strings.ToLower(login), func() (int64, string, bool, error) {
		m, err := r.OTCS.FindUser(ctx, login)
		if err != nil || m == nil || m.Deleted {
			return 0, "", false, err
		}
		return m.ID, m.Name, true, nil
	})
	return id, found, err
}

// OpenTextMember names an OTCS member id: its name and whether it is a
// group.
func (r *Resolver) OpenTextMember(ctx context.Context, id int64) (name string, group bool, err error) {
	typ, name, found, err := r.lookup(ctx, fmt.Sprintf("otcs-member:%d", id), func() (int64, string, bool, error) {
		m, err := r.OTCS.GetMember(ctx, id)
		if rest.IsKind(err, rest.KindNotFound) || rest.IsKind(err, rest.KindBadRequest) {
			return 0, "", false, nil // OTCS answers an unknown member id with 400
		}
		if err != nil || m == nil {
			return 0, "", false, err
		}
		return int64(m.Type), m.Name, true, nil
	})
	if err != nil || !found {
		return "", false, err
	}
	return name, typ == opentext.MemberGroup, nil
}

// ConfluenceGroupID is the id of a Confluence group name ("" on Data
// Center, which names groups only); found is false when there is none.
func (r *Resolver) ConfluenceGroupID(ctx context.Context, name string) (string, bool, error) {
	_, id, found, err := r.lookup(ctx, "conf-group:"+strings.ToLower(name), func() (int64, string, bool, error) {
		g, err := r.Confluence.FindGroup(ctx, name)
		if rest.IsKind(err, rest.KindNotFound) {
			return 0, "", false, nil
		}
		if err != nil || g == nil {
			return 0, "", false, err
		}
		return 0, g.ID, true, nil
	})
	return id, found, err
}

// ConfluenceAccount is the Confluence account an OTCS user maps to. Only
// access.user_table maps that way: Confluence Cloud cannot find a user by
// email, so an OTCS user without a table entry is not mapped.
func (r *Resolver) ConfluenceAccount(login string) (string, bool) {
	return r.Rules.AccountFor(login)
}
