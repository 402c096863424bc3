package activities

import (
	"errors"
	"fmt"
	"testing"

	"go.temporal.io/sdk/temporal"
)

// The strings behind the typed constants are in recorded histories,
// workflow state, the README and operators' scripts: renaming a constant
// must never change one.
func TestRecordedStrings(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{string(TypePageNotFound), "PageNotFound"},
		{string(TypeNotApproved), "NotApproved"},
		{string(TypeEditedAfterApproval), "EditedAfterApproval"},
		{string(TypeUnknownApprover), "UnknownApprover"},
		{string(TypeSelfApproval), "SelfApproval"},
		{string(TypeNotAnApprover), "NotAnApprover"},
		{string(TypeNotARecord), "NotARecord"},
		{string(TypeNoMapping), "NoMapping"},
		{string(TypeMissingMetadata), "MissingMetadata"},
		{string(TypeAttributeType), "AttributeType"},
		{string(TypeNoSuchAttribute), "NoSuchAttribute"},
		{string(TypeRecordOnHold), "RecordOnHold"},
		{string(TypeChecksumMismatch), "ChecksumMismatch"},
		{string(TypeDuplicateRecord), "DuplicateRecord"},
		{string(TypeVersionChanged), "VersionChanged"},
		{string(TypeInvalidInput), "InvalidInput"},
		{string(TypeInvalidState), "InvalidState"},
		{string(TypeBackendRejected), "BackendRejected"},
		{string(TypeBackendUnavailable), "BackendUnavailable"},
		{string(TypeNoReviewRule), "NoReviewRule"},
		{string(TypeWorkflowMapUnavailable), "WorkflowMapUnavailable"},
		{string(TypeStaleVersion), "StaleVersion"},
		{string(TypeRestrictedSourceUnmapped), "RestrictedSourceUnmapped"},
		{string(TypeRestrictedSource), "RestrictedSource"},
		{string(TypeAccessUnsafe), "AccessUnsafe"},
		{string(TypeIncludedPageRestricted), "IncludedPageRestricted"},
		{string(TypeConversionFailed), "ConversionFailed"},
		{string(TypeTemplateTooLarge), "TemplateTooLarge"},
		{string(TypeConverterMissing), "ConverterMissing"},
		{string(TypeNameClash), "NameClash"},
		{ErrPageNotFound, "PageNotFound"},
		{ErrNotApproved, "NotApproved"},
		{ErrNotARecord, "NotARecord"},
		{ErrNoMapping, "NoMapping"},
		{ErrRecordOnHold, "RecordOnHold"},
		{ErrWorkflowMap, "WorkflowMapUnavailable"},
		{string(VerdictApproved), "approved"},
		{string(VerdictRejected), "rejected"},
		{string(PurposePublish), ""},
		{string(PurposeRecord), "record"},
		{string(PurposeReview), "review"},
	} {
		if c.got != c.want {
			t.Errorf("constant is %q, recorded as %q", c.got, c.want)
		}
	}
}

func TestIsTypeSeesWrappedApplicationErrors(t *testing.T) {
	err := NonRetryable(TypeRecordOnHold, "node %d is on hold", 7)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !appErr.NonRetryable() || appErr.Message() != "node 7 is on hold" {
		t.Fatalf("NonRetryable made %#v", err)
	}
	if !IsType(fmt.Errorf("declare: %w", err), TypeRecordOnHold) {
		t.Error("a wrapped RecordOnHold is not seen")
	}
	if IsType(err, TypeVersionChanged) || IsType(errors.New("RecordOnHold"), TypeRecordOnHold) || IsType(nil, TypeRecordOnHold) {
		t.Error("IsType matched another type, a plain error or nil")
	}
}
