#!/usr/bin/env bash
# One-command GPU check of grading: Keras labs 4 and 5 graded with the JAX backend on the GPU
# (several kernels, forked from sandboxed zygotes, sharing it), then on the CPU, with a report.
#
# What it does, on the GPU machine (Python 3.12 with JAX/CUDA but no Keras, nbgrader or Jupyter,
# no network):
#   1. installs the carried wheels of .whl/ offline into the interpreter's own site-packages
#      (pip --no-index --no-deps; never --target/PYTHONPATH: kernels get an allow-listed
#      environment) and makes the course's packages importable by a .pth file (root and data/);
#   2. unpacks the carried bubblewrap into a private folder (never into /), tries it, and puts
#      it on PATH only if a sandbox like the grader's starts (the report says if grading was
#      sandboxed) and reports where the GPU driver's libcuda is found;
#   3. runs benchmarks/gpu_check.py: a class per lab (solution, release, 3 catalogued mistakes),
#      graded with device="gpu" then device="cpu", expectations checked as `verify` does;
#   4. leaves in $OUT gpu_check.md, gpu_check.json, gpu_check.log and, when something failed,
#      worker_logs.txt (the tails of the grading workers' logs).
# Lab 6 is left out: its instrument data is rendered with FluidSynth from Debian soundfonts
# (178 MB of cached audio), which cannot travel to that machine.
#
# Exit status: 0 every expectation held and every GPU kernel reported a GPU (a CPU comparison
# pass cut short by the time budget is only a warning); 1 one did not, or a GPU pass was cut
# short; 2 setup failed (wrong Python, install, imports); 3 no GPU here (CPU pass only, and it
# held); 124 the grading had to be killed (the report still holds what was done).
#
# Before the device run, here (needs PyPI and Debian's archive; about 33 MiB):
#     bash benchmarks/gpu_wheels.sh
# The device run (tool `run`, carry [".whl"], timeout_s 480): the script stops itself within
# GPU_CHECK_BUDGET (420 s; expect 4-5 minutes), so a too-slow run still leaves its report:
#     bash benchmarks/gpu_check.sh
# (a rerun can be cut down: GPU_CHECK_LABS=lab4 GPU_CHECK_BUDGET=200).
# Here, without a GPU, against a throwaway venv standing in for that machine's Python:
#     PYTHON=/tmp/gpuvenv/bin/python OUT=/tmp/gpu_out GPU_CHECK_JOBS=2 GPU_CHECK_BUDGET=1500 \
#       bash benchmarks/gpu_check.sh          # exit 3: no GPU, the CPU pass held
#
# Settings (environment): PYTHON (default python3), OUT (default build/gpu_check),
# GPU_CHECK_BUDGET seconds for the whole script (420), GPU_CHECK_JOBS slots (4),
# GPU_CHECK_LABS ("lab4 lab5"), GPU_CHECK_BWRAP auto|carried|off (auto: a bwrap already on PATH,
# else the carried one), GPU_CHECK_NOTEBOOK_TIMEOUT seconds (180);
# for testing the GPU path's code here, GPU_CHECK_PRETEND_GPUS=1 (kernels then report cpu:0: exit 1).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
root=$PWD
py=${PYTHON:-python3}
out=${OUT:-$root/build/gpu_check}
budget=${GPU_CHECK_BUDGET:-420}
jobs=${GPU_CHECK_JOBS:-4}
labs=${GPU_CHECK_LABS:-lab4 lab5}
mkdir -p "$out"
started=$(date +%s)
scratch=$(mktemp -d /tmp/gpu_check.XXXXXX)
export PYTHONUNBUFFERED=1 PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1

say() { echo "gpu_check: $*"; }
elapsed() { echo $(($(date +%s) - started)); }

# The setup facts travel to the report as key=value pairs.
facts=()

