"""Generated ground truth: Bluesky Jetstream event files with the seed patterns mixed in.

Real captures carry no labels, and labelled research sets carry no threads. A scenario is a
synthetic capture in the exact Jetstream format (the events ``bluesky_jetstream`` reads: identity,
profile, post, follow commits, with real TIDs, facets at UTF-8 byte offsets and reply refs) where
every account's behaviour is known, so detectors' precision and recall can be tested end to end
through the real ingest pipeline. It mixes:

- ``genuine`` accounts posting about hobbies, replying to each other in threads of a few turns,
  following a few dozen accounts, and now and then sharing a link (once, all together, the same
  news link: a burst of genuine accounts that must not read as a campaign member pattern);
- ``link_reply_spam``: replies carrying the same link under strangers' posts, no audience;
- ``follow_farming``: 310-600 follows in two or three sprees within a day, almost no posts,
  almost no one following back;
- ``pitch_conversation``: real back-and-forth with many people, each exchange closed by a pitch
  and the same product link;
- ``coordinated_campaign``: accounts that otherwise post normally and, three times in a week,
  push the same link (with per-account tracking tags, sometimes through a shortener whose link
  card shows the destination) or near-identical text within a few hours;
- genuine ``newcomer`` accounts (truth ``genuine``) that join during the capture, follow one or
  two starter packs (100-200 accounts within minutes, before their first post), then post and
  reply normally and are followed back by a few: the normal first day on Bluesky;
- genuine ``chatty`` accounts (truth ``genuine``) in pairs that trade bursts of quick replies
  (a dozen or more within the hour, several times), the way friends talk in replies.

The genuine variants are named in ``Scenario.variants`` (``did -> newcomer | chatty``).

The truth is written beside the events as ``labels.csv`` in the model's labels layout (``kind`` is
the pattern). Generated data tests the machinery; detector thresholds are never tuned on it.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     scenario = generate(Path(tmp), sizes=Sizes(genuine=8, link_reply_spam=1, follow_farming=1,
...                                                  pitch_conversation=1, campaign=5), seed=3)
...     sorted(set(scenario.truth.values()))
['coordinated_campaign', 'follow_farming', 'genuine', 'link_reply_spam', 'pitch_conversation']
"""

from __future__ import annotations

import csv
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import orjson

from tigerblood.testing import texts

T = TypeVar("T")
BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"
START = datetime(2025, 3, 3, tzinfo=UTC)
POST = "app.bsky.feed.post"
FOLLOW = "app.bsky.graph.follow"
PROFILE = "app.bsky.actor.profile"
PATTERNS = ("link_reply_spam", "follow_farming", "pitch_conversation", "coordinated_campaign")


@dataclass(frozen=True)
class Sizes:
    """How many accounts of each kind, and how many days the capture spans."""

    genuine: int = 60
    link_reply_spam: int = 5
    follow_farming: int = 5
    pitch_conversation: int = 5
    campaign: int = 8
    days: int = 7
    newcomers: int = 6
    chatty: int = 6


@dataclass
class Scenario:
    """Where the events and labels were written, and the truth as ``did -> pattern``."""

    events: Path
    labels: Path
    truth: dict[str, str]
    handles: dict[str, str] = field(default_factory=dict)
    variants: dict[str, str] = field(default_factory=dict)
    """Genuine accounts generated with a variant behaviour: ``did -> newcomer | chatty``."""
    acts: dict[str, list[float]] = field(default_factory=dict)
    """Each manipulative account's manipulative acts (Unix seconds, in order): a spammer's link
    replies, a farmer's follows, a pitcher's closing pitches, a crew member's pushes. How much
    of it had happened when the feed flagged the account is the harm a flag did not prevent."""

    def accounts(self, pattern: str) -> set[str]:
        """DIDs whose truth is ``pattern``."""
        return {did for did, kind in self.truth.items() if kind == pattern}


@dataclass(frozen=True)
class Ref:
    """A post's strong ref, and its thread root's."""

    uri: str
    cid: str
    root_uri: str
    root_cid: str
    author: str


def tid(time_us: int, clock: int) -> str:
    """An atproto TID (13 base32-sortable characters) for a time and a 10-bit clock id.

    >>> len(tid(1741100401123457, 7)), tid(1, 0) < tid(2, 0)
    (13, True)
    """
    n = (time_us << 10) | (clock & 0x3FF)
    out = []
    for _ in range(13):
        out.append(TID_CHARS[n & 31])
        n >>= 5
    return "".join(reversed(out))


