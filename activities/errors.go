package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/activity"

	"go.temporal.io/sdk/temporal"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/internal/metrics"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// Application error types. Each names what went wrong so an operator (or a
// script reading `starter status`) knows what to fix; all but the backend
// availability ones are non-retryable.
const (
	ErrPageNotFound        = "PageNotFound"
	ErrNotApproved         = "NotApproved"
	ErrEditedAfterApproval = "EditedAfterApproval" // the version is an edit made after an earlier version was approved
	ErrUnknownApprover     = "UnknownApprover"     // labelled, but nobody knows who approved, and the space requires it
	ErrNotARecord          = "NotARecord"
	ErrNoMapping           = "NoMapping"
	ErrMissingMetadata     = "MissingMetadata"
	ErrAttributeType       = "AttributeType"
	ErrNoSuchAttribute     = "NoSuchAttribute"
	ErrRecordOnHold        = "RecordOnHold"
	ErrChecksumMismatch    = "ChecksumMismatch"
	ErrDuplicateRecord     = "DuplicateRecord"    // two OTCS nodes claim one page and one was not the bridge's to discard
	ErrVersionChanged      = "VersionChanged"     // the reviewed OTCS version is no longer the node's current one
	ErrInvalidInput        = "InvalidInput"       // a flow started with input that cannot be right
	ErrBackendRejected     = "BackendRejected"    // a 4xx the bridge cannot fix by retrying
	ErrBackendUnavailable  = "BackendUnavailable" // 5xx, 429, transport: retried
)

func nonRetryable(errType, format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), errType, nil)
}

// backendError turns a client error into a Temporal application error:
// retryable (honouring Retry-After) when the backend may recover, otherwise
// non-retryable with the server's message.
func backendError(what string, err error) error {
	if err == nil {
		return nil
	}
	var re *rest.Error
	if !errors.As(err, &re) {
		var mm *mapping.MissingMetadataError
		var at *mapping.AttributeTypeError
		var nm *mapping.NoMappingError
		switch {
		case errors.As(err, &mm):
			return temporal.NewNonRetryableApplicationError(err.Error(), ErrMissingMetadata, nil)
		case errors.As(err, &at):
			return temporal.NewNonRetryableApplicationError(err.Error(), ErrAttributeType, nil)
		case errors.As(err, &nm):
			return temporal.NewNonRetryableApplicationError(err.Error(), ErrNoMapping, nil)
		}
		// Context cancellation, I/O on the stream: let Temporal retry.
		return fmt.Errorf("%s: %w", what, err)
	}
	msg := what + ": " + re.Error()
	if re.Retryable() {
		return temporal.NewApplicationErrorWithOptions(msg, ErrBackendUnavailable, temporal.ApplicationErrorOptions{
			NextRetryDelay: re.RetryAfter,
		})
	}
	return temporal.NewNonRetryableApplicationError(msg, ErrBackendRejected, nil)
}

// observe counts a failed activity by its error type on the worker's
// metrics (xecm_bridge_backend_errors_total{activity,type}).
func observe(ctx context.Context, activityName string, err error) {
	if err == nil || !activity.IsActivity(ctx) {
		return
	}
	typ := "Retryable"
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		typ = appErr.Type()
	}
	activity.GetMetricsHandler(ctx).WithTags(map[string]string{"activity": activityName, "type": typ}).
		Counter(metrics.BackendErrors).Inc(1)
}
