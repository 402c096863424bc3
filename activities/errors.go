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

// ErrorType is the type of a Temporal application error the bridge raises.
// The strings are recorded in workflow histories and read by operators'
// scripts (`starter status`), so a value never changes once released.
type ErrorType string

// Application error types. Each names what went wrong so an operator (or a
// script reading `starter status`) knows what to fix; all but the backend
// availability ones are non-retryable.
const (
	TypePageNotFound        ErrorType = "PageNotFound"
	TypeNotApproved         ErrorType = "NotApproved"
	TypeEditedAfterApproval ErrorType = "EditedAfterApproval" // the version is an edit made after an earlier version was approved
	TypeUnknownApprover     ErrorType = "UnknownApprover"     // labelled, but nobody knows who approved, and the space requires it
	TypeSelfApproval        ErrorType = "SelfApproval"        // the approver of a version is its author, and the space forbids that
	TypeNotAnApprover       ErrorType = "NotAnApprover"       // the approver is not in the space's approvers group
	TypeNotARecord          ErrorType = "NotARecord"
	TypeNoMapping           ErrorType = "NoMapping"
	TypeMissingMetadata     ErrorType = "MissingMetadata"
	TypeAttributeType       ErrorType = "AttributeType"
	TypeNoSuchAttribute     ErrorType = "NoSuchAttribute"
	TypeRecordOnHold        ErrorType = "RecordOnHold"
	TypeChecksumMismatch    ErrorType = "ChecksumMismatch"
	TypeDuplicateRecord     ErrorType = "DuplicateRecord"    // two OTCS nodes claim one page and one was not the bridge's to discard
	TypeVersionChanged      ErrorType = "VersionChanged"     // the reviewed OTCS version is no longer the node's current one
	TypeInvalidInput        ErrorType = "InvalidInput"       // a flow started with input that cannot be right
	TypeInvalidState        ErrorType = "InvalidState"       // a workflow found its own state impossible (a bug, not an input)
	TypeBackendRejected     ErrorType = "BackendRejected"    // a 4xx the bridge cannot fix by retrying
	TypeBackendUnavailable  ErrorType = "BackendUnavailable" // 5xx, 429, transport: retried

	// The document lifecycle (flow F7).
	TypeNoReviewRule           ErrorType = "NoReviewRule"           // the space has no review: section
	TypeWorkflowMapUnavailable ErrorType = "WorkflowMapUnavailable" // the OTCS workflow map is missing or cannot be started
	TypeStaleVersion           ErrorType = "StaleVersion"           // a newer page version exists than the one asked for

	// Templates (flow F4): reported in TemplateResult.ErrorType for that
	// template while the others sync, not raised.
	TypeConversionFailed ErrorType = "ConversionFailed" // the converter refused the file (corrupt, encrypted, ...)
	TypeTemplateTooLarge ErrorType = "TemplateTooLarge" // over templates.max_bytes or the output limit
	TypeConverterMissing ErrorType = "ConverterMissing" // pandoc is not installed on the worker
	TypeNameClash        ErrorType = "NameClash"        // a page people made has the template's title

	// Permissions follow the content.
	TypeRestrictedSourceUnmapped ErrorType = "RestrictedSourceUnmapped" // the source is restricted to someone the access: section does not map; nothing was written
	TypeRestrictedSource         ErrorType = "RestrictedSource"         // the source is restricted and its rule says restricted: refuse
	TypeIncludedPageRestricted   ErrorType = "IncludedPageRestricted"   // the body pulls in another page that its author or approver may not read, or fewer people may read
	TypeAccessUnsafe             ErrorType = "AccessUnsafe"             // the bridge cannot make a copy as narrow as its source (e.g. the staging folder is readable by others)

	// PDF renditions (mapping rendition: pdf).
	TypeRenditionFailed ErrorType = "RenditionFailed" // the PDF/A render failed or passed its time, memory or size limit; nothing was uploaded
)

// Deprecated: the former names of the error types that code outside this
// package and workflows/ still uses (the end-to-end tests). They are plain
// strings, like ApplicationError.Type(), so those comparisons keep
// working; use the Type constants and IsType.
const (
	ErrPageNotFound = string(TypePageNotFound)
	ErrNotApproved  = string(TypeNotApproved)
	ErrNotARecord   = string(TypeNotARecord)
	ErrNoMapping    = string(TypeNoMapping)
	ErrRecordOnHold = string(TypeRecordOnHold)
	ErrWorkflowMap  = string(TypeWorkflowMapUnavailable)
)

// NonRetryable is a non-retryable application error of type t. It is the
// one place an ErrorType becomes the SDK's string, for activities and
// workflows alike.
func NonRetryable(t ErrorType, format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), string(t), nil)
}

// IsType reports whether err is (or wraps) an application error of type t,
// as raised by an activity or a workflow, or as returned by a child or an
// activity future.
func IsType(err error, t ErrorType) bool {
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && appErr.Type() == string(t)
}

// BackendError turns a client error into a Temporal application error:
// retryable (honouring Retry-After) when the backend may recover, otherwise
// non-retryable with the server's message.
func BackendError(what string, err error) error {
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
			return NonRetryable(TypeMissingMetadata, "%s", err.Error())
		case errors.As(err, &at):
			return NonRetryable(TypeAttributeType, "%s", err.Error())
		case errors.As(err, &nm):
			return NonRetryable(TypeNoMapping, "%s", err.Error())
		}
		// Context cancellation, I/O on the stream: let Temporal retry.
		return fmt.Errorf("%s: %w", what, err)
	}
	msg := what + ": " + re.Error()
	if re.Retryable() {
		return temporal.NewApplicationErrorWithOptions(msg, string(TypeBackendUnavailable), temporal.ApplicationErrorOptions{
			NextRetryDelay: re.RetryAfter,
		})
	}
	return NonRetryable(TypeBackendRejected, "%s", msg)
}

// Observe counts a failed activity by its error type on the worker's
// metrics (xecm_bridge_backend_errors_total{activity,type}).
func Observe(ctx context.Context, activityName string, err error) {
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
