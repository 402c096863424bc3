package activities

import (
	"context"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// PrincipalSource looks principals up in Confluence and OTCS for
// mapping.Rules.CheckPrincipals, with the same calls access.Resolver
// makes, so what passes the check is what the copies will find.
type PrincipalSource struct {
	Confluence *confluence.Client
	OTCS       *opentext.Client
}

// ConfluenceGroup implements mapping.PrincipalSource.
func (s PrincipalSource) ConfluenceGroup(ctx context.Context, name string) (bool, error) {
	_, err := s.Confluence.FindGroup(ctx, name)
	return found(err)
}

// ConfluenceUser implements mapping.PrincipalSource.
func (s PrincipalSource) ConfluenceUser(ctx context.Context, accountID string) (bool, error) {
	_, err := s.Confluence.User(ctx, accountID)
	return found(err)
}

// OpenTextGroup implements mapping.PrincipalSource.
func (s PrincipalSource) OpenTextGroup(ctx context.Context, name string) (bool, error) {
	g, err := s.OTCS.FindGroup(ctx, name)
	return g != nil, err
}

// OpenTextUser implements mapping.PrincipalSource; a deleted user is none,
// as the resolver does not map to one either.
func (s PrincipalSource) OpenTextUser(ctx context.Context, login string) (bool, error) {
	u, err := s.OTCS.FindUser(ctx, login)
	return u != nil && !u.Deleted, err
}

// found reports whether a Confluence look-up found its principal:
// KindNotFound is no, any other error is an error.
func found(err error) (bool, error) {
	if rest.IsKind(err, rest.KindNotFound) {
		return false, nil
	}
	return err == nil, err
}
