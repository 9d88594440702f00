#!/usr/bin/env bash
# Build the one-folder bundle dist/triageboard/ and dist/triageboard-<version>-linux-<arch>.tar.gz.
# Fails if the unpacked bundle is over MAX_BUNDLE_MB (default 150).
#
#   PYTHON=.venv/bin/python bash packaging/build.sh
#
# PYTHON must have triageboard installed (pip install -e ".[dev]" gives PyInstaller too).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}
MAX_BUNDLE_MB=${MAX_BUNDLE_MB:-150}

version=$("$PYTHON" -c 'from importlib.metadata import version; print(version("triageboard"))') || {
  echo "build.sh: triageboard is not installed in $PYTHON; run: $PYTHON -m pip install -e '.[dev]'" >&2
  exit 1
}
"$PYTHON" -c 'import PyInstaller' 2>/dev/null || {
  echo "build.sh: PyInstaller is missing in $PYTHON; run: $PYTHON -m pip install -e '.[dev]'" >&2
  exit 1
}
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
