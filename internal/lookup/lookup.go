// Package lookup makes the concurrent look-ups of one key share a single
// backend call. A worker that starts with fifty flows in flight would
// otherwise send fifty identical reads (a folder path, a category's
// definition, a space's viewers) before the first answer fills its cache.
package lookup

import (
	"context"
	"errors"

	"golang.org/x/sync/singleflight"
)

// Shared runs one call per key at a time; the zero value is ready.
type Shared struct{ group singleflight.Group }

// Do returns fetch's answer for key, calling it once for all callers that
// ask while a call for key is under way. The call runs with the context of
// the caller that started it; another caller stops waiting when its own
// context ends, and asks again itself when the call failed only because
// the starter's context ended.
func Do[T any](ctx context.Context, s *Shared, key string, fetch func(context.Context) (T, error)) (T, error) {
	ch := s.group.DoChan(key, func() (any, error) { return fetch(ctx) })
	var zero T
	select {
	case <-ctx.Done():
		return zero, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			if ctx.Err() == nil && (errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, context.DeadlineExceeded)) {
				return fetch(ctx)
			}
			return zero, r.Err
		}
		return r.Val.(T), nil
	}
}
