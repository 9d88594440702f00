#!/usr/bin/env bash
# Build and check what users install: the PyInstaller bundle (self-check and the demo board, offscreen),
# then the wheel and sdist, installed into a clean venv (self-check). Called by .ci/run after the tests.
#
#   PYTHON=.venv/bin/python bash .ci/package.sh
#
# PYTHON is the project's venv (pip install -e ".[dev]"), as .ci/test creates it.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}
DEMO_SECONDS=${DEMO_SECONDS:-3}
start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/triageboard-package.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The checks run as a fresh user would: private XDG directories, no token in the environment.
export XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" XDG_CACHE_HOME="$work/cache" \
  XDG_STATE_HOME="$work/state"
unset GH_TOKEN GITHUB_TOKEN GH_ENTERPRISE_TOKEN GITHUB_ENTERPRISE_TOKEN

step() { echo "== package: $* ($(( $(date +%s) - start )) s)"; }

step "bundle"
PYTHON="$PYTHON" bash packaging/build.sh
bundle=dist/triageboard/triageboard

step "bundle: --version and --self-check (offscreen)"
"$bundle" --version
QT_QPA_PLATFORM=offscreen "$bundle" --self-check

step "bundle: the demo board for ${DEMO_SECONDS} s (offscreen, TRIAGEBOARD_EXIT_AFTER=${DEMO_SECONDS})"
# Contract with app.py: with TRIAGEBOARD_EXIT_AFTER=N the app closes its window by itself N seconds after
# showing it, through the normal close path, prints "triageboard: TRIAGEBOARD_EXIT_AFTER=N: closing; M
# issues on the board" to stderr, and exits 0 only if the board loaded. The timeout only catches an app
# that ignores the variable or hangs while quitting.
set +e
QT_QPA_PLATFORM=offscreen TRIAGEBOARD_EXIT_AFTER="$DEMO_SECONDS" \
  timeout --kill-after=5 $(( DEMO_SECONDS + 30 )) "$bundle" --demo >"$work/demo.log" 2>&1
demo_status=$?
set -e
grep -v 'does not support propagateSizeHints' "$work/demo.log" || true
case $demo_status in
  0) echo "demo: exited 0" ;;
  124|137) echo "package.sh: the demo did not exit within $(( DEMO_SECONDS + 30 )) s: does the app honour" \
       "TRIAGEBOARD_EXIT_AFTER?" >&2; exit 1 ;;
  *) echo "package.sh: the demo from the bundle exited with status $demo_status" >&2; exit 1 ;;
esac
grep -Eq 'TRIAGEBOARD_EXIT_AFTER=[0-9.]+: closing; [1-9][0-9]* issues on the board' "$work/demo.log" || {
  echo "package.sh: the demo exited without saying it loaded a board (no 'M issues on the board' line)" >&2
  exit 1
}

step "wheel and sdist"
rm -rf "$work/dist"
"$PYTHON" -m build --outdir "$work/dist" . >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
wheel=$(ls "$work"/dist/triageboard-*.whl)
sdist=$(ls "$work"/dist/triageboard-*.tar.gz)
for f in "$wheel" "$sdist"; do
  echo "$(basename "$f"): $(( ($(stat -c %s "$f") + 1023) / 1024 )) KB"
done
# the resources must be in both, as package data (listed to files: grep -q would SIGPIPE under pipefail)
"$PYTHON" -m zipfile -l "$wheel" >"$work/wheel.txt"
tar -tzf "$sdist" >"$work/sdist.txt"
for f in "io.github.triageboard.TriageBoard.desktop" "io.github.triageboard.TriageBoard.metainfo.xml" \
         "512x512/apps/io.github.triageboard.TriageBoard.png" "scalable/apps/io.github.triageboard.TriageBoard.svg"; do
  grep -q "$f" "$work/wheel.txt" || { echo "package.sh: $f is not in the wheel" >&2; exit 1; }
  grep -q "$f" "$work/sdist.txt" || { echo "package.sh: $f is not in the sdist" >&2; exit 1; }
done

step "wheel in a clean venv: --self-check (offscreen)"
"$PYTHON" -m venv "$work/venv"
# pip may reuse its cache for PySide6; the venv itself starts empty
"$work/venv/bin/python" -m pip install -q --disable-pip-version-check "$wheel"
(cd "$work" && QT_QPA_PLATFORM=offscreen "$work/venv/bin/triageboard" --self-check)

step "sizes"
du -sh dist/triageboard
ls -l dist/triageboard-*-linux-*.tar.gz
echo "== package: all checks passed in $(( $(date +%s) - start )) s"
