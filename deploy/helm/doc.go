// Package helm holds the tests of the xecm-bridge Helm chart (xecm-bridge/): it renders the chart
// with the real helm CLI and checks every rendered object against the Kubernetes API types, the
// published CRD schemas of KEDA and the Prometheus Operator, and what the bridge's binaries read.
// It is a module of its own so that the Kubernetes libraries the checks need stay out of the
// bridge's binaries.
package helm
