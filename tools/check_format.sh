#!/usr/bin/env bash
# Check that src/ is formatted as .clang-format says (exit 1 and show where if not).
# clang-format comes from PyPI (the dev extra pins it): pip install clang-format==21.1.8
# To format instead of checking: tools/check_format.sh --fix
set -euo pipefail
cd "$(dirname "$0")/.."

clang_format=${CLANG_FORMAT:-}
if [ -z "$clang_format" ]; then
    if [ -x .venv/bin/clang-format ]; then
        clang_format=.venv/bin/clang-format
    else
        clang_format=clang-format
    fi
fi
if ! command -v "$clang_format" >/dev/null 2>&1; then
    echo "tools/check_format.sh: $clang_format not found (pip install clang-format==21.1.8)" >&2
    exit 2
fi

mapfile -t files < <(find src \( -name '*.hpp' -o -name '*.cpp' \) | sort)
if [ "${1:-}" = "--fix" ]; then
    "$clang_format" -i "${files[@]}"
else
    "$clang_format" --dry-run --Werror "${files[@]}"
fi
