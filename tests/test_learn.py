"""The learned detector: data assembly, calibrated model, explanations, evaluation harness."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import duckdb
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pytest

from tigerblood.detectors.registry import build_detectors
from tigerblood.learn.baselines import (
    CamisaniCalzolari,
    SimpleRule,
    Socialbakers,
    StateOfSearch,
)
from tigerblood.learn.combine import model_verdicts
from tigerblood.learn.dataset import FEATURES, TrainingData, assemble, feature_matrix, half_of
from tigerblood.learn.detector import (
    LearnedDetector,
    default_model_path,
    pattern_of_feature,
    probability_shares,
)
from tigerblood.learn.evaluate import cross_validate, eval_command, learn_command
from tigerblood.learn.model import (
    LearnedModel,
    account_weights,
    fold_rows,
    shift_prevalence,
    sigmoid,
)
from tigerblood.scan import run_detectors
from tigerblood.scoring import verdicts

SMALL = {"num_trees": 30, "calibration_folds": 3, "params": {"min_data_in_leaf": 5}}
"""A model small enough for 80 accounts: the protocol is the same, only the size changes."""

COUNTS = {
    "followers_count",
    "following_count",
    "posts_count",
    "observed_posts",
    "account_age_days",
    "top_url_repeat_count",
    "distinct_urls",
    "distinct_reply_targets",
}


def write_layout(folder: Path, accounts: int = 80, seed: int = 7) -> Path:
    """A labelled folder in the tabular layout: silent mass-followers vs. chatty accounts."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    acc, posts, labels = [], [], []
    start = pd.Timestamp("2013-01-01", tz="UTC")
    for i in range(accounts):
        fake = i % 2 == 0
        aid = str(1_000_000 + i)
        following = int(rng.integers(150, 700) if fake else rng.integers(40, 900))
        followers = int(rng.integers(0, 45) if fake else rng.integers(60, 2500))
        n_posts = int(rng.integers(0, 6) if fake else rng.integers(8, 14))
        acc.append(("twitter", aid, f"user{i}", followers, following, n_posts))
        labels.append(("twitter", aid, int(fake), "fake_follower" if fake else "genuine", "test"))
        t = start + pd.Timedelta(days=int(rng.integers(0, 30)))
        for k in range(n_posts):
            t += pd.Timedelta(minutes=int(rng.integers(20, 3000)))
            text = (
                f"nice day {k % 2}"
                if fake
                else f"@friend{k} look at http://example.com/{i}/{k} #topic{k % 3} ok?"
            )
            posts.append(("twitter", f"{aid}{k:03d}", aid, t.isoformat(), text))
    pd.DataFrame(
        acc,
        columns=[
            "platform",
            "account_id",
            "handle",
            "followers_count",
            "following_count",
            "posts_count",
        ],
    ).to_csv(folder / "accounts.csv", index=False)
    pd.DataFrame(posts, columns=["platform", "post_id", "account_id", "created_at", "text"]).to_csv(
        folder / "posts.csv", index=False
    )
    pd.DataFrame(labels, columns=["platform", "account_id", "label", "kind", "source"]).to_csv(
        folder / "labels.csv", index=False
    )
    return folder


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_layout(tmp_path_factory.mktemp("learn") / "data")


