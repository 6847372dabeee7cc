"""A generated audience to audit: one creator whose followers, repliers and likers are all in the
data, some of them manipulative. It is what ``make demo`` scans, so the first audit a newcomer
sees answers the product's question on an audience that exists in the data.

Built on :mod:`tigerblood.testing.scenarios` (the same Jetstream events, the same genuine
community and seed patterns) plus:

- ``creator`` (``maya0.example.social``): posts a dozen times over the week; about two thirds of
  the genuine community follow her, reply in threads and like her posts;
- ``bought``: accounts made in one batch that follow her within an hour on one day (a follower
  burst), follow hundreds of others, never post, and like every post of hers within minutes;
- the scenario's link-reply spammers reply to her posts with their link; its follow farmers and
  campaign crew follow her.

Everything is generated and says so: the creator's bio names this module, and the truth is in
``labels.csv`` (``kind``: the pattern, ``bought_follower`` for the bought batch).

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     demo = generate(Path(tmp), sizes=Sizes(genuine=8, link_reply_spam=1, follow_farming=1,
...                                             pitch_conversation=1, campaign=3), bought=4)
...     demo.creator_handle, len(demo.scenario.accounts("bought_follower"))
('maya0.example.social', 4)
"""

from __future__ import annotations

import csv
import random
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from tigerblood.testing import texts
from tigerblood.testing.scenarios import (
    START,
    Ref,
    Scenario,
    Sizes,
    _campaign,
    _follow_farming,
    _genuine,
    _iso,
    _micros,
    _pitch_conversation,
    _World,
    tid,
)

LIKE = "app.bsky.feed.like"
CREATOR_BIO = (
    "Generated demo account: neither Maya nor her audience exist. Made by "
    "tigerblood.testing.audience so that the audit has an audience to judge."
)
DEMO_SIZES = Sizes(
    genuine=60, link_reply_spam=4, follow_farming=4, pitch_conversation=2, campaign=6
)
BOUGHT = 24


@dataclass
class Audience:
    """The generated files, the truth, and the account whose audience to audit."""

    scenario: Scenario
    creator: str
    creator_handle: str


def _like(world: _World, did: str, post: Ref, at: datetime) -> None:
    """A like in Jetstream's shape (the scenario generator writes no likes)."""
    record = {"subject": {"uri": post.uri, "cid": post.cid}, "createdAt": _iso(at)}
    world.cap._commit(did, at, LIKE, tid(_micros(at), world.rng.randrange(1024)), record)


Posted = list[tuple[Ref, datetime]]


def _creator(world: _World, did: str, people: list[str]) -> Posted:
    """Maya's posts, and the genuine part of her audience (follows, threads, likes)."""
    rng, cap = world.rng, world.cap
    world.topic[did] = "birding"
    posts = []
    for _ in range(12):
        at = world.when(0, world.sizes.days - 0.5)
        posts.append((cap.post(did, at, texts.root_text(rng, "birding")), at))
    fans = rng.sample(people, (2 * len(people)) // 3)
    for fan in fans:
        cap.follow(fan, did, world.when(0, 1))
        for root, at in rng.sample(posts, rng.randint(1, 4)):
            _like(world, fan, root, at + timedelta(minutes=rng.uniform(2, 600)))
    for root, at in posts:
        for replier in rng.sample(fans, min(len(fans), rng.randint(1, 3))):
            t = at + timedelta(minutes=rng.uniform(5, 240))
            parent = cap.post(replier, t, texts.reply_text(rng), reply_to=root)
            t += timedelta(minutes=rng.uniform(3, 90))
            cap.post(did, t, texts.answer_text(rng), reply_to=parent)
    world.follows(did, rng.sample(fans, min(len(fans), 25)))
    return posts


def _bought(world: _World, creator: str, posts: Posted, count: int) -> None:
    """A batch of accounts sold as followers: made together, following together, liking all."""
    rng, cap = world.rng, world.cap
    day = START + timedelta(days=rng.uniform(2, 3))
    for _ in range(count):
        did = world.account("bought_follower", f"user{rng.randrange(10**6):06d}", "")
        at = day + timedelta(minutes=rng.uniform(0, 60))
        cap.follow(did, creator, at)
        for n, (post, posted) in enumerate(posts):
            when = max(at, posted) + timedelta(seconds=20 * n + rng.uniform(0, 15))
            _like(world, did, post, when)
        for subject in rng.sample(world.outside, rng.randint(250, 480)):
            cap.follow(did, subject, at + timedelta(seconds=rng.uniform(30, 7200)))


def _spam_replies(world: _World, posts: Posted) -> None:
    """The scenario's link-reply spammers, replying under the creator's posts too."""
    rng, cap = world.rng, world.cap
    for i in range(world.sizes.link_reply_spam):
        did = world.account("link_reply_spam", f"Deals {i}", "")
        link = f"https://deal{i}-{rng.randrange(10**4)}.example.net/go"
        line = texts.SPAM_LINES[i % len(texts.SPAM_LINES)]
        targets = [r for r in world.roots if world.truth[r[0].author] == "genuine"]
        chosen = list(posts) + rng.sample(targets, min(len(targets), rng.randint(20, 35)))
        for root, at in chosen:
            t = at + timedelta(minutes=rng.uniform(1, 60))
            cap.post(did, t, line.format(link=link.split("://")[1]), link=link, reply_to=root)


def generate(
    out_dir: Path, *, seed: int = 0, sizes: Sizes | None = None, bought: int = BOUGHT
) -> Audience:
    """Write ``jetstream.jsonl`` and ``labels.csv`` into ``out_dir``; same seed, same files."""
    sizes = sizes or DEMO_SIZES
    world = _World(random.Random(seed), sizes)
    creator = world.account("creator", "Maya", CREATOR_BIO)  # first: always maya0.example.social
    people = _genuine(world)
    posts = _creator(world, creator, people)
    _spam_replies(world, posts)
    _follow_farming(world, people)
    _pitch_conversation(world, people)
    _campaign(world, people)
    for did, kind in world.truth.items():
        if kind in {"follow_farming", "coordinated_campaign"}:
            world.cap.follow(did, creator, world.when())
    _bought(world, creator, posts, bought)
    out_dir.mkdir(parents=True, exist_ok=True)
    events = out_dir / "jetstream.jsonl"
    world.cap.write(events)
    labels = out_dir / "labels.csv"
    with labels.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["platform", "account_id", "label", "kind", "source"])
        for did, kind in world.truth.items():
            label = int(kind not in {"genuine", "creator"})
            source = f"tigerblood.testing.audience seed={seed}"
            writer.writerow(["bluesky", did, label, kind, source])
    scenario = Scenario(events, labels, dict(world.truth), dict(world.handles))
    return Audience(scenario, creator, world.handles[creator])


def main(argv: list[str] | None = None) -> None:
    """``python -m tigerblood.testing.audience OUT_DIR [SEED]``: write the demo's audience."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        raise SystemExit("usage: python -m tigerblood.testing.audience OUT_DIR [SEED]")
    demo = generate(Path(args[0]), seed=int(args[1]) if len(args) > 1 else 0)
    print(
        f"{demo.scenario.events}: a generated audience of {len(demo.scenario.truth) - 1} "
        f"accounts around {demo.creator_handle} (truth in {demo.scenario.labels})"
    )


if __name__ == "__main__":
    main()
