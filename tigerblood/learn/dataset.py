"""Training data: the feature table of labelled sources, as X (numbers), y (labels) and keys.

The model may only see features that mean the same thing on every platform and under every way
of collecting data: shares, rates, timing, reciprocity and the profile's own counts. Left out:

- identifiers (``platform``, ``account_id``, ``handle``) and ``top_url``: they name an account or
  a link, so a model using them memorises the data set instead of learning behaviour;
- counts of what the collector happened to fetch (``observed_posts``, ``distinct_urls``,
  ``top_url_repeat_count``, ``distinct_reply_targets``): Cresci-2015 crawled up to 3,200 tweets of
  each genuine account but a few dozen of most fakes, so these counts teach the crawl, not the
  account. Their shares (``link_share``, ``top_url_share``, ``reply_share``) carry the behaviour.

Each account appears once per post window (:mod:`tigerblood.learn.windows`): its latest 1, 3,
10, ... posts and all of them, a window dropped when the account has no more posts than it
holds (the view would repeat "all posts"); and each window once more with the profile's counts
hidden. Accounts without any post are left out: ``scan``
judges them by the rules, so the model never meets them, and in research sets their absence of
posts says more about the crawl than about the account.

Example (a labelled folder in the tabular layout)::

    data = load_dataset([Path("examples/cresci-2015-sample")])
    data.accounts, len(data), int(data.full_view().y.sum())
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tigerblood.features.compute import DESCRIPTIONS, compute_features
from tigerblood.ingest.pipeline import ingest
from tigerblood.learn.windows import ALL_POSTS, COUNT_VIEWS, PROFILE_ONLY, WINDOWS, seen_through
from tigerblood.store import Store

KEYS = ("platform", "account_id")

FEATURES: tuple[str, ...] = (
    "interval_cv",
    "link_share",
    "replies_with_link_share",
    "top_url_share",
    "reply_share",
    "reply_to_non_followers_share",
    "followers_count",
    "followers_per_following",
    "duplicate_text_share",
    "mention_share",
)
"""The model's inputs, in a fixed order (the saved model records the order it was trained on)."""

DECLARED_COUNTS = ("followers_count", "following_count", "followers_per_following")
"""Inputs only a profile can tell; unknown to the model when they were counted from edges."""