def _micros(at: datetime) -> int:
    return int(at.timestamp() * 1_000_000)


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


class _Capture:
    """Events in Jetstream's field order, sorted by time when written."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.events: list[tuple[int, int, bytes]] = []
        self.clock = rng.randrange(1024)

    def did(self) -> str:
        return "did:plc:" + "".join(self.rng.choice(BASE32) for _ in range(24))

    def _cid(self) -> str:
        return "bafyrei" + "".join(self.rng.choice(BASE32) for _ in range(52))

    def _emit(self, did: str, at: datetime, body: dict) -> None:
        time_us = _micros(at)
        event = {"did": did, "time_us": time_us, **body}
        self.events.append((time_us, len(self.events), orjson.dumps(event)))

    def _commit(self, did: str, at: datetime, collection: str, rkey: str, record: dict) -> str:
        cid = self._cid()
        commit = {
            "rev": tid(_micros(at), self.clock + 1),
            "operation": "create",
            "collection": collection,
            "rkey": rkey,
            "record": {"$type": collection, **record},
            "cid": cid,
        }
        self._emit(did, at, {"kind": "commit", "commit": commit})
        return cid

    def identity(self, did: str, handle: str, at: datetime) -> None:
        body = {"did": did, "handle": handle, "seq": len(self.events) + 1, "time": _iso(at)}
        self._emit(did, at, {"kind": "identity", "identity": body})

    def profile(self, did: str, name: str, bio: str, at: datetime) -> None:
        record = {"displayName": name, "description": bio, "createdAt": _iso(at)}
        self._commit(did, at, PROFILE, "self", record)

    def follow(self, did: str, subject: str, at: datetime) -> None:
        record = {"subject": subject, "createdAt": _iso(at)}
        self._commit(did, at, FOLLOW, tid(_micros(at), self.rng.randrange(1024)), record)

    def post(
        self,
        did: str,
        at: datetime,
        text: str,
        *,
        link: str | None = None,
        card: str | None = None,
        reply_to: Ref | None = None,
    ) -> Ref:
        """A post; ``link`` is shown in the text without its scheme and carried as a facet,
        ``card`` is a link card (``embed.external``) pointing elsewhere, e.g. a short link's
        destination."""
        record: dict = {"text": text}
        if link is not None:
            label = link.split("://", 1)[-1]
            start = text.encode("utf-8").find(label.encode("utf-8"))
            if start >= 0:
                feature = {"$type": "app.bsky.richtext.facet#link", "uri": link}
                index = {"byteStart": start, "byteEnd": start + len(label.encode("utf-8"))}
                record["facets"] = [{"index": index, "features": [feature]}]
        if reply_to is not None:
            record["reply"] = {
                "root": {"uri": reply_to.root_uri, "cid": reply_to.root_cid},
                "parent": {"uri": reply_to.uri, "cid": reply_to.cid},
            }
        if card is not None:
            external = {"uri": card, "title": card.split("/")[2], "description": ""}
            record["embed"] = {"$type": "app.bsky.embed.external", "external": external}
        record["langs"] = ["en"]
        record["createdAt"] = _iso(at)
        rkey = tid(_micros(at), self.rng.randrange(1024))
        cid = self._commit(did, at, POST, rkey, record)
        uri = f"at://{did}/{POST}/{rkey}"
        if reply_to is None:
            return Ref(uri, cid, uri, cid, did)
        return Ref(uri, cid, reply_to.root_uri, reply_to.root_cid, did)

    def write(self, path: Path) -> None:
        with path.open("wb") as out:
            for _, _, line in sorted(self.events):
                out.write(line)
                out.write(b"\n")


class _World:
    """The accounts, their roots, and the helpers each pattern's script uses."""

    def __init__(self, rng: random.Random, sizes: Sizes) -> None:
        self.rng = rng
        self.sizes = sizes
        self.cap = _Capture(rng)
        self.truth: dict[str, str] = {}
        self.handles: dict[str, str] = {}
        self.variants: dict[str, str] = {}
        self.topic: dict[str, str] = {}
        self.roots: list[tuple[Ref, datetime]] = []
        self.acts: dict[str, list[datetime]] = {}
        self.outside = [self.cap.did() for _ in range(600)]
        self.end = START + timedelta(days=sizes.days)

    def when(self, lo_day: float = 0.0, hi_day: float | None = None) -> datetime:
        hi = self.sizes.days - 0.2 if hi_day is None else hi_day
        return START + timedelta(days=self.rng.uniform(lo_day, hi))

    def account(self, pattern: str, name: str, bio: str, joined: datetime | None = None) -> str:
        """A new account; ``joined`` (during the capture) for one that signs up while we watch."""
        did = self.cap.did()
        handle = f"{name.lower().replace(' ', '')}{len(self.truth)}.example.social"
        self.truth[did] = pattern
        self.handles[did] = handle
        self.topic[did] = self.rng.choice(texts.TOPICS)
        at = joined or START - timedelta(days=self.rng.uniform(1, 300))
        # Jetstream's time_us only grows: the identity event comes a second before the profile.
        seen = joined - timedelta(seconds=1) if joined else None
        seen = seen or START - timedelta(hours=1, seconds=len(self.truth))
        self.cap.identity(did, handle, seen)
        self.cap.profile(did, name, bio, at)
        return did

    def act(self, did: str, at: datetime) -> None:
        """Note a manipulative act (:attr:`Scenario.acts`); draws nothing from the generator."""
        self.acts.setdefault(did, []).append(at)

    def follows(self, did: str, subjects: list[str], lo_day: float = 0.0) -> None:
        for subject in subjects:
            self.cap.follow(did, subject, self.when(lo_day))


