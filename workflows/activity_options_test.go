package workflows

import "testing"

// TestLongestHeartbeatTimeoutIsTheLongest: what the Helm chart's grace
// period is checked against is really the longest heartbeat timeout.
func TestLongestHeartbeatTimeoutIsTheLongest(t *testing.T) {
	found := false
	for _, b := range []timeouts{confluenceCall, opentextCall, transferCall, batchCall, reconcileCall, routeCall, backfillCall} {
		if b.heartbeat > LongestHeartbeatTimeout {
			t.Errorf("a budget's heartbeat timeout %s is above LongestHeartbeatTimeout %s", b.heartbeat, LongestHeartbeatTimeout)
		}
		found = found || b.heartbeat == LongestHeartbeatTimeout
	}
	if !found {
		t.Errorf("no budget uses LongestHeartbeatTimeout %s", LongestHeartbeatTimeout)
	}
}
