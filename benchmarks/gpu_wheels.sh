#!/usr/bin/env bash
# Fill .whl/ (ignored through .git/info/exclude) with what benchmarks/gpu_check.sh carries to the
# GPU machine, as pinned in benchmarks/gpu_wheels.txt: wheels for CPython 3.12 on x86-64 Linux
# (downloaded with --no-deps: the list names every one) and, under .whl/deb/, the Debian packages
# of its `apt:` lines. Run here (it needs PyPI and Debian's archive), before the device run:
#
#     bash benchmarks/gpu_wheels.sh        # then: du -sh .whl
#
# The folder is rebuilt from scratch, so it never holds two versions of a package.
set -euo pipefail
cd "$(dirname "$0")/.."

list=benchmarks/gpu_wheels.txt
dest=.whl
python=${PYTHON:-}
if [[ -z $python ]]; then
  if [[ -x .venv/bin/python ]]; then python=.venv/bin/python; else python=python3; fi
fi

grep -qxF '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude

mapfile -t wheels < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" | grep -v '^$' | grep -v '^apt:')
mapfile -t debs < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" | grep '^apt:' | cut -d: -f2-)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gpu-wheels.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The GPU machine runs Python 3.12 on glibc >= 2.35; pip matches each platform tag as given.
platforms=()
for n in 35 34 31 28 27 24 17; do platforms+=(--platform "manylinux_2_${n}_x86_64"); done
platforms+=(--platform manylinux2014_x86_64 --platform manylinux1_x86_64)

"$python" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
  --implementation cp --abi cp312 --abi abi3 --abi none "${platforms[@]}" \
  --dest "$tmp/whl" "${wheels[@]}" 2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)

if ((${#debs[@]})); then
  mkdir -p "$tmp/whl/deb"
  # apt-get download needs the package lists; update them once if it cannot find a package.
  (cd "$tmp/whl/deb" && { apt-get download -q "${debs[@]}" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && apt-get download -q "${debs[@]}" >/dev/null; }; })
fi

count=$(ls "$tmp/whl"/*.whl | wc -l)
if ((count != ${#wheels[@]})); then
  echo "gpu_wheels: expected ${#wheels[@]} wheels, got $count" >&2
  exit 1
fi
rm -rf "$dest"
mv "$tmp/whl" "$dest"
echo "gpu_wheels: $count wheels and ${#debs[@]} Debian packages in $dest/, $(du -sh "$dest" | cut -f1) in all"