def _pick(rng: random.Random, items: Sequence[T], k: int) -> list[T]:
    """``k`` distinct items, or all of them when there are fewer (small scenarios)."""
    return rng.sample(items, min(k, len(items)))


def _genuine(world: _World) -> list[str]:
    rng, cap = world.rng, world.cap
    people = [
        world.account("genuine", rng.choice(["Sam", "Ada", "Lou", "Kim", "Noor"]), "Hobbyist.")
        for _ in range(world.sizes.genuine)
    ]
    for did in people:
        for _ in range(rng.randint(3, 7)):
            at = world.when()
            link = None
            text = texts.root_text(rng, world.topic[did])
            if rng.random() < 0.15:
                link = f"https://{world.handles[did].split('.')[0]}.blog.example/{rng.randrange(10**6)}"
                text = f"{text} Notes: {link.split('://')[1]}"
            world.roots.append((cap.post(did, at, text, link=link), at))
    for root, at in list(world.roots):
        if world.truth[root.author] != "genuine":
            continue
        for replier in _pick(rng, people, rng.randint(0, 3)):
            if replier == root.author:
                continue
            t = at + timedelta(minutes=rng.uniform(5, 240))
            parent = cap.post(replier, t, texts.reply_text(rng), reply_to=root)
            for _ in range(rng.randint(0, 2)):
                t += timedelta(minutes=rng.uniform(3, 90))
                parent = cap.post(root.author, t, texts.answer_text(rng), reply_to=parent)
                t += timedelta(minutes=rng.uniform(3, 90))
                parent = cap.post(replier, t, texts.reply_text(rng), reply_to=parent)
    for did in people:
        others = _pick(rng, [p for p in people if p != did], rng.randint(5, 25))
        world.follows(did, others + rng.sample(world.outside, rng.randint(10, 80)))
    news = "https://news.example.com/2025/03/storm-warning-coast"
    day = rng.uniform(1, world.sizes.days - 1.5)
    for did in _pick(rng, people, 6):
        text = f"{rng.choice(texts.NEWS_COMMENTS)} {news.split('://')[1]}"
        cap.post(did, world.when(day, day + 0.3), text, link=news)
    return people


def _link_reply_spam(world: _World, people: list[str]) -> None:
    rng, cap = world.rng, world.cap
    for i in range(world.sizes.link_reply_spam):
        did = world.account("link_reply_spam", f"Deals {i}", "")
        link = f"https://deal{i}-{rng.randrange(10**4)}.example.net/go"
        line = texts.SPAM_LINES[i % len(texts.SPAM_LINES)]
        targets = [r for r in world.roots if world.truth[r[0].author] == "genuine"]
        for root, at in _pick(rng, targets, rng.randint(25, 45)):
            t = at + timedelta(minutes=rng.uniform(1, 60))
            cap.post(did, t, line.format(link=link.split("://")[1]), link=link, reply_to=root)
            world.act(did, t)
        world.follows(did, rng.sample(world.outside, rng.randint(0, 4)))


