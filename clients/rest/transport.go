package rest

import (
	"context"
	"crypto/x509"
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// RetryConfig bounds the transport's own retries. Temporal retries whole
// activities on top of this, so these stay short.
type RetryConfig struct {
	Max     int           // retries after the first attempt (default 4)
	WaitMin time.Duration // first back-off (default 200ms)
	WaitMax time.Duration // longest back-off, and the cap on Retry-After (default 30s)
}

func (c RetryConfig) withDefaults() RetryConfig {
	if c.Max == 0 {
		c.Max = 4
	}
	if c.Max < 0 {
		c.Max = 0
	}
	if c.WaitMin <= 0 {
		c.WaitMin = 200 * time.Millisecond
	}
	if c.WaitMax <= 0 {
		c.WaitMax = 30 * time.Second
	}
	return c
}

// MaxIdleConnsPerHost is how many idle keep-alive connections the shared
// pool keeps per backend host. A worker runs up to BRIDGE_*_CONCURRENCY
// activities at once (50 in the benchmark), each with a request in
// flight; net/http's default of 2 would close all but two connections
// after every burst and open new ones on the next (a TCP and, on https, a
// TLS handshake per request).
const MaxIdleConnsPerHost = 256

// pooled is the transport every client without one of its own shares.
var pooled = Pooled()

// Pooled returns a transport like http.DefaultTransport that keeps up to
// MaxIdleConnsPerHost idle connections per host (for 90 s).
func Pooled() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 0 // no limit across hosts; the per-host one holds
	t.MaxIdleConnsPerHost = MaxIdleConnsPerHost
	t.IdleConnTimeout = 90 * time.Second
	return t
}

// NewRetryingClient returns a go-retryablehttp client of service
// ("confluence", "opentext") that retries transport errors, 429 and 5xx
// (except 501), honouring Retry-After, and never retries any other status.
// base may be nil. Every attempt is traced and reported through an
// instrumented copy of base's transport (see Instrument), and every retry
// to the Observer of the request's context.
func NewRetryingClient(service string, base *http.Client, cfg RetryConfig) *retryablehttp.Client {
	cfg = cfg.withDefaults()
	rc := retryablehttp.NewClient()
	// base, or a zero client: either way without a transport of its own
	// it gets the shared pool (retryablehttp's own keeps GOMAXPROCS+1
	// idle connections per host).
	rc.HTTPClient = Instrument(base, service)
	rc.RequestLogHook = func(_ retryablehttp.Logger, req *http.Request, attempt int) {
		if attempt == 0 {
			return
		}
		if o := observerFrom(req.Context()); o != nil {
			o.Retry(service)
		}
	}
	rc.Logger = nil
	rc.RetryMax = cfg.Max
	rc.RetryWaitMin = cfg.WaitMin
	rc.RetryWaitMax = cfg.WaitMax
	rc.CheckRetry = checkRetry
	rc.Backoff = backoff
	// Hand the last response back instead of a generic "giving up" error,
	// so the caller can read the status and the server's message.
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	return rc
}

func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		// A refusal of our own (a redirect to another origin, see
		// SameOriginRedirects) comes back the same way every time.
		var rerr *Error
		if errors.As(err, &rerr) && !rerr.Retryable() {
			return false, err
		}
		var uerr *url.Error
		if errors.As(err, &uerr) {
			var certErr *x509.UnknownAuthorityError
			if errors.As(uerr.Err, &certErr) || strings.Contains(uerr.Error(), "stopped after") {
				return false, err
			}
		}
		return true, nil
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return true, nil
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return true, nil
	}
	return false, nil
}

func backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			if d > max {
				d = max
			}
			return d
		}
	}
	d := time.Duration(float64(min) * math.Pow(2, float64(attempt)))
	if d > max || d <= 0 {
		d = max
	}
	// Full jitter keeps many workers from retrying in step.
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// ParseRetryAfter reads a Retry-After value given in seconds or as an
// HTTP date. ok is false when the header is empty or unreadable.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}