EXCLUDED: dict[str, str] = {
    "posts_count": "its norm differs by platform (a genuine Instagram account has posted 30 "
    "pictures, a genuine Twitter account thousands of tweets): with it, leaving Cresci-2015 out "
    "scored AUC 0.89 there, without it 0.96",
    "following_count": "its norm differs by platform (500 is ordinary on Instagram and Bluesky, "
    "rare for a silent 2013 Twitter account); followers_per_following keeps the reciprocity",
    "account_age_days": "known in one training source only (cresci-stock-2018): Cresci-2015 and "
    "InstaFake give no creation date, so the model would learn it from one source's quirks",
    "posts_per_day": "declared posts per day of age in one source, observed posts per crawled day "
    "in another: the same name would mean two things in training",
    "median_interval_s": "sets the crawl's pace as much as the account's (Cresci-2015's fakes "
    "were crawled years after their few posts)",
    "hashtag_share": "a habit of a platform and a year (2013 Twitter), not of inauthenticity: "
    "genuine accounts in quick reply exchanges were named after it",
    "shortened_link_share": "every Cresci-2015 link is t.co-wrapped and shorteners are counted "
    "only beside it: a collection quirk more than a behaviour",
    "top_url": "a link, not a number: it names one campaign",
    "counts_declared": "not an input: it hides counts the profile did not declare (feature_matrix)",
    "observed_posts": "how many posts the collector fetched, not how the account behaves",
    "distinct_urls": "grows with the posts fetched",
    "top_url_repeat_count": "grows with the posts fetched (top_url_share is kept)",
    "replies_with_link_count": "grows with the posts fetched (replies_with_link_share is kept)",
    "distinct_reply_targets": "grows with the posts fetched (reply_share is kept)",
    "conversations_joined": "no reply threads in the training data (Cresci-2015 keeps text only)",
    "distinct_partners": "no reply threads in the training data",
    "turns_per_conversation": "no reply threads in the training data",
    "own_turns_per_conversation": "no reply threads in the training data",
    "pitch_ending_share": "no reply threads in the training data",
    "link_ending_share": "no reply threads in the training data",
    "same_link_across_partners": "no reply threads in the training data",
    "campaign_count": "campaigns in Cresci-2015 are genuine users' templates (docs/detectors.md)",
    "campaign_items": "campaigns in Cresci-2015 are genuine users' templates",
    "campaign_repeat_partners": "campaigns in Cresci-2015 are genuine users' templates",
    "largest_campaign_accounts": "campaigns in Cresci-2015 are genuine users' templates",
    "largest_campaign_id": "an identifier, not a number",
    "campaign_post_share": "campaigns in Cresci-2015 are genuine users' templates",
    "throwaway_campaign_accounts": "campaigns in Cresci-2015 are genuine users' templates",
    "throwaway_campaign_id": "an identifier, not a number",
    "throwaway_campaign_key": "a text, not a number",
    "throwaway_campaign_members": "a text, not a number",
    "throwaway_campaign_reason": "a text, not a number",
    "answering_reply_share": "no reply threads in any labelled source (Cresci-2015 has no reply "
    "ids): nothing to learn it from or check it on",
    "returns_after_answer_share": "no reply threads in any labelled source",
    "talked_with_accounts": "no reply threads in any labelled source; a count that grows with "
    "the posts collected",
    "pitched_to_accounts": "a count that grows with the posts collected; no threads or pitch "
    "scores in any labelled source",
    "pitched_account_share": "no threads or pitch scores in any labelled source",
    "big_target_share": "no follower counts of reply targets in any labelled source",
    "big_target_promo_share": "no follower counts of reply targets in any labelled source",
    "declared_bot": "a declaration, not a behaviour: it decides how a verdict is worded, not the "
    "score the model learns (no training source has it)",
    "own_site": "a host name, not a number",
    "top_url_on_own_site": "a declaration of what the account is (a brand or service publishing "
    "its own site), which decides how a verdict is worded; no labelled source shows profile links "
    "unwrapped (Cresci-2015's are t.co)",
}
NON_NUMERIC = frozenset(
    {
        "top_url",
        "own_site",
        "largest_campaign_id",
        "throwaway_campaign_id",
        "throwaway_campaign_key",
        "throwaway_campaign_members",
        "throwaway_campaign_reason",
    }
)
"""Feature-table columns deliberately not used by the model, with the reason."""


def unclassified_features() -> set[str]:
    """Feature-table columns neither used nor excluded: a new feature needs a decision here
    (a test keeps this empty; a model keeps predicting meanwhile, it records its own inputs)."""
    return set(DESCRIPTIONS) - set(FEATURES) - set(EXCLUDED)


