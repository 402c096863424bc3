package activities

import (
	"context"
	"strings"

	"go.temporal.io/sdk/activity"
)

// Small helpers shared by the activities of several structs.

// heartbeat records progress only inside an activity: the starter's dry
// run and the tests call the same code directly, without one.
func heartbeat(ctx context.Context, details any) {
	if activity.IsActivity(ctx) {
		activity.RecordHeartbeat(ctx, details)
	}
}

// firstNonBlank picks the first name or text that says something, since
// the backends report missing values as blanks as often as empty strings.
func firstNonBlank(xs ...string) string {
	for _, x := range xs {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}
