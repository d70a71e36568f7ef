#!/usr/bin/env bash
# The package as users install it: build the sdist and the wheel, install the wheel (not
# editable) with the emulator extra into a clean venv per interpreter, and run a quick
# start from it (.ci/wheel_smoke.py), outside the repository.
#
#   .ci/wheel_smoke.sh BUILD_PYTHON [PYTHON...]
#
# BUILD_PYTHON builds (python -m build when installed, else pip wheel); each PYTHON gets
# its own venv (default: BUILD_PYTHON). pip's cache is reused, so a second run installs
# from it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build_python="${1:?usage: wheel_smoke.sh BUILD_PYTHON [PYTHON...]}"
shift
pythons=("$@")
if [ ${#pythons[@]} -eq 0 ]; then
  echo "(no other interpreter given: the wheel is tried on $build_python only)"
  pythons=("$build_python")
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/somark-wheel.XXXXXX")"
trap 'rm -rf "$work"' EXIT

if "$build_python" -c "import build" 2>/dev/null; then
  "$build_python" -m build --sdist --wheel --outdir "$work/dist" "$root" >"$work/build.log" 2>&1 \
    || { cat "$work/build.log"; exit 1; }
  sdist="$(ls "$work"/dist/*.tar.gz)"
  for must in somark_loaders/py.typed somark_loaders/emulator/server.py README.md; do
    tar -tzf "$sdist" | grep -q "/$must\$" || { echo "sdist lacks $must" >&2; exit 1; }
  done
else
  echo "(python -m build is not installed: wheel only, with pip wheel)"
  "$build_python" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" "$root"
fi
wheel="$(ls "$work"/dist/*.whl)"
echo "built $(basename "$wheel")"

for python in "${pythons[@]}"; do
  command -v "$python" >/dev/null || {
    echo "no interpreter $python: install it (pyenv install) or set SMOKE_PYTHONS" >&2
    exit 1
  }
  venv="$work/venv-$(basename "$python")"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "${wheel}[emulator]" 2>&1 | grep -v "^WARNING: Location" || true
  "$venv/bin/python" -c "import somark_loaders" \
    || { echo "the wheel did not install on $python" >&2; exit 1; }
  # outside the repository, no network (a dead proxy): only the installed package is used
  (cd "$work" && HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost \
    "$venv/bin/python" -I "$root/.ci/wheel_smoke.py")
done