@dataclass
class TrainingData:
    """Rows are views of accounts. ``X`` holds :data:`FEATURES` as floats (NaN = unknown), ``y``
    0/1, ``keys`` platform, account_id and handle, and ``context`` the :data:`EXCLUDED` numeric
    columns, which baselines may read (published rule sets count posts) but the model never
    does; ``window`` the posts each row saw (``inf``: all), ``counts`` whether it saw the
    profile's counts, and ``groups`` one integer per account, shared by its views. All aligned
    row for row; without views a row is an account.
    """

    X: pd.DataFrame
    y: np.ndarray
    keys: pd.DataFrame
    context: pd.DataFrame = field(default_factory=pd.DataFrame)
    window: np.ndarray = field(default_factory=lambda: np.empty(0))
    counts: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    groups: np.ndarray = field(default_factory=lambda: np.empty(0, dtype="int64"))
    postless_accounts: int = 0
    """Labelled accounts whose posts the data does not hold (judged from their profile alone)."""
    sources: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    """The labelled source each row comes from (its folder name), for weighting and for leaving
    one source out."""

    def __post_init__(self) -> None:
        if len(self.window) != len(self.y):
            self.window = np.full(len(self.y), ALL_POSTS)
        if len(self.counts) != len(self.y):
            self.counts = np.ones(len(self.y), dtype=bool)
        if len(self.groups) != len(self.y):
            self.groups = np.arange(len(self.y), dtype="int64")
        if len(self.sources) != len(self.y):
            self.sources = np.full(len(self.y), "data", dtype=object)

    def __len__(self) -> int:
        return len(self.y)

    @property
    def accounts(self) -> int:
        """Distinct accounts (rows count each window of an account)."""
        return len(np.unique(self.groups))

    def subset(self, rows: np.ndarray) -> TrainingData:
        """The rows at positions ``rows`` (a fold, a half, one window)."""
        return TrainingData(
            self.X.iloc[rows].reset_index(drop=True),
            self.y[rows],
            self.keys.iloc[rows].reset_index(drop=True),
            self.context.iloc[rows].reset_index(drop=True) if len(self.context) else self.context,
            self.window[rows],
            self.counts[rows],
            self.groups[rows],
            self.postless_accounts,
            self.sources[rows],
        )

    def source_names(self) -> list[str]:
        """The labelled sources present, in first-appearance order."""
        return list(dict.fromkeys(self.sources.tolist()))

    def of_sources(self, names: Sequence[str]) -> TrainingData:
        """The rows of the named sources only (leave-one-source-out splits)."""
        return self.subset(np.flatnonzero(np.isin(self.sources, list(names))))

    def full_view(self) -> TrainingData:
        """One row per account: the view with all its posts and the profile's counts."""
        return self.at_most(ALL_POSTS)

    def at_most(self, window: float, counts: bool = True) -> TrainingData:
        """One row per account: what a collector fetching up to ``window`` latest posts sees
        (and, unless ``counts``, no profile counts).

        That is the account's ``window`` row, or its all-posts row when it has no more posts
        than that (such views were not kept twice), so every window judges the same accounts.
        """
        frame = pd.DataFrame({"group": self.groups, "window": self.window})
        frame = frame[(frame["window"] >= window) & (self.counts == counts)]
        rows = frame.reset_index().sort_values(["group", "window"]).groupby("group").head(1)
        return self.subset(np.sort(rows["index"].to_numpy()))


def half_of(account_id: str) -> int:
    """A fixed half (0 or 1) for an account, the same on every machine and every run.

    SHA-256 rather than ``hash()``, which Python salts per process, so "train on half 0, test on
    half 1" names the same accounts in every report.

    >>> half_of("3610511") in (0, 1)
    True
    """
    return hashlib.sha256(account_id.encode("utf-8")).digest()[0] & 1


def feature_matrix(
    features: pa.Table | pd.DataFrame, columns: Sequence[str] = FEATURES
) -> pd.DataFrame:
    """The model's input columns as float64; a column the table lacks is all NaN (unknown).

    A Bluesky feature table may miss a Twitter-only column; the model then treats it as missing,
    exactly as LightGBM learned to treat missing values, instead of failing.

    Follower and following counts the profile did not declare (``counts_declared`` false) are
    hidden too: counted from the follow edges a feed happened to carry, they are a lower bound
    (a day of Jetstream shows a genuine account following 3 and followed by none), which the
    model, trained on declared counts and on counts hidden, would read as a bought follower.
    """
    if isinstance(features, pa.Table):
        return _arrow_matrix(features, columns)
    frame = features
    out = pd.DataFrame(index=range(len(frame)))
    for name in columns:
        if name in frame.columns:
            out[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64").to_numpy()
        else:
            out[name] = np.nan
    if "counts_declared" in frame.columns:
        undeclared = ~frame["counts_declared"].fillna(False).astype(bool).to_numpy()
        hidden = [c for c in DECLARED_COUNTS if c in out.columns]
        out.loc[undeclared, hidden] = np.nan
    return out


def _arrow_matrix(table: pa.Table, columns: Sequence[str]) -> pd.DataFrame:
    """:func:`feature_matrix` of an Arrow table, column by column in Arrow: the live feed builds
    one per micro-batch, and going through a whole pandas frame first cost more than the model."""
    n = table.num_rows
    names = set(table.column_names)
    undeclared = (
        ~pc.fill_null(table.column("counts_declared"), False).to_numpy(zero_copy_only=False)
        if "counts_declared" in names
        else np.zeros(n, dtype=bool)
    )
    data: dict[str, np.ndarray] = {}
    for name in columns:
        kind = table.schema.field(name).type if name in names else None
        if kind is None:
            values = np.full(n, np.nan)
        elif pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind):
            values = pc.cast(table.column(name), pa.float64()).to_numpy(zero_copy_only=False)
            values = values.copy()  # writable: counts not declared are hidden below
        else:
            values = pd.to_numeric(table.column(name).to_pandas(), errors="coerce").to_numpy()
            values = values.astype("float64")
        if name in DECLARED_COUNTS:
            values[undeclared] = np.nan
        data[name] = values
    return pd.DataFrame(data, index=range(n), columns=list(columns))


