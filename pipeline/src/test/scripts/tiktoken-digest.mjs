#!/usr/bin/env node
// Turns a decompressed corpus and tiktoken's GPT-2 ids for it (uint16 LE, as written by
// ../shared/anchors/gpt2_encode.mjs --special --out) into the expected-digest JSON that
// TiktokenCorpusTest checks. See README.md next to this file for the block scheme.
//
// Usage: node tiktoken-digest.mjs --corpus NAME --text FILE --ids IDS.bin [--check] > OUT.json
//   --check  also encode every block with js-tiktoken (pure-JS port) and compare, document by
//            document where a block differs; differing documents are listed on stderr and are fatal
//            unless a U+FEFF sits where the ids start to differ (js-tiktoken's known deviation:
//            JavaScript's \s includes U+FEFF, Python's / Rust's does not; tiktoken is the oracle).
// Packages are resolved from $ANCHORS_NODE (default ~/.cache/bpe-anchors/node), like ../shared/anchors.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { createRequire } from "node:module";

const BLOCK = 1 << 20; // a block ends at the end of the first <|endoftext|> ending >= 1 MiB after its start
const SEP = Buffer.from("<|endoftext|>", "utf8");
const EOT = 50256;

const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(name);
  if (i < 0 || i + 1 >= argv.length) throw new Error(`missing ${name}`);
  return argv[i + 1];
};
const corpus = opt("--corpus");
const text = fs.readFileSync(opt("--text"));
const idsBuf = fs.readFileSync(opt("--ids"));
const ids = new Uint16Array(idsBuf.buffer, idsBuf.byteOffset, idsBuf.length / 2);
const check = argv.includes("--check");

// gpt2_encode.mjs decodes with replacement; our engine encodes raw bytes. Only valid UTF-8 is comparable.
new TextDecoder("utf-8", { fatal: true }).decode(text);

const sha = (b) => crypto.createHash("sha256").update(b).digest("hex");
const idBytes = (from, to) => idsBuf.subarray(2 * from, 2 * to);

let js = null, tt = null;
if (check) {
  const base = process.env.ANCHORS_NODE || path.join(os.homedir(), ".cache", "bpe-anchors", "node");
  const require = createRequire(path.join(base, "package.json"));
  js = require("js-tiktoken").getEncoding("gpt2");
  tt = require("tiktoken").get_encoding("gpt2"); // only to decode ids to bytes
}

// Separators in the text (leftmost, non-overlapping, as the encoders find them) and the EOT ids.
const seps = [];
for (let q = text.indexOf(SEP); q >= 0; q = text.indexOf(SEP, q + SEP.length)) seps.push(q);
const eots = [];
for (let i = 0; i < ids.length; i++) if (ids[i] === EOT) eots.push(i);
if (eots.length !== seps.length) throw new Error(`${seps.length} separators but ${eots.length} EOT ids`);

const blocks = [];
let start = 0, tokenStart = 0, k = 0, fatal = 0; // k = separators before start = first document's index
while (start < text.length) {
  let j = k;
  while (j < seps.length && seps[j] + SEP.length < start + BLOCK) j++;
  const end = j < seps.length ? seps[j] + SEP.length : text.length;
  const tokenEnd = j < seps.length ? eots[j] + 1 : ids.length;
  const blockIds = ids.subarray(tokenStart, tokenEnd);
  if (js) fatal += crossCheck(blocks.length, k, j, blockIds);
  blocks.push({ offset: start, bytes: end - start, firstDoc: k, tokens: tokenEnd - tokenStart, sha256: sha(idBytes(tokenStart, tokenEnd)) });
  start = end;
  tokenStart = tokenEnd;
  k = Math.min(j + 1, seps.length);
}
if (tokenStart !== ids.length) throw new Error(`ids left over: ${ids.length - tokenStart}`);
if (fatal) { console.error(`js-tiktoken: ${fatal} unexplained document mismatches`); process.exit(1); }
if (js) console.error(`check: js-tiktoken agrees, except next to U+FEFF (listed above, if any)`);

// js-tiktoken on one block, document by document. A differing document is tolerated only when a
// U+FEFF sits where the ids start to differ (js-tiktoken's known deviation); anything else is fatal.
function crossCheck(blockNo, firstDoc, lastDoc, blockIds) {
  const [start, end] = [docByte(firstDoc), docByte(lastDoc + 1)];
  const ref = js.encode(text.subarray(start, end).toString("utf8"), "all");
  if (ref.length === blockIds.length && ref.every((v, i) => v === blockIds[i])) return 0;
  let bad = 0;
  for (let d = firstDoc; d <= lastDoc; d++) {
    const doc = text.subarray(docByte(d), docByte(d + 1));
    const want = ids.subarray(docToken(d), docToken(d + 1));
    const got = js.encode(doc.toString("utf8"), "all");
    let i = 0;
    while (i < got.length && i < want.length && got[i] === want[i]) i++;
    if (i === got.length && got.length === want.length) continue;
    const at = tt.decode(want.subarray(0, i)).length; // byte offset of the first differing token
    const bom = doc.indexOf(Buffer.from("\uFEFF", "utf8"), Math.max(0, at - 16));
    const near = bom >= 0 && bom - at <= 256;
    console.error(`js-tiktoken differs: block ${blockNo}, document #${d}, token ${i} of it, input byte ${docByte(d) + at}; ` +
      (near ? `U+FEFF at ${bom - at} bytes from there (known js-tiktoken deviation)` : "NO U+FEFF there: unexplained"));
    if (!near) bad++;
  }
  return bad;
}
// Document d = the bytes after separator d-1 up to and including separator d (the last one: to EOF).
function docByte(d) { return d === 0 ? 0 : d > seps.length ? text.length : seps[d - 1] + SEP.length; }
function docToken(d) { return d === 0 ? 0 : d > seps.length ? ids.length : eots[d - 1] + 1; }

// Every document is followed by a separator; text after the last one counts only if not blank.
const tail = text.subarray(seps.length ? seps[seps.length - 1] + SEP.length : 0).toString("utf8");
const documents = seps.length + (tail.trim().length > 0 ? 1 : 0);
const head = {
  corpus,
  oracle: "tiktoken@1.0.22 (npm, WASM build of tiktoken's Rust core), encoding gpt2, allowed_special=all",
  specials: ["<|endoftext|>"],
  blockScheme: "a block ends right after the first <|endoftext|> that ends >= 1048576 bytes after the block's start (or at EOF); block ids = the ids of that byte range; sha256 over ids as uint16 little-endian",
  inputSha256: sha(text),
  bytes: text.length,
  documents,
  tokens: ids.length,
  idsSha256: sha(idsBuf),
};
const lines = Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
lines.push(`  "blocks": [\n${blocks.map((b) => "    " + JSON.stringify(b)).join(",\n")}\n  ]`);
process.stdout.write(`{\n${lines.join(",\n")}\n}\n`);
console.error(`${corpus}: bytes=${text.length} documents=${documents} tokens=${ids.length} blocks=${blocks.length}`);
