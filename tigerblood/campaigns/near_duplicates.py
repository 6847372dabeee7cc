"""Near-duplicate texts: datasketch MinHash signatures and LSH banding, vectorised over numpy.

Why not one ``datasketch.MinHash`` object per text: on a million posts the per-object Python work
(hashing each shingle, copying state, inserting into the LSH index) costs more than a minute on
its own. The arithmetic is the same whether it runs per text or over one flat array, so this
module takes datasketch's permutation parameters (``MinHash(num_perm, seed).permutations``, the
default ``affine32`` scheme), its pre-mix (the MurmurHash3 32-bit finalizer) and its banding
(``MinHashLSH(threshold, num_perm).b`` and ``.r``), and applies them to all texts at once. The
signatures are bit-for-bit those of ``datasketch.MinHash(hashfunc=identity)`` fed the same shingle
hashes, and the candidate buckets those of ``datasketch.MinHashLSH``; tests check both.

Shingles are word k-grams. Each token arrives already hashed (64-bit, by DuckDB's ``hash`` in
:mod:`tigerblood.campaigns`); a shingle's hash mixes its k token hashes, so no shingle string is
ever built in Python.

>>> import numpy as np
>>> tokens = np.array([11, 22, 33, 44, 11, 22, 33, 45, 7, 8], dtype=np.uint64)
>>> offsets = np.array([0, 4, 8, 10])  # three texts: 4, 4 and 2 tokens
>>> near_duplicate_groups(tokens, offsets, threshold=0.3, shingle=2).tolist()
[0, 0, 2]
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

import numpy as np
from datasketch import MinHash, MinHashLSH
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

NUM_PERM = 64
"""Permutations per signature: the Jaccard estimate's spread is about 0.06 at 0.7, enough for
a 0.7 threshold, at half the memory and time of datasketch's default 128."""

SEED = 1
"""datasketch's default seed: the same permutations as ``MinHash(num_perm=NUM_PERM)``."""

VERIFY_MARGIN = 0.1
"""A candidate pair from LSH is kept when its signatures agree on at least ``threshold -
VERIFY_MARGIN`` of positions. LSH alone admits pairs well below the threshold, and grouping by
connected components would chain them; the margin keeps true pairs whose estimate fell under the
threshold by sampling noise (about one standard deviation at 64 permutations)."""

CHUNK = 100_000
"""Texts per signature chunk: bounds the temporary (shingles x permutation) arrays."""

T = TypeVar("T")
R = TypeVar("R")

_U64 = np.uint64
_MIX = (_U64(0x9E3779B97F4A7C15), _U64(0xC2B2AE3D27D4EB4F), _U64(0x165667B19E3779F9))
"""Odd 64-bit multipliers (xxHash primes) combining the k token hashes of a shingle."""


@dataclass(frozen=True)
class Permutations:
    """datasketch's ``affine32`` parameters and banding for one (num_perm, seed, threshold)."""

    a: np.ndarray
    b: np.ndarray
    bands: int
    rows: int


@cache
def permutations(
    num_perm: int = NUM_PERM, seed: int = SEED, threshold: float = 0.7
) -> Permutations:
    """The permutation parameters datasketch would use, and its optimal (bands, rows) split."""
    a, b = MinHash(num_perm=num_perm, seed=seed).permutations
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return Permutations(a.astype(np.uint32), b.astype(np.uint32), lsh.b, lsh.r)


def fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer: datasketch's pre-mix of every input hash."""
    h = values.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def _fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> _U64(33))


def shingle_hashes(
    tokens: np.ndarray, offsets: np.ndarray, shingle: int
) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of the word ``shingle``-grams of each text, and their offsets per text.

    ``tokens`` holds every text's token hashes end to end, text ``i`` spanning
    ``tokens[offsets[i]:offsets[i + 1]]``. A text shorter than ``shingle`` words is one shingle;
    an empty text is one shingle of nothing (it matches only other empty texts).
    """
    lengths = np.diff(offsets)
    counts = np.maximum(lengths - shingle + 1, 1)
    bounds = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=bounds[1:])
    total = int(bounds[-1])
    owner = np.repeat(np.arange(len(counts)), counts)
    start = offsets[:-1][owner] + (np.arange(total) - bounds[:-1][owner])
    combined = np.zeros(total, dtype=np.uint64)
    last = max(len(tokens) - 1, 0)
    padded = tokens if len(tokens) else np.zeros(1, dtype=np.uint64)
    for d in range(shingle):
        valid = (start - offsets[:-1][owner]) + d < lengths[owner]
        value = np.where(valid, padded[np.minimum(start + d, last)], _U64(0))
        combined = combined * _MIX[d % len(_MIX)] + value
    hashed = (_fmix64(combined) & _U64(0xFFFFFFFF)).astype(np.uint32)
    return hashed, bounds


def signatures(shingles: np.ndarray, bounds: np.ndarray, perms: Permutations) -> np.ndarray:
    """MinHash signatures, one row per text (``uint32``, ``len(perms.a)`` columns).

    Equal to ``datasketch.MinHash(num_perm, seed, hashfunc=lambda h: h).update_batch(shingles)``
    for each text: pre-mix with fmix32, then ``a * h + b`` wrapping at 2^32, minimum per text.
    """
    mixed = fmix32(shingles)
    n = len(bounds) - 1
    out = np.empty((n, len(perms.a)), dtype=np.uint32)
    starts = bounds[:-1]

    def columns(ks: range) -> None:
        for k in ks:
            out[:, k] = np.minimum.reduceat(mixed * perms.a[k] + perms.b[k], starts)

    threads = max(1, min(os.cpu_count() or 1, len(perms.a)))
    _in_threads(columns, [range(t, len(perms.a), threads) for t in range(threads)])
    return out


def _band_keys(sig: np.ndarray, start: int, end: int) -> np.ndarray:
    """One 64-bit key per text for its band ``[start, end)``: equal bands give equal keys."""
    key = np.zeros(len(sig), dtype=np.uint64)
    for j in range(start, end):
        key = key * _MIX[0] + sig[:, j].astype(np.uint64)
    return _fmix64(key)


def band_keys(sig: np.ndarray, perms: Permutations) -> np.ndarray:
    """Every band key of every text, shape ``(bands, texts)``: 8 bands of 8 bytes a text are a
    quarter of its 64 x 4-byte signature, which is all the LSH step needs to keep in memory."""
    out = np.empty((perms.bands, len(sig)), dtype=np.uint64)
    for band in range(perms.bands):
        out[band] = _band_keys(sig, band * perms.rows, (band + 1) * perms.rows)
    return out


def candidate_pairs(sig: np.ndarray, perms: Permutations) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (first text of a bucket, other text of it) sharing at least one LSH band."""
    return pairs_of_keys(band_keys(sig, perms))


