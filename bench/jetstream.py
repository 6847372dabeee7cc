"""Jetstream adapter throughput against a bare ``orjson.loads`` of the same lines, in one run.

Generates a firehose-like capture (default 300k events; replies, links, mentions, quotes, images
and link cards per the ``app.bsky`` lexicons, record keys sorted as Jetstream writes them), then
times, each in a fresh process so peak memory is its own:

- the adapter reading it end to end into Arrow batches (plain and zstd),
- the baseline: read every line and ``orjson.loads`` it (plain and zstd), nothing else.

The event mix is that of a real Jetstream capture: the 1M-event Bluesky sample of ClickHouse's
JSONBench (github.com/ClickHouse/JSONBench, captured 2024-11-21 around 16:00 UTC), whose counts by
collection (query Q1, all operations) and of creates only (Q2) are in the repository's
``quickwit/results/_query_results/_m6i.8xlarge_bluesky_1m.query_results``: likes 449k (4.4k of
them deletes), follows 360k (22k deletes), posts 91k (4k deletes), reposts 59k, blocks 14k,
profiles 12k, list items 8k, other collections 2k, and about 5k identity and account events.
Follows run high in that hour (the November 2024 sign-up wave, with its starter packs).

Half of the generated unfollows name a follow created earlier in the file (resolved); the rest
name one from before the capture, as most do in a short capture, and are quarantined.

The adapter's row counts are checked against what the generator wrote (the run fails if they
differ), so a speed-up can never come from dropping work.

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
from collections import Counter
from pathlib import Path

import orjson
import zstandard

S32 = "234567abcdefghijklmnopqrstuvwxyz"
B32 = "abcdefghijklmnopqrstuvwxyz234567"
START_US = 1_741_100_400_000_000
_TEXT = "the a new today look at this thread why how we all just got my first post bluesky"
WORDS = _TEXT.split(" ")
MIX = [  # (collection, operation, weight per 10,000 events): JSONBench's 1M-event sample
    ("app.bsky.feed.like", "create", 4445),
    ("app.bsky.feed.like", "delete", 44),
    ("app.bsky.graph.follow", "create", 3380),
    ("app.bsky.graph.follow", "delete", 224),
    ("app.bsky.feed.post", "create", 868),
    ("app.bsky.feed.post", "delete", 40),
    ("app.bsky.feed.repost", "create", 570),
    ("app.bsky.feed.repost", "delete", 15),
    ("app.bsky.graph.block", "create", 140),
    ("app.bsky.actor.profile", "create", 53),
    ("app.bsky.actor.profile", "update", 64),
    ("app.bsky.graph.listitem", "create", 81),
    ("app.bsky.feed.threadgate", "create", 21),
    ("identity", "", 27),
    ("account", "", 26),
]
WEIGHTS = [weight for *_, weight in MIX]


def tid(micros: int, clock: int) -> str:
    """A record key in the atproto TID format (base32-sortable, 13 characters)."""
    n = (micros << 10) | (clock & 1023)
    return "".join(S32[(n >> (5 * i)) & 31] for i in range(12, -1, -1))


def iso(micros: int) -> str:
    seconds, fraction = divmod(micros, 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{fraction // 1000:03d}Z"


def sort_keys(value: object) -> object:
    """Jetstream re-encodes records through Go maps, which ``encoding/json`` writes sorted."""
    if isinstance(value, dict):
        return {key: sort_keys(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [sort_keys(item) for item in value]
    return value


class Generator:
    """Events that follow the lexicons closely enough to take every branch of the adapter.

    ``expected`` counts the rows each table must get, from what was written, independently of
    the adapter; ``actors`` are the DIDs that must get an accounts row.
    """

    def __init__(self, seed: int, accounts: int = 20_000) -> None:
        self.rng = random.Random(seed)
        self.dids = ["did:plc:" + "".join(self.rng.choices(B32, k=24)) for _ in range(accounts)]
        self.recent: list[str] = []
        self.follows: list[tuple[str, str]] = []
        self.clock = START_US
        self.expected: Counter[str] = Counter()
        self.actors: set[str] = set()

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
        record["embed"] = self.embed()
        if record["embed"] is None:
            del record["embed"]
        record["langs"] = ["en"]
        return record

    def embed(self) -> dict | None:
        """A link card (10%), a quote (5%), images (25%) or nothing."""
        roll = self.rng.random()
        if roll < 0.1:
            return {
                "$type": "app.bsky.embed.external",
                "external": {"uri": "https://news.example.org/a", "title": "T", "description": ""},
            }
        if roll < 0.15:
            return {"$type": "app.bsky.embed.record", "record": self.ref()}
        if roll < 0.4:
            blob = {"$link": "bafkrei" + "".join(self.rng.choices(B32, k=52))}
            image = {
                "alt": "",
                "aspectRatio": {"height": 1000, "width": 750},
                "image": {"$type": "blob", "mimeType": "image/jpeg", "ref": blob, "size": 301234},
            }
            return {"$type": "app.bsky.embed.images", "images": [image]}
        return None

    def event(self) -> dict:
        rng = self.rng
        self.clock += rng.randint(1, 1000)  # about 2,000 events a second, as in JSONBench's hour
        did = rng.choice(self.dids)
        collection, operation, _ = rng.choices(MIX, weights=WEIGHTS)[0]
        base = {"did": did, "time_us": self.clock}
        if collection == "identity":
            handle = f"user{rng.randint(1, 10**6)}.bsky.social"
            self.actors.add(did)
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
            if collection == "app.bsky.graph.follow":
                self.unfollow(base, commit)
            return {**base, "kind": "commit", "commit": commit}
        record = self.record(did, collection, rkey)
        # createdAt is the client's clock: behind the relay's time_us by up to a few seconds.
        record.setdefault("createdAt", iso(self.clock - rng.randint(0, 3_000_000)))
        commit.update(record=sort_keys(record), cid=self.cid())
        return {**base, "kind": "commit", "commit": commit}

    def unfollow(self, base: dict, commit: dict) -> None:
        """Half name a follow made earlier in the file; half one made before the capture."""
        if self.follows and self.rng.random() < 0.5:
            base["did"], commit["rkey"] = self.follows.pop(self.rng.randrange(len(self.follows)))
            self.expected["follows"] += 1
            self.actors.add(base["did"])
        else:
            commit["rkey"] = tid(START_US - self.rng.randint(1, 10**12), 0)
            self.expected["quarantine"] += 1

    def record(self, did: str, collection: str, rkey: str) -> dict:
        """The record of one create, counting the rows it must become."""
        rng = self.rng
        record: dict = {"$type": collection}
        table = {
            "app.bsky.feed.post": "posts",
            "app.bsky.feed.repost": "posts",
            "app.bsky.feed.like": "likes",
            "app.bsky.graph.follow": "follows",
        }.get(collection)
        if table is not None:
            self.expected[table] += 1
            self.actors.add(did)
        if collection == "app.bsky.feed.post":
            record = self.post(did)
            self.recent.append(f"at://{did}/{collection}/{rkey}")
            self.recent = self.recent[-1000:]
        elif collection in ("app.bsky.graph.follow", "app.bsky.graph.block"):
            record["subject"] = rng.choice(self.dids)
            if collection == "app.bsky.graph.follow":
                self.follows.append((did, rkey))
        elif collection == "app.bsky.actor.profile":
            record.update(displayName="Someone", description="hi")
            self.actors.add(did)
        elif collection == "app.bsky.graph.listitem":
            record["subject"] = rng.choice(self.dids)
            record["list"] = f"at://{did}/app.bsky.graph.list/{tid(START_US, 7)}"
        elif collection == "app.bsky.feed.threadgate":
            record.update(post=f"at://{did}/app.bsky.feed.post/{rkey}", allow=[])
        else:  # likes and reposts
            record["subject"] = self.ref()
        return record


def generate(path: Path, events: int, seed: int = 7, accounts: int = 20_000) -> dict[str, int]:
    """Write ``events`` events by ``accounts`` DIDs to ``path``; the rows per table the adapter
    must make of them."""
    gen = Generator(seed, accounts)
    with path.open("wb") as out:
        for _ in range(events):
            out.write(orjson.dumps(gen.event()) + b"\n")
    return {**gen.expected, "accounts": len(gen.actors)}


def _adapter(path: str, workers: int | None) -> tuple[int, dict[str, int]]:
    from tigerblood.ingest.bluesky.jetstream import JetstreamAdapter

    adapter = JetstreamAdapter()
    adapter.workers = workers
    rows: Counter[str] = Counter()
    for batch in adapter.read(Path(path)):
        rows[batch.table] += batch.data.num_rows
    stats = adapter.stats
    events = sum(v for k, v in stats.items() if "/" in k or k in ("identity", "quarantined"))
    return events, dict(rows)


def _baseline(path: str) -> int:
    from tigerblood.ingest.bluesky.files import open_decompressed

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


def _timed(task: str, path: str, queue: mp.Queue, workers: int | None) -> None:
    import pyarrow as pa

    from tigerblood import model

    # pyarrow imports pandas on its first tz-aware timestamp conversion (~1-2 s of CPU here):
    # a once-per-process cost, paid before the clock starts in both phases alike.
    pa.array([0], type=model.TIMESTAMP)
    start, cpu = time.perf_counter(), time.process_time() + _children_cpu()
    n, rows = _adapter(path, workers) if task == "adapter" else (_baseline(path), {})
    # CPU includes the adapter's decoding worker processes (reaped by the end of the read).
    elapsed, cpu = time.perf_counter() - start, time.process_time() + _children_cpu() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((n, elapsed, cpu, peak, rows))


def run(
    task: str, path: Path, workers: int | None = None
) -> tuple[int, float, float, float, dict[str, int]]:
    """One timed phase in a fresh process: (events, wall s, CPU s, peak RSS MiB, rows)."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_timed, args=(task, str(path), queue, workers))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def check(rows: dict[str, int], expected: dict[str, int]) -> None:
    """Fail the run when the adapter's rows differ from what the generator wrote."""
    wrong = {
        table: (rows.get(table, 0), count)
        for table, count in expected.items()
        if rows.get(table, 0) != count
    }
    if wrong:
        raise SystemExit(f"adapter rows (got, expected) differ from the input: {wrong}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--file", type=Path, help="an existing capture instead of a generated one")
    parser.add_argument(
        "--workers", type=int, help="decoding processes (default: the adapter's own choice)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plain = args.file or Path(tmp) / "jetstream.jsonl"
        expected = generate(plain, args.events) if args.file is None else None
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
                n, wall, cpu, rss, rows = run(task, path, args.workers)
                rates[task] = (n / wall, n / cpu)
                figures = f"{wall:>7.2f} {n / wall:>10,.0f} {cpu:>7.2f} {n / cpu:>10,.0f}"
                print(f"{label:6} {task:9} {n:>8} {figures} {rss:>9.0f}")
                if task == "adapter" and expected is not None:
                    check(rows, expected)
            wall_ratio = rates["adapter"][0] / rates["baseline"][0]
            cpu_ratio = rates["adapter"][1] / rates["baseline"][1]
            print(f"{label:6} adapter/baseline ratio: wall {wall_ratio:.2f}, CPU {cpu_ratio:.2f}")
        if expected is not None:
            print(
                "rows checked against the generator:",
                ", ".join(f"{table} {count:,}" for table, count in sorted(expected.items())),
            )


if __name__ == "__main__":
    sys.exit(main())
