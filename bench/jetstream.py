"""Jetstream adapter throughput against a bare ``orjson.loads`` of the same lines, in one run.

Generates a firehose-like capture (default 300k events, mix close to the live network: mostly
likes, then follows, posts, reposts; replies, links, mentions, quotes and embeds per the
``app.bsky`` lexicons), then times, each in a fresh process so peak memory is its own:

- the adapter reading it end to end into Arrow batches (plain and zstd),
- the baseline: read every line and ``orjson.loads`` it (plain and zstd), nothing else.

    .venv/bin/python bench/jetstream.py [--events N] [--file existing.jsonl[.zst]]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import orjson
import zstandard

S32 = "234567abcdefghijklmnopqrstuvwxyz"
B32 = "abcdefghijklmnopqrstuvwxyz234567"
START_US = 1_741_100_400_000_000
_TEXT = "the a new today look at this thread why how we all just got my first post bluesky"
WORDS = _TEXT.split(" ")
MIX = [  # (collection, operation, weight) roughly as seen on the live network
    ("app.bsky.feed.like", "create", 46),
    ("app.bsky.graph.follow", "create", 14),
    ("app.bsky.feed.post", "create", 18),
    ("app.bsky.feed.repost", "create", 8),
    ("app.bsky.graph.follow", "delete", 2),
    ("app.bsky.feed.like", "delete", 3),
    ("app.bsky.feed.post", "delete", 1),
    ("app.bsky.actor.profile", "update", 1),
    ("app.bsky.graph.block", "create", 1),
    ("app.bsky.feed.threadgate", "create", 1),
    ("identity", "", 2),
    ("account", "", 3),
]


def tid(micros: int, clock: int) -> str:
    """A record key in the atproto TID format (base32-sortable, 13 characters)."""
    n = (micros << 10) | (clock & 1023)
    return "".join(S32[(n >> (5 * i)) & 31] for i in range(12, -1, -1))


def iso(micros: int) -> str:
    seconds, fraction = divmod(micros, 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{fraction // 1000:03d}Z"


class Generator:
    """Events that follow the lexicons closely enough to take every branch of the adapter."""

    def __init__(self, seed: int, accounts: int = 20_000) -> None:
        self.rng = random.Random(seed)
        self.dids = ["did:plc:" + "".join(self.rng.choices(B32, k=24)) for _ in range(accounts)]
        self.recent: list[str] = []
        self.follows: list[tuple[str, str]] = []
        self.clock = START_US

    def cid(self) -> str:
        return "bafyrei" + "".join(self.rng.choices(B32, k=52))

    def ref(self) -> dict:
        uri = self.rng.choice(self.recent) if self.recent else self.post_uri(self.dids[0])
        return {"uri": uri, "cid": self.cid()}

    def post_uri(self, did: str) -> str:
        return f"at://{did}/app.bsky.feed.post/{tid(self.clock, 1)}"

    def post(self, did: str) -> dict:
        rng = self.rng
        words = rng.choices(WORDS, k=rng.randint(4, 30))
        record: dict = {"$type": "app.bsky.feed.post", "createdAt": iso(self.clock)}
        facets = []
        if rng.random() < 0.25:
            url = f"https://example{rng.randint(1, 500)}.com/p/{rng.randint(1, 10**6)}"
            words.append(url[8:])
            facets.append(("app.bsky.richtext.facet#link", "uri", url))
        if rng.random() < 0.15:
            target = rng.choice(self.dids)
            words.insert(0, "@someone.bsky.social")
            facets.append(("app.bsky.richtext.facet#mention", "did", target))
        if rng.random() < 0.1:
            words.append("#art")
            facets.append(("app.bsky.richtext.facet#tag", "tag", "art"))
        text = " ".join(words)
        record["text"] = text
        if facets:
            record["facets"] = [
                {
                    "$type": "app.bsky.richtext.facet",
                    "index": {"byteStart": i, "byteEnd": i + 5},
                    "features": [{"$type": kind, key: value}],
                }
                for i, (kind, key, value) in enumerate(facets)
            ]
        if rng.random() < 0.4 and self.recent:
            root, parent = self.ref(), self.ref()
            record["reply"] = {"root": root, "parent": parent}
        roll = rng.random()
        if roll < 0.1:
            record["embed"] = {
                "$type": "app.bsky.embed.external",
                "external": {"uri": "https://news.example.org/a", "title": "T", "description": ""},
            }
        elif roll < 0.15:
            record["embed"] = {"$type": "app.bsky.embed.record", "record": self.ref()}
        record["langs"] = ["en"]
        return record

    def event(self) -> dict:
        rng = self.rng
        self.clock += rng.randint(1, 40)
        did = rng.choice(self.dids)
        collection, operation, _ = rng.choices(MIX, weights=[w for *_, w in MIX])[0]
        base = {"did": did, "time_us": self.clock}
        if collection == "identity":
            handle = f"user{rng.randint(1, 10**6)}.bsky.social"
            return {**base, "kind": "identity", "identity": {"did": did, "handle": handle}}
        if collection == "account":
            return {**base, "kind": "account", "account": {"active": True, "did": did}}
        rkey = "self" if collection.endswith("profile") else tid(self.clock, rng.randint(0, 1023))
        commit: dict = {
            "rev": tid(self.clock, 0),
            "operation": operation,
            "collection": collection,
            "rkey": rkey,
        }
        if operation == "delete":
            if collection == "app.bsky.graph.follow" and self.follows:
                did, commit["rkey"] = self.follows.pop(rng.randrange(len(self.follows)))
                base["did"] = did
            return {**base, "kind": "commit", "commit": commit}
        if collection == "app.bsky.feed.post":
            record = self.post(did)
            self.recent.append(f"at://{did}/{collection}/{rkey}")
            self.recent = self.recent[-1000:]
        elif collection == "app.bsky.graph.follow" or collection == "app.bsky.graph.block":
            record = {"$type": collection, "subject": rng.choice(self.dids), "createdAt": ""}
            self.follows.append((did, rkey))
        elif collection == "app.bsky.actor.profile":
            record = {"$type": collection, "displayName": "Someone", "description": "hi"}
        else:
            record = {"$type": collection, "subject": self.ref()}
        record.setdefault("createdAt", iso(self.clock))
        if not record["createdAt"]:
            record["createdAt"] = iso(self.clock)
        commit.update(record=record, cid=self.cid())
        return {**base, "kind": "commit", "commit": commit}


def generate(path: Path, events: int, seed: int = 7) -> None:
    gen = Generator(seed)
    with path.open("wb") as out:
        for _ in range(events):
            out.write(orjson.dumps(gen.event()) + b"\n")


def _adapter(path: str) -> int:
    from tigerblood.ingest.bluesky_jetstream import JetstreamAdapter

    adapter = JetstreamAdapter()
    for _batch in adapter.read(Path(path)):
        pass
    return sum(v for k, v in adapter.stats.items() if "/" in k or k in ("identity", "quarantined"))


def _baseline(path: str) -> int:
    from tigerblood.ingest.bluesky_files import open_decompressed

    loads = orjson.loads
    count = 0
    with open_decompressed(Path(path)) as stream:
        for line in stream:
            loads(line)
            count += 1
    return count


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(task: str, path: str, queue: mp.Queue) -> None:
    import pyarrow as pa

    from tigerblood import model

    # pyarrow imports pandas on its first tz-aware timestamp conversion (~1-2 s of CPU here):
    # a once-per-process cost, paid before the clock starts in both phases alike.
    pa.array([0], type=model.TIMESTAMP)
    fn = _adapter if task == "adapter" else _baseline
    start, cpu = time.perf_counter(), time.process_time() + _children_cpu()
    n = fn(path)
    # CPU includes the adapter's decoding worker processes (reaped by the end of the read).
    elapsed, cpu = time.perf_counter() - start, time.process_time() + _children_cpu() - cpu
    queue.put((n, elapsed, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def run(task: str, path: Path) -> tuple[int, float, float, float]:
    """One timed phase in a fresh process: (events, wall s, CPU s, peak RSS MiB)."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_timed, args=(task, str(path), queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--file", type=Path, help="an existing capture instead of a generated one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plain = args.file or Path(tmp) / "jetstream.jsonl"
        if args.file is None:
            generate(plain, args.events)
        files = [("plain", plain)]
        if args.file is None:
            packed = Path(tmp) / "jetstream.jsonl.zst"
            packed.write_bytes(zstandard.ZstdCompressor(level=3).compress(plain.read_bytes()))
            files.append(("zstd", packed))
        size = plain.stat().st_size / 2**20
        print(f"{plain.name}: {size:.1f} MiB")
        # CPU-time rates are printed too: on a shared machine wall time measures the neighbours.
        header = ("input", "phase", "events", "wall s", "events/s", "CPU s", "ev/CPU s", "peak MiB")
        print("{:6} {:9} {:>8} {:>7} {:>10} {:>7} {:>10} {:>9}".format(*header))
        for label, path in files:
            rates: dict[str, tuple[float, float]] = {}
            for task in ("baseline", "adapter"):
                n, wall, cpu, rss = run(task, path)
                rates[task] = (n / wall, n / cpu)
                figures = f"{wall:>7.2f} {n / wall:>10,.0f} {cpu:>7.2f} {n / cpu:>10,.0f}"
                print(f"{label:6} {task:9} {n:>8} {figures} {rss:>9.0f}")
            wall_ratio = rates["adapter"][0] / rates["baseline"][0]
            cpu_ratio = rates["adapter"][1] / rates["baseline"][1]
            print(f"{label:6} adapter/baseline ratio: wall {wall_ratio:.2f}, CPU {cpu_ratio:.2f}")


if __name__ == "__main__":
    sys.exit(main())
