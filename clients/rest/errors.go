// Package rest holds what both backend clients share: the retrying HTTP
// transport (retries on 429/5xx honouring Retry-After, never on other 4xx)
// and the typed error that carries a response's status and server message.
package rest

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Kind classifies a failed call by what the caller should do about it.
type Kind string

// The kinds of failure a backend call can end in.
const (
	KindBadRequest   Kind = "bad_request"  // 400: the request is wrong; fix the input
	KindUnauthorized Kind = "unauthorized" // 401: credentials missing, wrong or expired
	KindForbidden    Kind = "forbidden"    // 403: authenticated but not allowed
	KindNotFound     Kind = "not_found"    // 404: no such object (or not visible)
	KindConflict     Kind = "conflict"     // 409: version or edit conflict
	KindTooLarge     Kind = "too_large"    // 413: request body over the server's limit
	KindRateLimited  Kind = "rate_limited" // 429: slow down, see RetryAfter
	KindUnavailable  Kind = "unavailable"  // 5xx: the backend is failing; try later
	KindTransport    Kind = "transport"    // no HTTP answer at all (refused, reset, timeout)
	KindProtocol     Kind = "protocol"     // an answer that does not follow the contract
	// KindForeignOrigin: a link or redirect in an answer leads to another
	// scheme, host or port than the configured base URL. It was refused
	// and nothing, in particular no credential, was sent there.
	KindForeignOrigin Kind = "foreign_origin"
)

// Retryable reports whether a failure of this kind may go away by itself.
func (k Kind) Retryable() bool {
	switch k {
	case KindRateLimited, KindUnavailable, KindTransport:
		return true
	}
	return false
}

// KindForStatus maps an HTTP status code to a Kind.
func KindForStatus(status int) Kind {
	switch {
	case status == http.StatusUnauthorized:
		return KindUnauthorized
	case status == http.StatusForbidden:
		return KindForbidden
	case status == http.StatusNotFound, status == http.StatusGone:
		return KindNotFound
	case status == http.StatusConflict:
		return KindConflict
	case status == http.StatusRequestEntityTooLarge:
		return KindTooLarge
	case status == http.StatusTooManyRequests:
		return KindRateLimited
	case status >= 500:
		return KindUnavailable
	default:
		return KindBadRequest
	}
}

// Error is a failed call to a backend: the status, the server's own message
// and a Kind that says whether retrying can help.
type Error struct {
	Service    string        // "confluence" or "opentext"
	Method     string        // HTTP method
	Path       string        // request path without query (never carries secrets)
	StatusCode int           // 0 when no response arrived
	Kind       Kind          // classification
	Code       string        // the server's error code, when it sends one
	Message    string        // the server's message, or the transport error
	RetryAfter time.Duration // from Retry-After, when present
}

func (e *Error) Error() string {
	if e.StatusCode == 0 {
		return fmt.Sprintf("%s %s %s: %s: %s", e.Service, e.Method, e.Path, e.Kind, e.Message)
	}
	return fmt.Sprintf("%s %s %s: %d %s: %s", e.Service, e.Method, e.Path, e.StatusCode, e.Kind, e.Message)
}

// Retryable reports whether the call may succeed if repeated later.
func (e *Error) Retryable() bool { return e.Kind.Retryable() }

// KindOf returns the Kind of the first *Error in err's chain, or "" if none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// IsKind reports whether err carries an *Error of kind k.
func IsKind(err error, k Kind) bool { return err != nil && KindOf(err) == k }
