package workflows_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// workflowRun is the part of a test environment that holds a run's outcome
// (a *testsuite.TestWorkflowEnvironment, or a fixture that embeds one).
type workflowRun interface {
	IsWorkflowCompleted() bool
	GetWorkflowError() error
	GetWorkflowResult(valuePtr any) error
}

// resultOf is the result of a run that must have completed without error.
func resultOf[T any](t *testing.T, env workflowRun) T {
	t.Helper()
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res T
	require.NoError(t, env.GetWorkflowResult(&res))
	return res
}
