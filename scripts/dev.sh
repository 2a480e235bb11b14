#!/usr/bin/env bash
# The two commands of the README, self-contained on a fresh machine:
#   scripts/dev.sh demo   build everything and run `weft demo`
#   scripts/dev.sh test   build everything and run the whole test suite
# Extra arguments go to the command (e.g. `scripts/dev.sh demo --json`).
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-}"; shift || true
bash scripts/build-plugins.sh
case "$what" in
  demo) exec cargo run --quiet -p weft-cli -- demo "$@" ;;
  test) exec cargo test --workspace "$@" ;;
  bench) exec cargo run --quiet -p weft-cli -- bench host --json "$@" ;;
  *) echo "usage: scripts/dev.sh demo|test|bench [args]" >&2; exit 2 ;;
esac
