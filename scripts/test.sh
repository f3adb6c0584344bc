#!/usr/bin/env bash
# The README's test command: everything the test suite needs on a fresh Debian machine,
# then the suite. Debian's chromium and chromium-driver (the notebook test drives a real
# browser) and dataset-fashion-mnist (Fashion-MNIST offline, which
# kg.datasets.load("fashion_mnist") reads) are installed when missing, as root or through
# sudo; the Python packages go into .venv with the dev and notebooks extras. Extra
# arguments are passed to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null \
        || [ ! -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ]; then
    as_root=()
    [ "$(id -u)" -eq 0 ] || as_root=(sudo)
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends chromium chromium-driver \
        dataset-fashion-mnist >/dev/null
fi
python3 -m venv .venv
.venv/bin/pip install -q -e ".[dev,notebooks]"
.venv/bin/python -m pytest "$@"
