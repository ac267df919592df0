#!/usr/bin/env bash
# The release build: a static Linux binary (musl), packed the way the GitHub Action
# (action.yml) downloads it, with its SHA-256.
#
#   scripts/build-release.sh [TARGET]        TARGET defaults to x86_64-unknown-linux-musl
#
# Needs the target's standard library (`rustup target add x86_64-unknown-linux-musl`) and a C
# compiler for musl, for the C and assembly inside some dependencies (mimalloc, zstd, ring,
# psm): `musl-gcc`, from Debian's and Ubuntu's musl-tools. Writes
#   target/dist/planwise-v<version>-<TARGET>.tar.gz      the binary alone, named planwise
#   target/dist/planwise-v<version>-<TARGET>.tar.gz.sha256
# and fails if the binary needs a dynamic loader or a shared library.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${1:-x86_64-unknown-linux-musl}"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"

cargo build --release --locked --target "$target" --bin planwise
binary="target/$target/release/planwise"

# Static: no program interpreter, no shared library needed.
if readelf --program-headers "$binary" | grep -q INTERP \
  || readelf --dynamic "$binary" | grep -q NEEDED; then
  echo "build-release: $binary is not static:" >&2
  readelf --program-headers --dynamic "$binary" | grep -E 'INTERP|NEEDED' >&2
  exit 1
fi
"$binary" --version

archive="planwise-v$version-$target.tar.gz"
mkdir -p target/dist
tar -czf "target/dist/$archive" -C "target/$target/release" planwise
(cd target/dist && sha256sum "$archive" >"$archive.sha256")
echo "build-release: target/dist/$archive ($(du -h "$binary" | cut -f1) unpacked)"