def assemble(features: pa.Table | pd.DataFrame, labels: pa.Table | pd.DataFrame) -> TrainingData:
    """Join features and labels on (platform, account_id); unlabelled accounts are dropped.

    Accounts without posts in the data stay: they are judged from their profile, as an audit's
    followers and the profile-only research sets are. Rows are sorted by source, key, then
    window, so the same inputs give the same rows in the same order, and fold assignment with a
    seed is reproducible. A table without ``posts_window`` holds all posts of each account; one
    without ``source`` is one source, ``data``.
    """
    feats = features.to_pandas() if isinstance(features, pa.Table) else features.copy()
    labs = labels.to_pandas() if isinstance(labels, pa.Table) else labels.copy()
    labs = labs[[*KEYS, "label"]].dropna(subset=["label"]).drop_duplicates(list(KEYS))
    for frame in (feats, labs):
        for key in KEYS:
            frame[key] = frame[key].astype(str)
    if "posts_window" not in feats.columns:
        feats["posts_window"] = ALL_POSTS
    if "profile_counts" not in feats.columns:
        feats["profile_counts"] = True
    if "source" not in feats.columns:
        feats["source"] = "data"
    joined = feats.merge(labs, on=list(KEYS), how="inner", suffixes=("", "_label"))
    postless = 0
    if "observed_posts" in joined.columns:
        full = joined[np.isinf(joined["posts_window"].astype("float64"))]
        postless = int(
            full.loc[full["observed_posts"].fillna(0) == 0, list(KEYS)].drop_duplicates().shape[0]
        )
    joined = joined.sort_values(
        ["source", *KEYS, "profile_counts", "posts_window"],
        ascending=[True, True, True, False, True],
        kind="stable",
    ).reset_index(drop=True)
    if "handle" not in joined.columns:
        joined["handle"] = None
    keys = joined[[*KEYS, "handle"]].reset_index(drop=True)
    context = feature_matrix(
        joined, [c for c in EXCLUDED if c not in NON_NUMERIC and c in joined.columns]
    )
    groups = joined.groupby(["source", *KEYS], sort=False).ngroup().to_numpy(dtype="int64")
    return TrainingData(
        feature_matrix(joined),
        joined["label"].astype(int).to_numpy(),
        keys,
        context,
        joined["posts_window"].astype("float64").to_numpy(),
        joined["profile_counts"].astype(bool).to_numpy(),
        groups,
        postless,
        joined["source"].astype(str).to_numpy(dtype=object),
    )


def _views(has_posts: bool, windows: Sequence[float], count_views: Sequence[bool]) -> list[View]:
    """The (window, counts) views worth computing: a source without posts has one (its
    profiles), and a view with neither posts nor counts would know nothing."""
    if not has_posts:
        return [(ALL_POSTS, True)]
    return [(w, c) for c in count_views for w in windows if c or w > PROFILE_ONLY]


View = tuple[float, bool]