install_wheels() {
  if ! "$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))'; then
    say "$py is Python $("$py" -V 2>&1), not 3.12: the carried wheels are for CPython 3.12"; return 2
  fi
  local wheels=(.whl/*.whl)
  if [[ ! -e ${wheels[0]} ]]; then
    say "no wheels in .whl/: run bash benchmarks/gpu_wheels.sh here first, and carry .whl"; return 2
  fi
  local size t
  size=$(du -cb "${wheels[@]}" | tail -1 | cut -f1)
  facts+=("wheels=${#wheels[@]} wheels, $((size / 1048576)) MiB")
  say "installing ${#wheels[@]} wheels ($((size / 1048576)) MiB) offline into $("$py" -c 'import sys; print(sys.prefix)')"
  t=$(date +%s)
  local pip=("$py" -m pip install -q --no-index --no-deps --no-cache-dir --upgrade)
  # An interpreter marked externally managed (PEP 668) takes them only with the override.
  "${pip[@]}" "${wheels[@]}" || "${pip[@]}" --break-system-packages "${wheels[@]}" || return 2
  facts+=("install_s=$(($(date +%s) - t))")
  # Every carried wheel must now be the installed version (an older copy already there would
  # otherwise be imported instead).
  "$py" - "${wheels[@]}" <<'EOF' || return 2
import importlib.metadata as md, sys
bad = []
for path in sys.argv[1:]:
    name, version = path.rsplit("/", 1)[-1].split("-")[:2]
    try:
        have = md.version(name)
    except md.PackageNotFoundError:
        have = None
    if have != version:
        bad.append(f"{name} {version} (installed: {have})")
if bad:
    sys.exit("gpu_check: not installed as carried: " + ", ".join(bad))
EOF
  local site
  site=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') || return 2
  printf '%s\n%s\n' "$root" "$root/data" >"$site/nn_course_gpu_check.pth" || return 2
  # From / and with -P, as grading starts its workers: nothing may come from the working folder.
  (cd / && KERAS_BACKEND=jax "$py" -P -c '
import autograder, coursedata, ipykernel, keras, nbclient, nbgrader, nnkit
print("gpu_check: imports ok: keras", keras.__version__, "on", keras.backend.backend(),
      "| nbgrader", nbgrader.__version__)') || { say "the course or its tools do not import"; return 2; }
}

setup_bwrap() {
  local mode=${GPU_CHECK_BWRAP:-auto} bw=/tmp/gpu_check_bwrap candidate=""
  if [[ $mode == off ]]; then
    facts+=("bwrap=off as asked; on PATH: $(command -v bwrap || echo none)"); return 0
  fi
  if [[ $mode == auto ]] && command -v bwrap >/dev/null; then
    candidate=$(command -v bwrap)
  elif compgen -G ".whl/deb/bubblewrap_*.deb" >/dev/null; then
    if ! command -v dpkg-deb >/dev/null; then
      facts+=("bwrap=not unpacked: no dpkg-deb here"); return 0
    fi
    rm -rf "$bw" && mkdir -p "$bw/bin"
    for deb in .whl/deb/*.deb; do dpkg-deb -x "$deb" "$bw/root"; done
    candidate=$bw/root/usr/bin/bwrap
    if ! "$candidate" --version >/dev/null 2>&1; then
      # The image lacks one of its libraries: the carried ones, for bwrap alone (the grader
      # starts it with an allow-listed environment, so a wrapper sets the path).
      printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' \
        "$bw/root/lib/x86_64-linux-gnu:$bw/root/usr/lib/x86_64-linux-gnu" "$candidate" >"$bw/bin/bwrap"
      chmod +x "$bw/bin/bwrap"
      candidate=$bw/bin/bwrap
    elif [[ $candidate != "$bw/bin/bwrap" ]]; then
      ln -sf "$candidate" "$bw/bin/bwrap"
      candidate=$bw/bin/bwrap
    fi
  else
    facts+=("bwrap=none on PATH and none carried"); return 0
  fi
  local version why
  version=$("$candidate" --version 2>&1 | head -1)
  # The flags the grader's sandbox uses (autograder/engine/sandbox.py), then the simplest one.
  if why=$("$candidate" --ro-bind / / true 2>&1) &&
     why=$("$candidate" --ro-bind / / --dev /dev --proc /proc --size 1048576 --tmpfs /tmp \
           --tmpfs /dev/shm --unshare-net --unshare-pid --unshare-ipc --unshare-uts --cap-drop ALL \
           --die-with-parent --new-session --chdir / true 2>&1); then
    export PATH="$(dirname "$candidate"):$PATH"
    facts+=("bwrap=$candidate ($version): works, on PATH")
    say "sandbox: $candidate ($version) works"
  else
    facts+=("bwrap=$candidate ($version) fails: ${why:0:200}")
    say "sandbox: $candidate fails (${why:0:200}); grading runs unsandboxed unless a bwrap was already on PATH"
  fi
}

gpu_facts() {
  local gpu
  gpu=$(nvidia-smi -L 2>/dev/null | head -1)
  [[ -z $gpu ]] && compgen -G "/proc/driver/nvidia/gpus/*" >/dev/null && gpu="a GPU (no nvidia-smi)"
  facts+=("nvidia_smi=${gpu:-none}" "glibc=$(ldd --version 2>/dev/null | head -1)"
          "ld_library_path=${LD_LIBRARY_PATH:-}")
  [[ -z $gpu ]] && { say "no GPU found (nvidia-smi -L prints nothing): CPU pass only"; return 0; }
  say "GPU: $gpu"
  # Where the driver's libcuda comes from, for the report: the loader's cache, or only
  # LD_LIBRARY_PATH (which kernels keep: sandbox.ALLOWED_ENV).
  if ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1 '; then
    facts+=("libcuda=in the loader's cache"); return 0
  fi
  local dirs=() d
  IFS=: read -ra parts <<<"${LD_LIBRARY_PATH:-}"
  for d in "${parts[@]}"; do [[ -e $d/libcuda.so.1 ]] && dirs+=("$d"); done
  facts+=("libcuda=${dirs[*]:-not in the loader's cache nor in LD_LIBRARY_PATH}")
}

worker_logs() {
  # The GPU passes' logs first; ipykernel's banner for every kernel it starts left out.
  local f
  for f in "$scratch"/gpu-*/slots/s*/worker.log "$scratch"/cpu-*/slots/s*/worker.log; do
    [[ -s $f ]] || continue
    echo "===== ${f#"$scratch"/} (last 60 lines, ipykernel's banners left out)"
    grep -v -e '^NOTE: When using the .ipython kernel' -e '^To exit, you will have to' \
      -e '^"quit" from a client' -e '^To read more about this, see' \
      -e '^To connect another client' -e '^    --existing k' -e '^$' "$f" | tail -n 60
  done
}

main() {
  say "started $(date -u +%FT%TZ) in $root, budget $budget s, report in $out"
  install_wheels || return $?
  setup_bwrap
  gpu_facts
  local setup left rc
  setup=$("$py" -c 'import json, sys; print(json.dumps(dict(a.split("=", 1) for a in sys.argv[1:])))' \
          "${facts[@]}" "setup_s=$(elapsed)")
  left=$((budget - $(elapsed)))
  if ((left < 90)); then say "setup took $(elapsed) s: no time left to grade"; return 124; fi
  say "setup took $(elapsed) s; grading with $((left - 20)) s left"
  # shellcheck disable=SC2086  # labs is a list
  GPU_CHECK_SETUP=$setup timeout --preserve-status -s TERM -k 15 $((left - 20)) "$py" -P benchmarks/gpu_check.py \
    --out "$out" --labs $labs --jobs "$jobs" --budget $((left - 45)) --scratch "$scratch" \
    --notebook-timeout "${GPU_CHECK_NOTEBOOK_TIMEOUT:-180}"
  rc=$?
  if ((rc != 0 && rc != 3)); then
    worker_logs >"$out/worker_logs.txt" 2>&1
    [[ -s $out/worker_logs.txt ]] || rm -f "$out/worker_logs.txt"
  fi
  ((rc == 137)) && rc=124
  say "finished in $(elapsed) s, exit $rc"
  # The whole script's time and status, into both reports.
  "$py" - "$out" "$(elapsed)" "$rc" <<'EOF'
import json, sys
from pathlib import Path
out, seconds, rc = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
path = out / "gpu_check.json"
if path.is_file():
    data = json.loads(path.read_text())
    data.setdefault("wall_s", {})["whole script"] = int(seconds)
    data["exit"] = int(rc)
    path.write_text(json.dumps(data, indent=1))
    with open(out / "gpu_check.md", "a") as md:
        md.write(f"\nWhole script: {seconds} s (setup, grading, report), exit status {rc}.\n")
EOF
  return $rc
}

main 2>&1 | tee "$out/gpu_check.log"
rc=${PIPESTATUS[0]}
rm -rf "$scratch"
exit "$rc"
