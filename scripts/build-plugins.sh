#!/usr/bin/env bash
# Build every plugin under plugins/ and every test connector under tests/connectors/ as a
# wasm32-wasip2 component into target/wasm/.
# Idempotent and quick when nothing changed. Installs the target if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! rustup target list --installed | grep -qx wasm32-wasip2; then
  rustup target add wasm32-wasip2
fi
packages=()
# plugins/*: the shipped components; tests/connectors/*: components the e2e tests drive.
for dir in plugins/*/ tests/connectors/*/; do
  [ -f "$dir/Cargo.toml" ] || continue
  packages+=(-p "$(basename "$dir")")
done
cargo build --quiet --target wasm32-wasip2 --profile plugin --target-dir target/wasm "${packages[@]}"
echo "plugins built into target/wasm/wasm32-wasip2/plugin/"