def window_features(
    store: Store, windows: Sequence[float] = WINDOWS, count_views: Sequence[bool] = COUNT_VIEWS
) -> pd.DataFrame:
    """The feature table once per window and count view, stacked, with the view in
    ``posts_window`` and ``profile_counts``.

    A window that holds every post of an account repeats its "all posts" row and is dropped.
    """
    views = []
    for window, counts in _views(store.count("posts") > 0, windows, count_views):
        with seen_through(store, window, counts):
            view = compute_features(store, keep=False).to_pandas()
        view["posts_window"] = window
        view["profile_counts"] = counts
        views.append(view)
    stacked = pd.concat(views, ignore_index=True)
    full = stacked[np.isinf(stacked["posts_window"]) & stacked["profile_counts"]]
    total = stacked[list(KEYS)].merge(full[[*KEYS, "observed_posts"]], on=list(KEYS), how="left")[
        "observed_posts"
    ]
    keep = np.isinf(stacked["posts_window"]) | (
        stacked["posts_window"].to_numpy() < total.fillna(0).to_numpy()
    )
    # Without posts and without counts a row knows nothing of the account.
    keep &= stacked["profile_counts"].to_numpy() | (total.fillna(0).to_numpy() > 0)
    return stacked[keep].reset_index(drop=True)


def source_name(source: Path) -> str:
    """A labelled source's name in reports: its folder (or file) name.

    >>> source_name(Path("../shared/data/instafake-2019"))
    'instafake-2019'
    """
    return source.resolve().name if source.name in ("", ".", "..") else source.name


def cache_file(cache: Path, source: Path, windows: Sequence[float]) -> Path:
    """Where a source's feature table is cached inside the folder ``cache``: named after the
    source, the windows and the feature definitions, so a change to either misses the cache."""
    spec = repr((sorted(DESCRIPTIONS.items()), list(windows), list(COUNT_VIEWS)))
    digest = hashlib.sha256(spec.encode()).hexdigest()[:12]
    return cache / f"{source_name(source)}-{digest}.parquet"


def _source_features(source: Path, windows: Sequence[float]) -> pd.DataFrame:
    store = Store()
    try:
        report = ingest([source], store, with_labels=True)
        if report.failed_sources:
            raise ValueError("cannot read: " + "; ".join(report.failed_sources))
        if store.count("labels") == 0:
            raise ValueError(
                f"{source}: no labels found; learning needs a labels "
                "file (platform, account_id, label) beside the accounts"
            )
        features = window_features(store, windows)
        labels = store.arrow("SELECT platform, account_id, label FROM labels").to_pandas()
    finally:
        store.close()
    joined = features.merge(labels, on=list(KEYS), how="inner")
    joined["source"] = source_name(source)
    return joined


def load_features(
    sources: Sequence[Path],
    cache: Path | None = None,
    windows: Sequence[float] = WINDOWS,
    reviews: Sequence[Path] = (),
) -> pd.DataFrame:
    """Feature table (one row per account and window) joined with labels for ``sources``, each
    source loaded on its own and named in ``source``.

    Loading Cresci-2015 (2.8 million tweets) spends minutes extracting links and mentions, once
    per window; ``cache`` (a folder) keeps each source's table as Parquet
    (:func:`cache_file`), so a second ``eval`` or a leave-one-out run starts in seconds.
    ``reviews`` are stores whose confirmed and dismissed reviews label their accounts
    (:mod:`tigerblood.learn.reviews`); never cached, as reviews keep coming.
    """
    from tigerblood.learn.reviews import review_features

    frames = [review_features(path, windows) for path in reviews]
    for source in sources:
        path = cache_file(cache, source, windows) if cache is not None else None
        if path is not None and path.exists():
            frames.append(pq.read_table(path).to_pandas())
            continue
        frame = _source_features(source, windows)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
        frames.append(frame)
    if not frames:
        raise ValueError("nothing to learn from: give labelled sources or --reviews STORE")
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def load_dataset(
    sources: Sequence[Path],
    cache: Path | None = None,
    windows: Sequence[float] = WINDOWS,
    reviews: Sequence[Path] = (),
) -> TrainingData:
    """X, y and keys for labelled ``sources`` and reviewed stores (see :func:`load_features`)."""
    joined = load_features(sources, cache, windows, reviews)
    return assemble(joined.drop(columns=["label"]), joined[[*KEYS, "label"]])