def pairs_of_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`candidate_pairs` from the band keys (one row per band)."""
    texts = keys.shape[1]
    # Each pair as one integer (left * texts + right): a flat sort instead of a row-wise unique,
    # in a fraction of the memory. Exact while texts**2 < 2**63 (three billion texts).
    codes = _in_threads(lambda band: _pair_codes(band, texts), list(keys))
    if not codes:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    unique = np.unique(np.concatenate(codes))
    return unique // texts, unique % texts


def _pair_codes(band_keys_: np.ndarray, texts: int) -> np.ndarray:
    left, right = _band_pairs(band_keys_)
    return left.astype(np.int64) * texts + right


def _band_pairs(band_keys_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first text of a bucket, other text of it) for one band's keys."""
    order = np.argsort(band_keys_, kind="stable")
    sorted_keys = band_keys_[order]
    new_run = np.ones(len(order), dtype=bool)
    new_run[1:] = sorted_keys[1:] != sorted_keys[:-1]
    leader = order[np.maximum.accumulate(np.where(new_run, np.arange(len(order)), 0))]
    member = ~new_run
    return leader[member], order[member]


def _in_threads(work: Callable[[T], R], items: list[T]) -> list[R]:
    """``work`` on each item, results in item order, on as many threads as cores (numpy's sorts
    and loops release the GIL)."""
    if len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(min(os.cpu_count() or 1, len(items))) as pool:
        return list(pool.map(work, items))


def token_chunks(
    tokens: np.ndarray, offsets: np.ndarray, size: int = CHUNK
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(tokens, offsets)`` of ``size`` texts at a time, offsets starting at 0."""
    n = len(offsets) - 1
    for lo in range(0, n, size):
        part = offsets[lo : min(lo + size, n) + 1]
        yield tokens[part[0] : part[-1]], part - part[0]


def near_duplicate_groups(
    tokens: np.ndarray,
    offsets: np.ndarray,
    *,
    threshold: float = 0.7,
    shingle: int = 3,
    num_perm: int = NUM_PERM,
    seed: int = SEED,
) -> np.ndarray:
    """A group id per text: texts linked by verified LSH pairs share the smallest text index.

    >>> tokens = np.array([5, 6, 7, 5, 6, 7], dtype=np.uint64)
    >>> near_duplicate_groups(tokens, np.array([0, 3, 6])).tolist()
    [0, 0]
    """
    return groups_of_chunks(
        token_chunks(tokens, offsets),
        threshold=threshold,
        shingle=shingle,
        num_perm=num_perm,
        seed=seed,
    )


def groups_of_chunks(
    chunks: Iterable[tuple[np.ndarray, np.ndarray]],
    *,
    threshold: float = 0.7,
    shingle: int = 3,
    num_perm: int = NUM_PERM,
    seed: int = SEED,
) -> np.ndarray:
    """:func:`near_duplicate_groups` over texts arriving in chunks (texts numbered in order).

    Memory stays near one chunk plus the band keys: each chunk's signatures go to a temporary
    file, and only the rows of candidate pairs are read back to verify them. On 1.5 M tweets the
    signatures alone would take 380 MB; a few tens of thousands of texts are in candidate pairs.
    """
    perms = permutations(num_perm, seed, threshold)
    keys: list[np.ndarray] = []
    with tempfile.TemporaryFile() as spill:
        for chunk_tokens, chunk_offsets in chunks:
            shingles, bounds = shingle_hashes(chunk_tokens, chunk_offsets, shingle)
            sig = signatures(shingles, bounds, perms)
            del shingles, bounds
            keys.append(band_keys(sig, perms))
            spill.write(np.ascontiguousarray(sig).tobytes())
        n = sum(k.shape[1] for k in keys)
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        left, right = pairs_of_keys(np.concatenate(keys, axis=1))
        del keys
        spill.flush()
        sig = np.memmap(spill, dtype=np.uint32, mode="r", shape=(n, num_perm))
        left, right = _verified(sig, left, right, threshold - VERIFY_MARGIN)
        del sig
    return _components(n, left, right)


def _verified(
    sig: np.ndarray, left: np.ndarray, right: np.ndarray, bar: float
) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs whose signatures agree on at least ``bar`` of positions."""
    keep = np.zeros(len(left), dtype=bool)
    for lo in range(0, len(left), CHUNK):
        hi = lo + CHUNK
        keep[lo:hi] = (sig[left[lo:hi]] == sig[right[lo:hi]]).mean(axis=1) >= bar
    return left[keep], right[keep]


def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Per text, the smallest text index of its connected component over the pairs."""
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    smallest = np.full(labels.max() + 1, n, dtype=np.int64)
    np.minimum.at(smallest, labels, np.arange(n))
    return smallest[labels]
