"""The audience audit: how much of an account's audience, and of who replies to it, is real.

A record follower count says nothing about credibility; this report says how many of those
followers, repliers, mentioners and likers tigerblood flags, with which patterns, and when the
followers came (from follow dates, and from the follower count read at several moments).
Definitions (quality score, bursts, sampling) are in ``docs/reports.md``. Example::

    store = Store()
    ingest([Path("examples/cresci-2015-sample")], store)
    report = audit(store, "uscitedentro")   # judges the store first if needed
    report.quality, report.followers.flagged, report.growth.bursts, report.likers.flagged
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from tigerblood.reports.addressed import AddressIndex
from tigerblood.reports.audience import Member, followers, likers, repliers
from tigerblood.reports.count_growth import CountGrowth, count_growth, readings
from tigerblood.reports.credibility import Credibility, credibility, plain_words
from tigerblood.reports.growth import Growth, growth
from tigerblood.reports.i18n import Lang, get_lang
from tigerblood.reports.stats import wilson
from tigerblood.reports.target import Target, ensure_judged, resolve
from tigerblood.store import Store


class AccountNotFoundError(LookupError):
    """The account named is nowhere in the store."""


@dataclass
class Group:
    """Followers, repliers and mentioners, or likers: who they are and how many are flagged."""

    members: list[Member]
    judged: int
    flagged: int
    flagged_share: float | None
    interval: tuple[float, float]
    patterns: dict[str, int]
    expected_share: float | None = None
    """The mean score of the members the model judged: their scores are calibrated
    probabilities, so this is the share of inauthentic accounts they add up to, with no
    threshold in it. Measured on sources the model never saw it erred less than the flagged
    share (``AuditReport.share_error``). Members the rules judged (no posts, no counts) carry no
    probability and are left out; None when the model judged none."""
    expected_of: int = 0
    """How many members the expected share is the mean of."""

    @classmethod
    def of(cls, members: list[Member]) -> Group:
        """Counts over ``members``; accounts without data (not judged) are left out of shares."""
        judged = [m for m in members if m.judged]
        flagged = sum(m.flagged for m in judged)
        patterns = Counter(p for m in judged if m.flagged for p in (m.patterns or ["unspecified"]))
        scores = [float(m.score) for m in judged if m.calibrated and m.score is not None]
        return cls(
            members=members,
            judged=len(judged),
            flagged=flagged,
            flagged_share=flagged / len(judged) if judged else None,
            interval=wilson(flagged, len(judged)),
            patterns=dict(sorted(patterns.items(), key=lambda kv: (-kv[1], kv[0]))),
            expected_share=sum(scores) / len(scores) if scores else None,
            expected_of=len(scores),
        )


@dataclass
class AuditReport:
    """Everything the audit shows; :meth:`to_json` is the ``--json`` output."""

    target: Target
    followers: Group
    repliers: Group
    quality: float | None
    quality_interval: tuple[float, float] | None
    declared_followers: int | None
    is_sample: bool
    flagged_posts: list[dict[str, Any]]
    posts_received: int
    growth: Growth
    likers: Group
    flagged_likes: list[dict[str, Any]]
    likes_received: int
    count_growth: CountGrowth
    notes: list[str] = field(default_factory=list)
    share_error: dict[str, Any] | None = None
    """How far the flagged share was from the true share on labelled sources the model was not
    trained on (leave one source out, from the shipped model's card); None without a card."""
    credibility: Credibility | None = None
    """The follower count beside what the audience does (:mod:`tigerblood.reports.credibility`)."""

    def plain_words(self, lang: Lang | None = None) -> list[str]:
        """The paragraph in plain words, one sentence per item."""
        if self.credibility is None:
            return []
        return plain_words(self.credibility, lang or get_lang("en"))

    def to_json(self, lang: Lang | None = None) -> dict[str, Any]:
        """A plain dict (every account and post id behind every number); the paragraph in plain
        words is in ``lang`` (English by default)."""
        data = asdict(self)
        data["target"] = {**asdict(self.target), "key": self.target.key}
        return {"report": "audit", **data, "plain_words": self.plain_words(lang)}


def quality_score(groups: list[Group]) -> tuple[float | None, tuple[float, float] | None]:
    """100 × share of judged followers, repliers and likers not flagged, each role counted once.

    An account that both follows and replies counts twice (once per role). The interval is the
    Wilson 95 % interval on the flagged share, mapped onto the score.
    """
    judged = sum(g.judged for g in groups)
    flagged = sum(g.flagged for g in groups)
    if judged == 0:
        return None, None
    low, high = wilson(flagged, judged)
    return 100.0 * (1 - flagged / judged), (100.0 * (1 - high), 100.0 * (1 - low))


def measured_share_error() -> dict[str, Any] | None:
    """The shipped model's leave-one-source-out error of the flagged share and of the expected
    share, per source and at worst, in share points: what "N% of your followers are flagged"
    and "about N% are inauthentic" are worth (docs/evaluation.md)."""
    import orjson

    from tigerblood.learn.detector import default_model_path

    path = default_model_path()
    if not path.exists():
        return None
    # The card only: building the booster to read a few numbers would be wasted work.
    card = orjson.loads(path.read_bytes()).get("card") or {}
    loo = card.get("evaluation", {}).get("leave_one_out")
    if not loo:
        return None
    sources = [
        {
            "source": r["source"],
            "flagged_share": round(r["flagged_share"], 4),
            "true_share": round(r["true_share"], 4),
            "error": round(r["flagged_share"] - r["true_share"], 4),
            **(
                {
                    "expected_share": round(r["expected_share"], 4),
                    "expected_error": round(r["expected_share"] - r["true_share"], 4),
                }
                if "expected_share" in r
                else {}
            ),
        }
        for r in loo["sources"]
    ]
    errors = [abs(r["error"]) for r in sources]
    expected = [abs(r["expected_error"]) for r in sources if "expected_error" in r]
    return {
        "method": "leave one source out: trained without the source, judged as scan judges",
        "sources": sources,
        "mean_abs_error": round(sum(errors) / len(errors), 4),
        "max_abs_error": round(max(errors), 4),
        **(
            {
                "expected_mean_abs_error": round(sum(expected) / len(expected), 4),
                "expected_max_abs_error": round(max(expected), 4),
            }
            if len(expected) == len(sources)
            else {}
        ),
    }


def audit(store: Store, account: str, index: AddressIndex | None = None) -> AuditReport:
    """Audit the audience of ``account`` (handle, id or ``platform:id``) in ``store``.

    Runs :func:`tigerblood.scan.judge` first when the store holds no verdicts yet. ``index``
    (built once for many audits of one store) makes finding repliers fast; the report is the
    same with or without it.
    """
    ensure_judged(store)
    target = resolve(store, account)
    if target is None:
        raise AccountNotFoundError(account)
    fol = Group.of(followers(store, target))
    rep = Group.of(repliers(store, target, index))
    lik = Group.of(likers(store, target))
    quality, interval = quality_score([fol, rep, lik])
    points = readings(store, target)  # the latest reading beats the first profile stored
    declared = points[-1][1] if points else target.followers_count
    grown = growth(fol.members)
    counted = count_growth(points, fol.members)
    share_error = measured_share_error()
    credible = credibility(
        declared,
        fol.members,
        rep.members,
        lik.members,
        _posting(store, target),
        _likes_known(store, target),
        grown,
        counted,
        (share_error or {}).get("expected_mean_abs_error"),
    )
    notes = []
    if not fol.members:
        notes.append("no_followers_observed")
    if any(not m.judged for m in fol.members + rep.members):
        notes.append("some_not_judged")
    return AuditReport(
        target=target,
        followers=fol,
        repliers=rep,
        quality=quality,
        quality_interval=interval,
        declared_followers=declared,
        is_sample=declared is not None and declared > len(fol.members) > 0,
        flagged_posts=_flagged_posts(rep),
        posts_received=sum(len(m.posts) for m in rep.members),
        growth=grown,
        likers=lik,
        flagged_likes=_flagged_posts(lik),
        likes_received=sum(len(m.posts) for m in lik.members),
        count_growth=counted,
        notes=notes,
        share_error=share_error,
        credibility=credible,
    )


def _posting(store: Store, target: Target) -> set[str]:
    """Followers of ``target`` whose own posts are in the data (only they can be seen replying)."""
    rows = store.sql(
        "SELECT DISTINCT account_id FROM posts WHERE platform = ? AND account_id IN "
        "(SELECT follower_id FROM follows WHERE platform = ? AND followee_id = ?)",
        [target.platform, target.platform, target.account_id],
    )
    return {r[0] for r in rows}


def _likes_known(store: Store, target: Target) -> bool:
    """Whether the data holds any like on the target's platform (else likes cannot be told)."""
    rows = store.sql("SELECT count(*) FROM likes WHERE platform = ?", [target.platform])
    return bool(rows[0][0])


def _flagged_posts(group: Group) -> list[dict[str, Any]]:
    """Every post (reply, mention or like) that came from a flagged member, with who sent it."""
    return [
        {"account_id": m.account_id, "handle": m.handle, "patterns": m.patterns, **post}
        for m in group.members
        if m.flagged
        for post in m.posts
    ]
