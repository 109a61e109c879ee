#!/usr/bin/env bash
# Incremental developer build without pip: builds _core into build/dev-<name>/ and assembles an
# importable package there (symlinks to python/pycauset/*.py plus the module).
# Usage: tools/dev_build.sh [name] [extra cmake args...]; then PYTHONPATH=build/dev-<name>/pkg python ...
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
name="${1:-default}"; shift || true
build="$root/build/dev-$name"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -Dpybind11_DIR="$(python3 -c 'import pybind11; print(pybind11.get_cmake_dir())')" "$@" >/dev/null
fi
cmake --build "$build" -j 2 >&2
pkg="$build/pkg/pycauset"
mkdir -p "$pkg"
find "$pkg" -maxdepth 1 -type l -delete
for f in "$root"/python/pycauset/*; do ln -sf "$f" "$pkg/$(basename "$f")"; done
ln -sf "$build"/_core*.so "$pkg/"
echo "$build/pkg"
