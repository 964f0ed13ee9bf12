#!/usr/bin/env bash
# Installs embedlab with every extra into the active Python environment (a virtual environment,
# or the user's own Python), then MovieLens-100k's data package.
#
# torch: the CPU build where no NVIDIA GPU answers (about 0.9 GB less than the default CUDA build
# and its 15 nvidia-* packages); the CUDA build where `nvidia-smi -L` lists a GPU.
# Choose yourself with EMBEDLAB_TORCH=cpu or EMBEDLAB_TORCH=cuda.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
TORCH_VERSION="2.13.0"
pip_install() { "$PY" -m pip install -q --disable-pip-version-check "$@"; }

torch_build="${EMBEDLAB_TORCH:-}"
if [ -z "$torch_build" ]; then
    if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q '^GPU'; then
        torch_build=cuda
    else
        torch_build=cpu
    fi
fi
case "$torch_build" in
    cpu)
        echo "embedlab install: torch $TORCH_VERSION, CPU build (no NVIDIA GPU found; EMBEDLAB_TORCH=cuda for the CUDA build)"
        # The CPU wheel from pip's own indexes and find-links if they have it, else from
        # PyTorch's CPU index.
        pip_install "torch==$TORCH_VERSION+cpu" 2>/dev/null \
            || pip_install "torch==$TORCH_VERSION+cpu" --index-url https://download.pytorch.org/whl/cpu \
            || { echo "error: could not install torch $TORCH_VERSION (CPU build): install it first, then run this script again" >&2; exit 2; } ;;
    cuda)
        echo "embedlab install: torch $TORCH_VERSION, CUDA build"
        pip_install "torch==$TORCH_VERSION" ;;
    *)
        echo "error: EMBEDLAB_TORCH=$torch_build: use cpu or cuda" >&2; exit 2 ;;
esac

# Everything else; torch is already there, so no extra pulls another build of it.
pip_install -e ".[all]" "torch==$TORCH_VERSION$([ "$torch_build" = cpu ] && echo +cpu)"
# MovieLens-100k ships inside the recbole wheel; its own requirements (ray, another torch) are
# not needed to read the data, so it comes without them.
pip_install --no-deps "recbole==1.2.1"
"$PY" -m embedlab --version >/dev/null
echo "embedlab install: done ($("$PY" -c 'import sys; print(sys.prefix)'))"
