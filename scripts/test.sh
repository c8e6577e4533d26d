#!/usr/bin/env bash
# The whole test suite. As root, the privileged tests (network namespaces) run for real; set
# NETDIAG_REQUIRE_PRIVILEGED=1 to make them fail instead of skip when they cannot run.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
cargo test --workspace --locked "$@"
