#!/usr/bin/env bash
# Set up everything the course needs on a Debian/Ubuntu machine (root or sudo) or on Colab.
#   bash tools/bootstrap.sh           system packages (apt) + a virtual environment in .venv
#   bash tools/bootstrap.sh --system  no venv: install into the current Python (Colab)
#   bash tools/bootstrap.sh --gpu     like the default, with TensorFlow's CUDA build
# Idempotent: a second run installs nothing new. Reaches only the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=venv
extras="tf,jax,dev,postgres,cluster"
for arg in "$@"; do
  case "$arg" in
    --system) mode=system; extras="dev" ;;
    --gpu) extras="jax,dev,postgres,cluster" ; gpu=1 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "bootstrap: unknown option $arg" >&2; exit 2 ;;
  esac
done

# 1. System packages: the synthesizer and soundfonts for the instrument data, Fashion-MNIST,
#    bubblewrap for sandboxed grading, and (not on Colab) a PostgreSQL server for the test of a
#    PostgreSQL gradebook. --no-install-recommends keeps Qt out.
apt_packages=(libfluidsynth3 fluid-soundfont-gm timgm6mb-soundfont musescore-general-soundfont-small
              dataset-fashion-mnist bubblewrap)
[ "$mode" = venv ] && apt_packages+=(postgresql)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "$mode" = venv ] && ! python3 -c "import venv, ensurepip" >/dev/null 2>&1; then
  missing+=(python3-venv python3-pip)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "bootstrap: apt-get install ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "bootstrap: no apt-get here; install these yourself: ${missing[*]}" >&2
  fi
fi

# 2. Python packages.
if [ "$mode" = venv ]; then
  [ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
  py=.venv/bin/python
else
  py="${PYTHON:-python3}"
fi
# The venv takes the pinned versions of requirements.lock (what the proofs in proofs/ were
# recorded with); --system (Colab) keeps the runtime's own builds.
lock=(); [ "$mode" = venv ] && lock=(-c requirements.lock)
stamp=".venv-stamp-$(cat pyproject.toml requirements.lock | sha256sum | cut -c1-12)-$extras"
if [ "$mode" = system ] || [ ! -f ".venv/$stamp" ]; then
  "$py" -m pip install -q --upgrade pip
  "$py" -m pip install -q "${lock[@]}" -e ".[$extras]"
  if [ "${gpu:-0}" = 1 ]; then "$py" -m pip install -q "tensorflow[and-cuda]"; fi
  if [ "$mode" = venv ]; then rm -f .venv/.venv-stamp-*; touch ".venv/$stamp"; fi
fi
echo "bootstrap: ready ($("$py" --version))"
