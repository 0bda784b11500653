#!/usr/bin/env bash
# Build the documentation site (MkDocs + mkdocstrings, mkdocs.yml) into site/, with every
# warning an error (`mkdocs build --strict`): a broken reference, a docstring mkdocstrings
# cannot parse, a README section the migration page includes that no longer exists.
# The API pages are read from the installed package (its extension's classes only exist
# there): install fastpulsar and the `docs` extra's pins first, e.g.
#   .venv/bin/pip install '.[docs]'
# Usage: tools/build_docs.sh             (uses .venv/bin/python, else python3)
set -euo pipefail
cd "$(dirname "$0")/.."

root=$PWD
python=${PYTHON:-}
if [ -z "$python" ]; then
    if [ -x .venv/bin/python ]; then python=$root/.venv/bin/python; else python=python3; fi
fi
# From a scratch directory, so that `import pulsar` (docs/hooks/runtime_docstrings.py reads
# the extension's docstrings) is the installed package, not the source tree.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
(cd "$scratch" && NO_MKDOCS_2_WARNING=1 "$python" -m mkdocs build --strict --clean \
    --config-file "$root/mkdocs.yml" --site-dir "$root/site" "$@")
echo "build_docs: site/index.html"
