#!/usr/bin/env bash
# Builds the workers binary and runs the benchmark program against a real
# Temporal dev server and the simulators. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .bench
go build -o .bench/ ./workers
go run ./tools/bench --workers .bench/workers "$@"