@pytest.fixture(scope="module")
def feature_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One feature cache for the layout per worker: the learn and eval commands read the views
    the dataset fixture computed (13 feature queries each otherwise)."""
    return tmp_path_factory.mktemp("features")


@pytest.fixture(scope="module")
def loaded(layout: Path, feature_cache: Path) -> tuple[TrainingData, pa.Table]:
    from tigerblood.features.compute import compute_features
    from tigerblood.ingest.pipeline import ingest
    from tigerblood.learn.dataset import load_dataset
    from tigerblood.store import Store

    store = Store()
    ingest([layout], store)
    return load_dataset([layout], feature_cache), compute_features(store)


@pytest.fixture(scope="module")
def fitted(loaded: tuple[TrainingData, pa.Table]) -> LearnedModel:
    data, _ = loaded
    return LearnedModel(seed=0, **SMALL).fit(data.X, data.y, data.groups)


@pytest.fixture(scope="module")
def model_file(fitted: LearnedModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fitted.save(tmp_path_factory.mktemp("model") / "model.json")


# -- data ------------------------------------------------------------------------------------


def test_half_of_is_the_first_bit_of_sha256_and_splits_evenly() -> None:
    assert half_of("3610511") == hashlib.sha256(b"3610511").digest()[0] & 1
    share = np.mean([half_of(str(i)) for i in range(4000)])
    assert 0.45 < share < 0.55


def test_when_labels_meet_features_then_only_labelled_accounts_of_the_same_platform_join() -> None:
    features = pd.DataFrame(
        {
            "platform": ["twitter", "twitter", "bluesky"],
            "account_id": ["1", "2", "1"],
            "handle": ["a", "b", "c"],
            "followers_count": [5, 6, 7],
        }
    )
    labels = pd.DataFrame(
        {"platform": ["twitter", "mastodon"], "account_id": ["1", "2"], "label": [1, 0]}
    )
    data = assemble(features, labels)
    assert data.keys[["platform", "account_id"]].values.tolist() == [["twitter", "1"]]
    assert data.y.tolist() == [1]
    assert data.X.loc[0, "followers_count"] == 5


def test_every_feature_is_either_a_model_input_or_excluded_with_a_reason() -> None:
    from tigerblood.learn.dataset import EXCLUDED, unclassified_features

    assert unclassified_features() == set()
    assert not set(FEATURES) & set(EXCLUDED)


def test_when_a_feature_column_is_absent_then_the_model_sees_it_as_unknown() -> None:
    frame = feature_matrix(pa.table({"followers_count": [3]}))
    assert list(frame.columns) == list(FEATURES)
    assert frame.loc[0, "followers_count"] == 3.0
    assert math.isnan(frame.loc[0, "link_share"])


def test_labelled_layout_loads_as_post_windows_and_profiles_of_every_account(
    loaded: tuple[TrainingData, pa.Table],
) -> None:
    data, features = loaded
    observed = features.to_pandas().set_index("account_id")["observed_posts"]
    assert data.postless_accounts == int((observed == 0).sum()) > 0
    # Accounts without posts stay, judged from their profile as an audit's followers are.
    assert data.accounts == 80
    full = data.full_view()
    assert full.keys["account_id"].is_unique and len(full) == data.accounts
    assert int(full.y.sum()) == 40
    assert "handle" not in data.X.columns and "top_url" not in data.X.columns
    # A window is kept only where it cuts the timeline: fewer posts than the account has.
    seen = data.context["observed_posts"].to_numpy()
    total = observed.loc[data.keys["account_id"]].to_numpy()
    cut = ~np.isinf(data.window)
    assert cut.any() and (data.window[cut] < total[cut]).all()
    assert (seen[cut] == data.window[cut]).all() and (seen[~cut] == total[~cut]).all()
    # One group per account, the same for all its views.
    pairs = set(zip(data.keys["account_id"], data.groups, strict=True))
    assert len(pairs) == data.accounts == len({g for _, g in pairs})


def test_a_view_read_through_shadow_tables_equals_the_windowed_expression(layout: Path) -> None:
    """Learning reads each view through one compiled query over shadowing tables; the rows are
    those of the feature expression built over the windowed tables themselves."""
    from tigerblood.features.compute import compute_features, feature_expr, tables_of
    from tigerblood.ingest.pipeline import ingest
    from tigerblood.learn.windows import seen_through, windowed
    from tigerblood.store import Store

    store = Store()
    ingest([layout], store)
    expected = feature_expr(windowed(tables_of(store), 3, counts=False)).to_pyarrow()
    whole = compute_features(store)
    with seen_through(store, 3, counts=False):
        shadowed = compute_features(store, keep=False)
    assert shadowed.equals(expected.cast(shadowed.schema))
    assert not shadowed.equals(whole)
    # The block leaves the stored tables as they were, and the stored feature table too.
    assert compute_features(store, keep=False).equals(whole)
    assert store.arrow("SELECT * FROM features").equals(whole)
    store.close()


def test_every_view_is_also_seen_without_the_profile_counts_as_a_jetstream_feed_gives_them(
    loaded: tuple[TrainingData, pa.Table],
) -> None:
    data, _ = loaded
    # Every view holding posts is seen twice; the profile alone only with its counts.
    with_posts = data.context["observed_posts"].to_numpy() > 0
    hidden, shown = (
        data.subset(np.flatnonzero(~data.counts)),
        data.subset(np.flatnonzero(data.counts & with_posts)),
    )
    assert len(hidden) == len(shown) and (data.context["observed_posts"][~data.counts] > 0).all()
    for column in ("followers_count", "followers_per_following"):
        assert hidden.X[column].isna().all() and shown.X[column].notna().all()
    # posts_count falls back to the posts observed, exactly as for a source without counts
    assert (hidden.context["posts_count"] == hidden.context["observed_posts"]).all()
    assert (hidden.X["link_share"].to_numpy() == shown.X["link_share"].to_numpy()).all()


@pytest.mark.parametrize("window", [1, 3, 10, math.inf])
def test_at_most_k_posts_sees_every_account_once_through_at_most_k_posts(
    loaded: tuple[TrainingData, pa.Table], window: float
) -> None:
    data, _ = loaded
    view = data.at_most(window)
    assert len(view) == data.accounts and view.keys["account_id"].is_unique
    assert (view.context["observed_posts"].to_numpy() <= window).all()


def test_calibration_folds_keep_every_view_of_an_account_on_one_side(
    loaded: tuple[TrainingData, pa.Table],
) -> None:
    data, _ = loaded
    held_in = [set(data.groups[held]) for _, held in fold_rows(data.y, data.groups, 3, seed=0)]
    for train, held in fold_rows(data.y, data.groups, 3, seed=0):
        assert not set(data.groups[train]) & set(data.groups[held])
    assert set().union(*held_in) == set(data.groups) and sum(map(len, held_in)) == data.accounts


def test_without_groups_folds_are_plain_stratified_k_fold() -> None:
    from sklearn.model_selection import StratifiedKFold

    y = np.array([0, 1] * 10)
    ours = fold_rows(y, None, 4, seed=3)
    plain = StratifiedKFold(4, shuffle=True, random_state=3).split(np.zeros(20), y)
    grouped = fold_rows(y, np.arange(20), 4, seed=3)
    for (a, b), (c, d), (e, f) in zip(ours, plain, grouped, strict=True):
        assert a.tolist() == c.tolist() == e.tolist() and b.tolist() == d.tolist() == f.tolist()


def test_each_account_weighs_one_so_the_prevalence_is_the_share_of_fake_accounts(
    fitted: LearnedModel, loaded: tuple[TrainingData, pa.Table]
) -> None:
    data, _ = loaded
    assert account_weights(data.groups).sum() == pytest.approx(data.accounts)
    assert fitted.prevalence == pytest.approx(data.full_view().y.mean())
    assert fitted.prevalence != pytest.approx(data.y.mean())  # rows would count genuine twice


# -- model -----------------------------------------------------------------------------------


def test_fit_predict_save_load_round_trips(
    fitted: LearnedModel, model_file: Path, loaded: tuple[TrainingData, pa.Table]
) -> None:
    data, _ = loaded
    saved = orjson.loads(model_file.read_bytes())  # plain JSON: loading runs no code
    assert saved["format"] == "tigerblood-learned-model"
    assert saved["features"] == list(FEATURES)
    again = LearnedModel.load(model_file)
    p = fitted.predict_proba(data.X)
    assert np.array_equal(again.predict_proba(data.X), p)
    assert ((p >= 0) & (p <= 1)).all()
    assert p[data.y == 1].mean() > p[data.y == 0].mean()


def test_contributions_sum_to_the_raw_log_odds(
    fitted: LearnedModel, loaded: tuple[TrainingData, pa.Table]
) -> None:
    data, _ = loaded
    contrib = fitted.contributions(data.X)
    assert contrib.shape == (len(data), len(FEATURES) + 1)
    assert np.allclose(contrib.sum(axis=1), fitted.raw_score(data.X), atol=1e-9)


def test_same_data_and_seed_give_the_same_model(
    loaded: tuple[TrainingData, pa.Table], fitted: LearnedModel
) -> None:
    data, _ = loaded
    again = LearnedModel(seed=0, **SMALL).fit(data.X, data.y, data.groups)
    assert np.array_equal(again.predict_proba(data.X), fitted.predict_proba(data.X))


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_calibration_is_monotone_in_the_raw_score(
    loaded: tuple[TrainingData, pa.Table], method: str
) -> None:
    data, _ = loaded
    model = LearnedModel(seed=0, calibration=method, **SMALL).fit(data.X, data.y)
    p = model.calibrate(np.linspace(-10, 10, 50))
    assert (np.diff(p) >= 0).all() and p.min() >= 0 and p.max() <= 1


@pytest.mark.parametrize(
    ("p", "trained", "target", "expected"),
    [
        (0.5, 0.5, 0.1, 0.1),  # no evidence either way: the prior
        (0.9, 0.5, 0.5, 0.9),  # same prevalence: unchanged
        (0.63, 0.63, 0.1, 0.1),  # a score equal to the training rate moves to the new rate
    ],
)
def test_prevalence_shift_swaps_the_prior_odds(
    p: float, trained: float, target: float, expected: float
) -> None:
    assert shift_prevalence(np.array([p]), trained, target)[0] == pytest.approx(expected)


def test_score_changes_add_up_to_the_distance_from_the_base_score() -> None:
    contrib = np.array([[2.0, -0.5, 1.0, 0.3], [0.0, 0.0, -3.0, -1.0]])
    changes, base = probability_shares(contrib, sigmoid)
    assert np.allclose(changes.sum(axis=1) + base, sigmoid(contrib.sum(axis=1)))
    assert changes[0, 0] > changes[0, 2] > 0 > changes[0, 1]


# -- detector --------------------------------------------------------------------------------


def expected_text(feature: str, value: float) -> str:
    """How the summary must quote a value: counts whole, shares as percentages."""
    if feature in COUNTS:
        return f"{round(value):,}"
    if feature.endswith("_share"):
        return f"{value:.0%}"
    if feature == "followers_per_following":
        return f"{value:.2f}"
    if feature == "posts_per_day":
        return f"{value:.2f} times a day"
    return ""


def test_detector_summaries_quote_the_accounts_own_numbers(
    model_file: Path, loaded: tuple[TrainingData, pa.Table]
) -> None:
    _, features = loaded
    findings = LearnedDetector(model_file).explain(features)
    assert len(findings) == features.num_rows
    truth = {r["account_id"]: r for r in features.to_pylist()}
    for finding in findings:
        tops = finding.evidence["top_features"]
        assert finding.summary.startswith("resembles the inauthentic accounts")
        assert len(tops) == 3 and finding.summary.split(": ", 1)[1].count(": ") == 3
        for top in tops:
            value = truth[finding.account_id][top["feature"]]
            if value is None or (isinstance(value, float) and math.isnan(value)):
                assert "unknown" in finding.summary
                continue
            assert expected_text(top["feature"], value) in finding.summary, (top, finding.summary)
            way = "pushes the score up" if top["score_change"] >= 0 else "pulls the score down"
            assert f"{way} by {abs(top['score_change']):.2f}" in finding.summary
        total = sum(finding.evidence["log_odds"][f] for f in FEATURES)
        assert total + finding.evidence["log_odds"]["base"] == pytest.approx(
            finding.evidence["log_odds"]["total"], abs=1e-3
        )


def test_detector_flags_only_at_or_above_min_score(
    model_file: Path, loaded: tuple[TrainingData, pa.Table]
) -> None:
    _, features = loaded
    detector = LearnedDetector(model_file, min_score=0.5)
    p = detector.predict(features)
    findings = detector.detect(features)
    assert len(findings) == int((p >= 0.5).sum())
    assert all(f.detector == "learned_model" and f.score >= 0.5 for f in findings)


@pytest.mark.parametrize(
    ("feature", "value", "pattern"),
    [
        ("followers_per_following", 0.02, None),
        ("link_share", 0.0, None),
        ("link_share", 0.9, "link_reply_spam"),
        ("replies_with_link_share", 0.8, "link_reply_spam"),
        ("duplicate_text_share", 0.6, "automation"),
        ("interval_cv", 0.1, "automation"),
        ("interval_cv", 2.0, None),
        ("mention_share", None, None),
    ],
)
def test_a_feature_value_indicates_a_behaviour_only_where_its_own_threshold_holds(
    feature: str, value: float | None, pattern: str | None
) -> None:
    assert pattern_of_feature(feature, value) == pattern


def test_when_the_model_file_is_missing_then_the_error_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(FileNotFoundError, match=r"nope\.json"):
        LearnedDetector(missing)


def test_when_no_default_model_is_shipped_then_the_error_says_how_to_train_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "tigerblood.learn.detector.default_model_path", lambda: tmp_path / "default_model.json"
    )
    with pytest.raises(FileNotFoundError, match="train_default"):
        LearnedDetector()


def test_the_shipped_default_model_loads_and_has_a_card() -> None:
    path = default_model_path()
    assert path.exists(), "run python -m tigerblood.learn.train_default"
    assert path.with_name("default_model_card.md").exists()
    detector = LearnedDetector()
    assert detector.model.features == list(FEATURES)
    assert detector.model.card["data"]["accounts"] > 5000


def test_with_the_model_on_score_is_the_calibrated_probability_and_rules_stay_evidence(
    model_file: Path, loaded: tuple[TrainingData, pa.Table]
) -> None:
    _, features = loaded
    detector = LearnedDetector(model_file)
    rules = [d for d in build_detectors() if d.name != "learned_model"]
    results = model_verdicts(features, run_detectors(features, rules), detector, threshold=0.5)
    p = detector.predict(features)
    by_model = [v["scored_by"] == "model" for v in results]
    assert by_model == [bool(n) for n in features.column("observed_posts").to_pylist()]
    assert [v["score"] for v, m in zip(results, by_model, strict=True) if m] == [
        round(float(x), 4) for x, m in zip(p, by_model, strict=True) if m
    ]
    for verdict in results:
        assert "rule_score" in verdict
        assert verdict["flagged"] == (verdict["score"] >= 0.5)
        if verdict["flagged"] and verdict["scored_by"] == "model":
            assert any(f["detector"] == "learned_model" for f in verdict["findings"])
        if verdict["flagged"] and not verdict["patterns"]:
            # Flagged by the model alone: its finding names what it learned, no behaviour.
            assert {f["pattern"] for f in verdict["findings"]} == {"resembles_known_fakes"}


def test_when_no_posts_are_observed_then_the_rules_judge_and_the_model_only_shows_its_score(
    model_file: Path, loaded: tuple[TrainingData, pa.Table]
) -> None:
    _, features = loaded
    index = features.schema.get_field_index("observed_posts")
    postless = features.set_column(
        index, "observed_posts", pa.array([0] * features.num_rows, pa.int64())
    )
    detector = LearnedDetector(model_file)
    rules = [d for d in build_detectors() if d.name != "learned_model"]
    findings = run_detectors(postless, rules)
    results = model_verdicts(postless, findings, detector, threshold=0.5)
    rules_only = verdicts(postless, findings, 0.5)
    for verdict, rule_verdict in zip(results, rules_only, strict=True):
        assert verdict["scored_by"] == "rules" and "no posts" in verdict["scored_by_reason"]
        assert (verdict["score"], verdict["flagged"]) == (
            rule_verdict["score"],
            rule_verdict["flagged"],
        )
        assert all(f["detector"] != "learned_model" for f in verdict["findings"])
        assert 0.0 <= verdict["model_score"] <= 1.0


# -- baselines and evaluation ----------------------------------------------------------------


def frame(**columns: list) -> pd.DataFrame:
    return pd.DataFrame(columns)


@pytest.mark.parametrize(
    ("baseline", "columns", "expected"),
    [
        (
            SimpleRule(),
            {"following_count": [100, 99, 500], "followers_count": [49, 10, 50]},
            [1, 0, 0],
        ),
        (
            Socialbakers(),
            {
                "following_count": [500, 10, 10, 10],
                "followers_count": [10, 10, 10, 10],
                "link_share": [0.0, 0.95, 0.1, 0.1],
                "posts_count": [5, 5, 0, 5],
            },
            [1, 1, 1, 0],
        ),
        (StateOfSearch(), {"following_count": [1000, 999], "followers_count": [10, 10]}, [1, 0]),
        (
            StateOfSearch(approximate=True),
            {"following_count": [10], "followers_count": [10], "duplicate_text_share": [0.2]},
            [1],
        ),
        (
            CamisaniCalzolari(),
            {
                "followers_count": [5, 100],
                "posts_count": [3, 900],
                "hashtag_share": [0.0, 0.2],
                "mention_share": [0.0, 0.5],
                "reply_share": [0.0, 0.1],
                "following_count": [300, 150],
            },
            [1, 0],
        ),
    ],
)
def test_rule_baselines_apply_their_published_criteria(baseline, columns, expected) -> None:
    labels, _ = baseline.predict(frame(**columns))
    assert labels.tolist() == expected


def test_cross_validation_reports_means_std_folds_baselines_and_calibration(
    loaded: tuple[TrainingData, pa.Table],
) -> None:
    data, _ = loaded
    result = cross_validate(data, folds=2, seed=0, **SMALL)
    for metric in ("precision", "recall", "f1", "auc", "mcc"):
        assert result["std"][metric] >= 0 and len(result["folds"]) == 2
        assert -1 <= result[metric] <= 1
    assert {
        "simple_rule",
        "botometer_lite_style",
        "camisani_calzolari",
        "state_of_search",
        "socialbakers",
    } <= set(result["baselines"])
    calibration = result["calibration"]
    assert calibration["observed_rate"] == pytest.approx(0.1, abs=0.03)
    assert result["protocol"]["accounts"] == data.accounts
    windows = result["windows"]
    views = ["latest 1", "latest 3", "latest 10", "all posts"]
    assert list(windows) == ["profile only", *views] + [f"{v}, no profile counts" for v in views]
    assert windows["all posts"]["f1"] == result["f1"]
    for window in windows.values():
        assert 0 <= window["genuine_flagged"] <= 1 and "simple_rule" in window["baselines"]


def test_learn_then_eval_commands_write_a_model_a_card_and_printable_results(
    layout: Path, feature_cache: Path, tmp_path: Path
) -> None:
    out = tmp_path / "m.json"
    summary = learn_command([layout], out, cache=feature_cache)
    assert out.exists() and Path(summary["card"]).read_text().startswith("# Model card")
    card = LearnedDetector(out).model.card["data"]
    assert card["accounts"] == 80 and card["postless_accounts"] > 0
    result = eval_command([layout], folds=2, seed=0, as_json=False, cache=feature_cache)
    assert {"precision", "recall", "f1", "auc", "mcc", "baselines", "published"} <= set(result)
    assert "learned_model" in result["text"] and "simple_rule" in result["text"]
    with pytest.raises(ValueError, match="both"):
        eval_command([layout], train=[layout])


# -- on the shared data (must run in CI) -----------------------------------------------------


def cresci_subsample(cresci: Path, folder: Path, bucket: int = 26, posts: int = 60) -> Path:
    """About a tenth of Cresci-2015 by a hash of the id, with each account's latest posts."""
    folder.mkdir(parents=True, exist_ok=True)
    labels = pd.read_csv(cresci / "labels.csv", dtype=str)
    keep = labels[[hashlib.sha256(a.encode()).digest()[0] < bucket for a in labels["account_id"]]]
    keep.to_csv(folder / "labels.csv", index=False)
    con = duckdb.connect()
    con.register("keep", keep[["account_id"]])
    con.execute(
        f"COPY (SELECT a.* FROM '{cresci}/accounts.parquet' a JOIN keep USING "
        f"(account_id)) TO '{folder}/accounts.parquet' (FORMAT parquet)"
    )
    con.execute(
        f"COPY (SELECT p.* FROM '{cresci}/posts.parquet' p JOIN keep USING (account_id) "
        f"QUALIFY row_number() OVER (PARTITION BY p.account_id ORDER BY p.created_at "
        f"DESC) <= {posts}) TO '{folder}/posts.parquet' (FORMAT parquet)"
    )
    con.close()
    return folder


