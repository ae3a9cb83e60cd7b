#!/usr/bin/env bash
# Creates the project's Python 3.12 environment in .venv and installs InterPrior with Isaac Lab 3.0 (kit-less,
# Newton physics, CPU or GPU). Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")"

find_python312() {
  if command -v python3.12 >/dev/null 2>&1 && python3.12 -c '' 2>/dev/null; then
    command -v python3.12; return
  fi
  if command -v pyenv >/dev/null 2>&1; then
    local version
    version=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.12(\.[0-9]+)?$' | sort -V | tail -n 1)
    if [ -n "$version" ]; then echo "$(pyenv root)/versions/$version/bin/python3.12"; return; fi
  fi
  echo "setup.sh: Python 3.12 is required (Isaac Lab 3.0 needs it) and none was found" >&2
  exit 1
}

if [ ! -x .venv/bin/python ]; then
  "$(find_python312)" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check uv
.venv/bin/python -m uv pip install --quiet --python .venv/bin/python -e ".[test]"
# Convert the humanoid and object MJCF files to USD once, so the first run does not pay for it.
.venv/bin/python -m interprior.assets.build > /dev/null 2>&1
# Real OMOMO sample clips (CC-BY-NC-SA, never committed) from a registry package; their tests skip without them.
.venv/bin/python scripts/dataset.py fetch-samples > /dev/null 2>&1 || echo "setup.sh: could not fetch the sample clips (optional)"
echo "setup.sh: environment ready in .venv"
