package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"
)

// DescribeFailure is how a failed run's error is shown (the status query,
// the Web UI's current details): an application error as "Type: message",
// so its type (RecordOnHold, PageNotFound, …) shows beside the text; any
// other error as its text. Exported so the starter CLI prints failures the
// same way.
func DescribeFailure(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Type() + ": " + appErr.Message()
	}
	return err.Error()
}
