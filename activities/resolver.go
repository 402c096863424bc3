package activities

import (
	"sync"

	"github.com/xecm-bridge/xecm-bridge/access"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// LazyResolver is the principal look-up of an activity struct: the one
// the worker injected (roles.New gives every struct of a process the same
// resolver, so a principal is looked up once per process), or one made
// from the mapping on first use.
type LazyResolver struct {
	once sync.Once
}

// Get returns *injected, making it first when nil.
func (l *LazyResolver) Get(injected **access.Resolver, rules *mapping.Rules, conf *confluence.Client, ot *opentext.Client) *access.Resolver {
	l.once.Do(func() {
		if *injected == nil {
			*injected = &access.Resolver{Rules: rules.Access, Confluence: conf, OTCS: ot}
		}
	})
	return *injected
}
