#!/usr/bin/env bash
# Executes the notebooks for real on a small run's outputs, as CI does: a quick experiments run and a
# small pipeline run into temporary folders, then each notebook through nbconvert (into a temporary
# folder, never in place). Fails if a command or any notebook cell fails.
# Needs the project built (bin/pipeline builds it if not) and Debian's jupyter-nbconvert,
# python3-ipykernel, python3-matplotlib and python3-numpy.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

bin/pipeline experiments --quick --output "$work/experiments"
bin/pipeline run --output "$work/run" --vocab-size 1000

# pydevd's frozen-modules warning on every kernel start is noise here.
export PYDEVD_DISABLE_FILE_VALIDATION=1
run_notebook() {
  echo "notebooks-export/ci-execute.sh: executing $1" >&2
  jupyter nbconvert --to notebook --execute "notebooks-export/$1" --output-dir "$work/executed" \
    --ExecutePreprocessor.timeout=300
}
EXPERIMENTS_DIR="$work/experiments" SHARDS_DIR="$work/run/shards" run_notebook experiments.ipynb
RUN_DIR="$work/run" run_notebook run_report.ipynb
run_notebook resource_accounting.ipynb
echo "notebooks-export/ci-execute.sh: all notebooks ran without an error" >&2
