#!/usr/bin/env bash
# Regenerates the expected GPT-2 token-id digests that TiktokenCorpusTest checks:
# pipeline/src/test/resources/tiktoken/<corpus>.json, one per corpus, from tiktoken's ids.
#
# Usage: pipeline/src/test/scripts/make-tiktoken-digests.sh [--check] [--keep-ids DIR] [CORPUS_FILE...]
#   CORPUS_FILE    names in ../shared/corpora (*.txt.zst or *.txt.gz); default: the list below
#   --check        also cross-check every document with js-tiktoken (slow: ~0.5-1 MB/s); differences
#                  are fatal unless next to a U+FEFF (js-tiktoken's known deviation from tiktoken)
#   --keep-ids DIR keep tiktoken's ids as DIR/<corpus>.ids.bin (uint16 LE; keep it out of git) for
#                  TiktokenCorpusTest -Dtiktoken.ids.dir=DIR, which then shows the first differing token
# Needs: node, zstd (or gzip), and `npm install tiktoken@1.0.22 js-tiktoken@1.0.21` in $ANCHORS_NODE
# (default ~/.cache/bpe-anchors/node). SHARED_DIR overrides ../shared (next to the repository).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pipeline="$(cd "$here/../../.." && pwd)"
shared="${SHARED_DIR:-$(cd "$pipeline/../.." && pwd)/shared}"
out="$pipeline/src/test/resources/tiktoken"

check=()
keep=""
corpora=()
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check=(--check) ;;
    --keep-ids) keep="${2:?--keep-ids needs a folder}"; shift; mkdir -p "$keep" ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) corpora+=("$1") ;;
  esac
  shift
done
if [ ${#corpora[@]} -eq 0 ]; then
  corpora=(tinystories_like_en.txt.zst tinystories_ru.txt.zst multilingual.txt.zst)
fi

[ -f "$shared/anchors/gpt2_encode.mjs" ] || { echo "no $shared/anchors/gpt2_encode.mjs (set SHARED_DIR)" >&2; exit 1; }
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

for corpus in "${corpora[@]}"; do
  src="$shared/corpora/$corpus"
  case "$corpus" in
    *.txt.zst) zstd -q -dc "$src" > "$tmp/input.txt" ;;
    *.txt.gz) gzip -dc "$src" > "$tmp/input.txt" ;;
    *) echo "$corpus: only *.txt.zst / *.txt.gz corpora (documents separated by <|endoftext|>)" >&2; exit 1 ;;
  esac
  # The oracle: tiktoken's gpt2 over the whole decompressed file, <|endoftext|> allowed -> 50256.
  node "$shared/anchors/gpt2_encode.mjs" "$tmp/input.txt" --special --out "$tmp/ids.bin"
  node "$here/tiktoken-digest.mjs" --corpus "$corpus" --text "$tmp/input.txt" --ids "$tmp/ids.bin" \
    "${check[@]}" > "$tmp/digest.json"
  mv "$tmp/digest.json" "$out/${corpus%%.*}.json"
  if [ -n "$keep" ]; then mv "$tmp/ids.bin" "$keep/${corpus%%.*}.ids.bin"; fi
done
ls -l "$out"
