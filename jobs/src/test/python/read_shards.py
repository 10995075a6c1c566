#!/usr/bin/env python3
"""Reads a shard folder the way a training stage does (np.memmap) and checks it against its manifest.

Usage: read_shards.py SHARD_DIR [SEED]
Prints one JSON object: total tokens, documents, per-shard sha256 as numpy sees the bytes, the
first and last 5 tokens of the stream, and one get_batch(batch=4, context=32) sample (x, y) with
its start offsets, so the Java side can check the same positions.
"""
import hashlib
import json
import os
import sys

import numpy as np


def load(shard_dir):
    with open(os.path.join(shard_dir, "manifest.json")) as f:
        manifest = json.load(f)
    dtype = np.dtype(manifest["dtype"]).newbyteorder("<")
    shards = []
    for s in manifest["shards"]:
        data = np.memmap(os.path.join(shard_dir, s["file"]), dtype=dtype, mode="r")
        ends = np.fromfile(os.path.join(shard_dir, s["index"]), dtype="<u8")
        assert len(data) == s["tokens"], (s["file"], len(data), s["tokens"])
        assert len(ends) == s["documents"] and ends[-1] == len(data), (s["index"], len(ends), ends[-1:])
        assert np.all(np.diff(ends.astype(np.int64)) > 0), "document ends must increase"
        assert np.all(data[ends.astype(np.int64) - 1] == manifest["eot_id"]), "every document ends with EOT"
        assert int(data.max()) < manifest["vocab_size"]
        digest = hashlib.sha256(np.ascontiguousarray(data).tobytes()).hexdigest()
        assert digest == s["sha256"], (s["file"], digest)
        shards.append(data)
    return manifest, shards


def get_batch(data, batch, context, rng):
    """nanoGPT's get_batch on one memmap: random windows, y = x shifted by one."""
    ix = rng.integers(0, len(data) - context, size=batch)
    x = np.stack([data[i:i + context].astype(np.int64) for i in ix])
    y = np.stack([data[i + 1:i + 1 + context].astype(np.int64) for i in ix])
    return ix, x, y


def main():
    shard_dir = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1337
    manifest, shards = load(shard_dir)
    stream = np.concatenate(shards) if len(shards) > 1 else shards[0]
    assert len(stream) == manifest["total_tokens"]
    ix, x, y = get_batch(stream, 4, 32, np.random.default_rng(seed))
    assert np.array_equal(x[:, 1:], y[:, :-1])
    print(json.dumps({
        "total_tokens": int(len(stream)),
        "documents": int(sum(s["documents"] for s in manifest["shards"])),
        "head": [int(t) for t in stream[:5]],
        "tail": [int(t) for t in stream[-5:]],
        "batch_starts": [int(i) for i in ix],
        "batch_x": x.tolist(),
        "batch_y": y.tolist(),
    }))


if __name__ == "__main__":
    main()