def _follow_farming(world: _World, people: list[str]) -> None:
    rng, cap = world.rng, world.cap
    for i in range(world.sizes.follow_farming):
        did = world.account("follow_farming", f"Follow back {i}", "follow for follow")
        # More than two Bluesky starter packs (150 accounts each) would make a newcomer follow:
        # fewer is what a genuine newcomer does before posting, not farming (issue 14). The
        # field report's farmer follows 700.
        # Farming tools follow in sprees (hundreds within hours, then wait for follow-backs),
        # here two or three within the account's first day.
        targets = rng.sample(world.outside, rng.randint(300, 590)) + _pick(rng, people, 10)
        start = world.when(0, world.sizes.days - 1.5)
        sprees = rng.randint(2, 3)
        for n, subject in enumerate(targets):
            spree = start + timedelta(hours=8 * (n * sprees // len(targets)))
            at = spree + timedelta(minutes=rng.uniform(0, 90))
            cap.follow(did, subject, at)
            world.act(did, at)
        for _ in range(rng.randint(0, 2)):
            cap.post(did, world.when(), rng.choice(["hi", "follow back!", "new here"]))
        for fan in _pick(rng, people, rng.randint(0, 2)):
            cap.follow(fan, did, world.when())


def _pitch_conversation(world: _World, people: list[str]) -> None:
    rng, cap = world.rng, world.cap
    for i in range(world.sizes.pitch_conversation):
        did = world.account("pitch_conversation", f"Coach {i}", "Helping you grow.")
        link = f"https://growth{i}-{rng.randrange(10**4)}.example.com/start"
        for _ in range(rng.randint(2, 5)):
            cap.post(did, world.when(), texts.root_text(rng, world.topic[did]))
        partners = _pick(rng, people, rng.randint(10, 16))
        for partner in partners:
            at = world.when(0, world.sizes.days - 1)
            topic = world.topic[partner]
            parent = cap.post(partner, at, texts.root_text(rng, topic))
            t = at
            for turn in range(rng.randint(2, 4)):
                t += timedelta(minutes=rng.uniform(5, 120))
                parent = cap.post(
                    did, t, texts.friendly_text(rng, topic, turn == 0), reply_to=parent
                )
                t += timedelta(minutes=rng.uniform(5, 120))
                parent = cap.post(partner, t, texts.answer_text(rng), reply_to=parent)
            t += timedelta(minutes=rng.uniform(5, 60))
            text = texts.pitch_text(rng, topic, link.split("://")[1])
            cap.post(did, t, text, link=link, reply_to=parent)
            world.act(did, t)
        fans = _pick(rng, people, rng.randint(5, 15))
        for fan in fans:
            cap.follow(fan, did, world.when())
        world.follows(did, rng.sample(world.outside, rng.randint(40, 120)))


def _campaign(world: _World, people: list[str]) -> None:
    rng, cap = world.rng, world.cap
    crew = [
        world.account("coordinated_campaign", f"Crypto fan {i}", "Web3. NFA.")
        for i in range(world.sizes.campaign)
    ]
    days = world.sizes.days
    for did in crew:
        for _ in range(rng.randint(4, 9)):
            cap.post(did, world.when(), texts.root_text(rng, world.topic[did]))
        world.follows(did, [c for c in crew if c != did] + rng.sample(world.outside, 30))
    first, second, third = (rng.uniform(0.5, days / 3 - 0.3) + k * days / 3 for k in range(3))
    target = "https://moonr-airdrop.example.org/claim"
    for did in crew:
        handle = world.handles[did].split(".")[0]
        tagged = f"{target}?ref={handle}"
        at = START + timedelta(days=first, hours=rng.uniform(0, 3))
        text = f"{rng.choice(texts.CAMPAIGN_INTROS)} {tagged.split('://')[1]}"
        cap.post(did, at, text, link=tagged)
        world.act(did, at)
        at = START + timedelta(days=second, hours=rng.uniform(0, 2))
        cap.post(did, at, texts.CAMPAIGN_MESSAGE + rng.choice(texts.CAMPAIGN_TAILS))
        world.act(did, at)
    short = f"https://bit.ly/{''.join(rng.choice(BASE32) for _ in range(7))}"
    bonus = "https://moonr-airdrop.example.org/bonus"
    for n, did in enumerate(crew):
        at = START + timedelta(days=third, hours=rng.uniform(0, 4))
        card = bonus if n % 2 == 0 else None
        intro = rng.choice(texts.CAMPAIGN_INTROS)
        cap.post(did, at, f"{intro} {short.split('://')[1]}", link=short, card=card)
        world.act(did, at)


def _newcomers(world: _World, people: list[str]) -> None:
    """Bluesky's normal first day: sign up, follow a starter pack or two within minutes, then
    post and reply like anyone, and be followed back by a few."""
    rng, cap = world.rng, world.cap
    for _ in range(world.sizes.newcomers):
        joined = world.when(0, max(world.sizes.days - 2.0, 0.5))
        name = rng.choice(["Mia", "Jo", "Ravi", "Lena", "Tom"])
        did = world.account("genuine", name, "New here. Coffee and books.", joined)
        world.variants[did] = "newcomer"
        pack = rng.sample(world.outside, rng.randint(90, 180)) + _pick(rng, people, 10)
        t = joined + timedelta(minutes=1)
        for subject in pack:
            t += timedelta(seconds=rng.uniform(0.5, 4))
            cap.follow(did, subject, t)
        day = (joined - START).total_seconds() / 86400 + 0.05
        hi = min(day + 2.0, world.sizes.days - 0.2)
        for _ in range(rng.randint(3, 8)):
            at = world.when(day, hi)
            world.roots.append((cap.post(did, at, texts.root_text(rng, world.topic[did])), at))
        genuine_roots = [r for r in world.roots if world.truth[r[0].author] == "genuine"]
        for root, at in _pick(rng, genuine_roots, rng.randint(1, 4)):
            later = max(at, joined) + timedelta(minutes=rng.uniform(10, 300))
            cap.post(did, later, texts.reply_text(rng), reply_to=root)
        for fan in _pick(rng, people, rng.randint(1, 10)):
            cap.follow(fan, did, joined + timedelta(hours=rng.uniform(0.5, 30)))


def _chatty(world: _World, people: list[str]) -> None:
    """Pairs of friends trading bursts of quick replies: fast and many, but a conversation."""
    rng, cap = world.rng, world.cap
    pairs = [
        (
            world.account("genuine", rng.choice(["Bo", "Eli", "Fay"]), "Talks too much."),
            world.account("genuine", rng.choice(["Cy", "Dee", "Gus"]), "Replies guy, sorry."),
        )
        for _ in range(world.sizes.chatty // 2)
    ]
    for a, b in pairs:
        world.variants[a] = world.variants[b] = "chatty"
        for did, friend in ((a, b), (b, a)):
            cap.follow(did, friend, world.when(0, 0.5))
            world.follows(did, _pick(rng, people, rng.randint(10, 30)))
        for _ in range(rng.randint(3, 6)):
            at = world.when()
            root = cap.post(a, at, texts.root_text(rng, world.topic[a]))
            world.roots.append((root, at))
            parent, t = root, at
            for turn in range(rng.randint(12, 30)):
                t += timedelta(seconds=rng.uniform(20, 240))
                author = b if turn % 2 == 0 else a
                # reply_text always carries a detail: the bare stock answers of answer_text,
                # repeated by a dozen fast talkers, would read as one template (a limit of this
                # generator's small vocabulary, not of how friends talk).
                parent = cap.post(author, t, texts.reply_text(rng), reply_to=parent)
        for fan in _pick(rng, people, rng.randint(3, 12)):
            cap.follow(fan, a, world.when())
            cap.follow(fan, b, world.when())


def generate(out_dir: Path, *, seed: int = 0, sizes: Sizes | None = None) -> Scenario:
    """Write ``jetstream.jsonl`` and ``labels.csv`` into ``out_dir``; same seed, same files."""
    sizes = sizes or Sizes()
    world = _World(random.Random(seed), sizes)
    people = _genuine(world)
    _link_reply_spam(world, people)
    _follow_farming(world, people)
    _pitch_conversation(world, people)
    _campaign(world, people)
    _newcomers(world, people)
    _chatty(world, people)
    out_dir.mkdir(parents=True, exist_ok=True)
    events = out_dir / "jetstream.jsonl"
    world.cap.write(events)
    labels = out_dir / "labels.csv"
    with labels.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["platform", "account_id", "label", "kind", "source"])
        for did, pattern in world.truth.items():
            source = f"tigerblood.testing.scenarios seed={seed}"
            writer.writerow(["bluesky", did, int(pattern != "genuine"), pattern, source])
    acts = {did: sorted(at.timestamp() for at in times) for did, times in world.acts.items()}
    return Scenario(
        events, labels, dict(world.truth), dict(world.handles), dict(world.variants), acts
    )


def main(argv: list[str] | None = None) -> None:
    """``python -m tigerblood.testing.scenarios OUT_DIR [SEED]``: write one scenario."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        raise SystemExit("usage: python -m tigerblood.testing.scenarios OUT_DIR [SEED]")
    scenario = generate(Path(args[0]), seed=int(args[1]) if len(args) > 1 else 0)
    print(f"{scenario.events} ({len(scenario.truth)} accounts), truth in {scenario.labels}")


if __name__ == "__main__":
    main()
