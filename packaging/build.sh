#!/usr/bin/env bash
# Build the one-folder bundle dist/triageboard/ and dist/triageboard-<version>-linux-<arch>.tar.gz.
# Fails if the unpacked bundle is over MAX_BUNDLE_MB (default 150).
#
#   bash packaging/build.sh                          # from a fresh clone: makes its own build environment
#   PYTHON=.venv/bin/python bash packaging/build.sh  # with a Python that has triageboard and PyInstaller
#
# Without PYTHON it uses the project's .venv when that has both, else it makes (or reuses) build/venv with
# python3 -m venv and installs the project with its "package" extra (PyInstaller) there.
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_BUNDLE_MB=${MAX_BUNDLE_MB:-150}
ready() { "$1" -c 'import PyInstaller, triageboard' 2>/dev/null; }

if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ] && ready .venv/bin/python; then
    PYTHON=.venv/bin/python
  else
    PYTHON=build/venv/bin/python
    if [ ! -x "$PYTHON" ]; then
      echo "build.sh: making a build environment in build/venv (python3 -m venv)"
      python3 -m venv build/venv
    fi
    echo "build.sh: installing triageboard and PyInstaller into build/venv (pip install '.[package]')"
    "$PYTHON" -m pip install -q --disable-pip-version-check ".[package]"
  fi
fi
ready "$PYTHON" || {
  echo "build.sh: $PYTHON lacks triageboard or PyInstaller; run: $PYTHON -m pip install '.[package]'" >&2
  echo "build.sh: (or run without PYTHON set: the script makes its own build environment)" >&2
  exit 1
}
version=$("$PYTHON" -c 'from importlib.metadata import version; print(version("triageboard"))')
arch=$(uname -m)
start=$(date +%s)
rm -rf dist/triageboard "dist/triageboard-$version-linux-$arch.tar.gz"
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/triageboard.spec

bundle=dist/triageboard
[ -x "$bundle/triageboard" ] || { echo "build.sh: $bundle/triageboard was not produced" >&2; exit 1; }

# Every shared library in the bundle must find its dependencies in the bundle or on the system.
unresolved=$(find "$bundle" -name '*.so*' -type f -print0 |
  xargs -0 -r -n 50 env LD_LIBRARY_PATH="$bundle/_internal" ldd 2>/dev/null | grep 'not found' | sort -u || true)
if [ -n "$unresolved" ]; then
  echo "build.sh: libraries in the bundle need libraries that are missing:" >&2
  echo "$unresolved" >&2
  exit 1
fi

tarball="dist/triageboard-$version-linux-$arch.tar.gz"
tar -C dist -czf "$tarball" triageboard
size_kb=$(du -sk "$bundle" | cut -f1)
size_mb=$(( (size_kb + 1023) / 1024 ))
tar_mb=$(( ($(stat -c %s "$tarball") + 1048575) / 1048576 ))
echo "bundle: $bundle  ${size_mb} MB unpacked (limit ${MAX_BUNDLE_MB} MB)"
echo "tarball: $tarball  ${tar_mb} MB"
echo "build took $(( $(date +%s) - start )) s"
if [ "$size_mb" -gt "$MAX_BUNDLE_MB" ]; then
  echo "build.sh: the bundle is ${size_mb} MB, over the ${MAX_BUNDLE_MB} MB limit; the largest parts:" >&2
  du -ak "$bundle" | sort -rn | head -n 15 >&2
  exit 1
fi