@pytest.mark.slow
@pytest.mark.shared_data
def test_on_cresci_2015_the_model_beats_the_simple_rule_in_the_same_folds(
    shared_data: Path, tmp_path: Path
) -> None:
    from tigerblood.learn.dataset import load_dataset

    folder = cresci_subsample(shared_data / "cresci-2015", tmp_path / "cresci")
    data = load_dataset([folder])
    assert data.accounts > 300 and 0 < data.y.mean() < 1
    result = cross_validate(data, folds=2, seed=0)
    simple = result["baselines"]["simple_rule"]
    assert result["f1"] > simple["f1"], (result["f1"], simple["f1"])
    assert result["auc"] > simple["auc"]


@pytest.mark.parametrize(
    ("posts", "declared", "scored_by", "reason"),
    [
        (0, True, "rules", "no posts"),
        (3, False, "rules", "no profile counts"),
        (9, False, "rules", "no profile counts"),
        (10, False, "model", None),
        (3, True, "model", None),
    ],
)
def test_without_profile_counts_the_model_waits_for_enough_posts(
    model_file: Path,
    loaded: tuple[TrainingData, pa.Table],
    posts: int,
    declared: bool,
    scored_by: str,
    reason: str | None,
) -> None:
    _, features = loaded
    rows = features.num_rows
    table = features.set_column(
        features.schema.get_field_index("observed_posts"),
        "observed_posts",
        pa.array([posts] * rows, pa.int64()),
    ).set_column(
        features.schema.get_field_index("counts_declared"),
        "counts_declared",
        pa.array([declared] * rows, pa.bool_()),
    )
    detector = LearnedDetector(model_file)
    rules = [d for d in build_detectors() if d.name != "learned_model"]
    results = model_verdicts(table, run_detectors(table, rules), detector, threshold=0.5)
    assert {v["scored_by"] for v in results} == {scored_by}
    for verdict in results:
        assert (reason is None) == ("scored_by_reason" not in verdict)
        assert reason is None or reason in verdict["scored_by_reason"]


def test_counts_the_profile_did_not_declare_are_unknown_to_the_model() -> None:
    from tigerblood.learn.dataset import feature_matrix

    table = pa.table(
        {
            "followers_count": [0, 0],
            "following_count": [3, 3],
            "followers_per_following": [0.0, 0.0],
            "counts_declared": [True, False],
            "mention_share": [0.5, 0.5],
        }
    )
    frame = feature_matrix(table, [*FEATURES, "following_count"])
    assert frame.loc[0, "following_count"] == 3 and frame.loc[0, "followers_per_following"] == 0
    assert (
        frame.loc[1, ["followers_count", "following_count", "followers_per_following"]].isna().all()
    )
    assert frame.loc[1, "mention_share"] == 0.5
