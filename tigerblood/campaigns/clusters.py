"""Coordinated campaigns: the same link, or near-duplicate text, pushed by many accounts at once.

One account repeating a link is spam; many accounts pushing the same item in the same hours is
coordination, and no per-account feature can see it. So clustering is a step over the whole store,
done once and stored (DESIGN §3.5: what Ibis cannot express portably is a Python step kept as a
table): ``campaigns`` (one row per cluster: kind, key, accounts, posts, time span, sample texts,
links) and ``campaign_members`` (which accounts, with which posts). Per-account features read them
(:mod:`tigerblood.features.campaigns`).

How a cluster forms:

- **Items.** A post's normalised links (scheme, ``www.``, fragment and tracking parameters
  dropped; host lower-cased, path kept as is since short codes are case-sensitive), and its
  near-duplicate text group (:mod:`tigerblood.campaigns.near_duplicates`, word 3-shingles,
  Jaccard 0.7). A shortened link is replaced by its destination when the data says where it
  points: a post that carries exactly one shortened link and exactly one other link (a Bluesky
  link card beside a ``bit.ly`` facet, a tweet with both forms); the most frequent destination
  wins.
- **Not items.** A bare host (``repubblica.it``) names a site, not one piece of content pushed;
  a shortener link without a code (``http://t.co``, truncated text) points nowhere. Texts shorter
  than :data:`MIN_TEXT_CHARS` once links and mentions are removed are too generic to compare.
- **Bursts.** Per item key, a post opens a window when at least :data:`MIN_ACCOUNTS` distinct
  accounts post the item within :data:`WINDOW_HOURS` from it; the posts inside such windows, cut
  wherever two of them are more than a window apart, are the bursts. A phrase that many people
  write now and then over a week ("thanks, that means a lot") never fills one window; a push does.
- **Merge.** Bursts that share a post (the link burst and the text burst of the same pushed
  message) are one campaign, so a single push is never counted twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from tigerblood.campaigns.accounts import judge_campaigns
from tigerblood.campaigns.near_duplicates import groups_of_chunks
from tigerblood.ingest.entities import shortener_domains
from tigerblood.store import Store

MIN_ACCOUNTS = 5
"""Distinct accounts a burst needs: a handful of people may share one link by chance on a day;
five accounts on the same item inside one window is what a campaign needs to be visible."""

WINDOW_HOURS = 24.0
"""A gap longer than this between two posts of the same item ends a burst (one news cycle)."""

MIN_TEXT_CHARS = 30
"""Normalised texts shorter than this ("good morning everyone") are shared innocently by many."""

TEXT_THRESHOLD = 0.7
"""Jaccard similarity of word 3-shingles for two texts to be near duplicates. Tweets are short:
with 12 words, an appended hashtag keeps 0.9, a swapped emoji or name keeps about 0.75, and two
different sentences on the same topic fall under 0.3."""

SHINGLE_WORDS = 3
"""Words per shingle: 5-word shingles on a 12-word text lose half their overlap to one edit."""

TOKEN_BATCH = 100_000
"""Distinct texts whose token hashes are read from DuckDB at a time for MinHash."""

SAMPLES = 3
LINKS = 5
TEXT_LIMIT = 280
EXAMPLES = 5
"""Campaigns quoted per account in evidence."""

NOT_REPOST = "repost_of_post_id IS NULL AND NOT coalesce(text, '') ^@ 'RT @'"
"""Reposts (and the ``RT @user:`` text retweets of old Twitter data) copy someone else's post by
the platform's own button: a viral post gathers them from strangers within hours, so they are
left out unless asked for (``include_reposts``). Copying is what campaigns do by hand."""

TRACKING = "utm_[a-z_]+|fbclid|gclid|igshid|mc_cid|mc_eid|ref|ref_src|si"
"""Query parameters that tag who shared a link, not what it points to."""

CAMPAIGNS_DDL = (
    "CREATE OR REPLACE TABLE campaigns (campaign_id VARCHAR, platform VARCHAR, kind VARCHAR, "
    "key VARCHAR, accounts BIGINT, posts BIGINT, first_at TIMESTAMPTZ, last_at TIMESTAMPTZ, "
    "sample_texts VARCHAR[], links VARCHAR[], verdict VARCHAR, reason VARCHAR, "
    "member_names VARCHAR)"
)
"""``verdict``, ``reason`` and ``member_names`` say who pushed the campaign
(:mod:`tigerblood.campaigns.accounts`): throwaway accounts, established ones, or a mix."""
MEMBERS_DDL = (
    "CREATE OR REPLACE TABLE campaign_members (campaign_id VARCHAR, platform VARCHAR, "
    "account_id VARCHAR, post_ids VARCHAR[], throwaway BOOLEAN, established BOOLEAN)"
)
ADDED_COLUMNS = {
    "campaigns": ("verdict VARCHAR", "reason VARCHAR", "member_names VARCHAR"),
    "campaign_members": ("throwaway BOOLEAN", "established BOOLEAN"),
}
"""Columns a store written before issue 14 lacks; :func:`ensure_tables` adds them."""

_LINKS_SQL = rf"""
CREATE OR REPLACE TEMP TABLE _cm_links AS
WITH raw AS (
    SELECT platform, post_id, account_id, created_at,
           regexp_replace(regexp_replace(trim(url), '^[A-Za-z][A-Za-z0-9+.-]*://', ''),
                          '#.*$', '') AS s
    FROM (SELECT platform, post_id, account_id, created_at, unnest(urls) AS url
          FROM _cm_source WHERE len(urls) > 0)
), split AS (
    SELECT *, regexp_extract(s, '^[^/?]*') AS host_raw FROM raw
), parts AS (
    SELECT platform, post_id, account_id, created_at,
           regexp_replace(lower(host_raw), '^www\.', '') AS host,
           regexp_replace(regexp_replace(regexp_replace(substr(s, length(host_raw) + 1),
               '([?&])(?:{TRACKING})=[^&]*', '\1', 'g'), '([?&])[?&]+', '\1', 'g'),
               '[?&/]+$', '') AS rest
    FROM split
)
SELECT DISTINCT platform, post_id, account_id, created_at, host || rest AS link,
       host IN (SELECT host FROM _cm_shorteners) AS short
FROM parts
WHERE host <> '' AND rest <> ''
  AND (host NOT IN (SELECT host FROM _cm_shorteners) OR length(rest) >= 5)
"""

_EXPAND_SQL = """
CREATE OR REPLACE TEMP TABLE _cm_expand AS
WITH pairs AS (
    SELECT platform, any_value(link) FILTER (WHERE short) AS short_link,
           any_value(link) FILTER (WHERE NOT short) AS target
    FROM _cm_links GROUP BY platform, post_id
    HAVING count(*) FILTER (WHERE short) = 1 AND count(*) FILTER (WHERE NOT short) = 1
)
SELECT platform, short_link, arg_max(target, n) AS target FROM (
    SELECT platform, short_link, target, count(*) AS n FROM pairs GROUP BY ALL
) GROUP BY platform, short_link
"""

_CONTACT_ITEMS_SQL = """
CREATE OR REPLACE TEMP TABLE _cm_contact_items AS
WITH named AS (
    SELECT DISTINCT platform, post_id, account_id, created_at, contact FROM (
        SELECT platform, post_id, account_id, created_at, unnest(contacts) AS contact
        FROM _cm_source WHERE len(contacts) > 0 AND created_at IS NOT NULL
    ) WHERE NOT starts_with(contact, 'dm:')
), keys AS (
    SELECT platform, contact FROM named
    GROUP BY ALL HAVING count(DISTINCT account_id) >= $min_accounts
)
SELECT n.* FROM named n SEMI JOIN keys USING (platform, contact)
"""
"""Posts naming the same phone number, messenger handle, address or wallet: the promoted item
when it is not a link (issue 14 item 3). A bare "DM me" (``dm:request``) names nobody in
particular, so it is no item; the text it sits in can still be one."""

_LINK_ITEMS_SQL = """
CREATE OR REPLACE TEMP TABLE _cm_link_items AS
WITH expanded AS (
    SELECT DISTINCT l.platform, l.post_id, l.account_id, l.created_at,
           coalesce(e.target, l.link) AS link
    FROM _cm_links l LEFT JOIN _cm_expand e
      ON e.platform = l.platform AND e.short_link = l.link
), keys AS (
    SELECT platform, link FROM expanded WHERE created_at IS NOT NULL
    GROUP BY ALL HAVING count(DISTINCT account_id) >= $min_accounts
)
SELECT e.* FROM expanded e SEMI JOIN keys USING (platform, link)
"""

NON_WORD_RUNS = r"[^\w#]{2,}|[^\w# ]"
r"""Runs of characters other than word characters and ``#``, as the normalised text replaces them
with one space. The pattern leaves a run that is already one space alone (a regex replace costs
per match): the same text as replacing ``[^\w#]+``, 40% faster on 2.8 M tweets."""

GREETINGS = (
    r"\b(?:hey|hi|hii+|hello|hiya|howdy|hola|yo|dear|greetings"
    r"|good (?:morning|afternoon|evening|day))\b"
)
"""Greetings a template swaps from copy to copy ("Hey @a" / "Hi @b"): one word in a ten-word
text is a quarter of its 3-shingles, enough to push two copies of one template under 0.7."""

PLACEHOLDERS = ("_link_", "_contact_", "_mention_", "_num_", "_hi_")
"""What a link, an e-mail address, a mention, a number and a greeting become before shingling.
A template posted by many accounts differs exactly there (the name it greets, the tracked link,
the phone number), so each copy keeps one same word in its place instead of a different one or
none. Numbers count from four digits (a phone group, an order or tracking code, a year, a
price in thousands): "it took 3 attempts" and "it took 5 attempts" are two people's answers,
not one template. The placeholders other than the greeting do not count towards
:data:`MIN_TEXT_CHARS`: "@a @b @c lol" is no template."""

_TEXTS_SQL = r"""
CREATE OR REPLACE TEMP TABLE _cm_posts_text AS
WITH lowered AS (
    SELECT platform, post_id, account_id, created_at, lower(text) AS t
    FROM _cm_source
    WHERE text IS NOT NULL AND length(text) >= $min_chars AND created_at IS NOT NULL
), linked AS (
    -- Links, addresses and mentions are only looked for where one can be (every match holds
    -- "/", "@" or "www."), and the retweet marker is cut without a regex: 6.5 s -> 4.4 s on
    -- 2.8 M tweets.
    SELECT * EXCLUDE (t),
           CASE WHEN contains(t, '/') OR contains(t, 'www.')
                THEN regexp_replace(t, '(?:https?://|www\.)\S+|[\w.-]+\.[a-z]{2,}/\S*',
                                    ' _link_ ', 'g')
                ELSE t END AS t
    FROM lowered
), mentioned AS (
    SELECT * EXCLUDE (t),
           CASE WHEN contains(t, '@')
                THEN regexp_replace(regexp_replace(t, '[\w.+-]+@[\w-]+(?:\.[\w-]+)+',
                                                   ' _contact_ ', 'g'),
                                    '@[\w.-]*', ' _mention_ ', 'g')
                ELSE t END AS t
    FROM linked
), trimmed AS (
    SELECT * EXCLUDE (t), trim(regexp_replace(regexp_replace(regexp_replace(t,
        '\d(?:[.,:]?\d){3,}', '_num_', 'g'), 'GREETINGS', '_hi_', 'g'),
        'NON_WORD_RUNS', ' ', 'g')) AS s
    FROM mentioned
)
SELECT * EXCLUDE (s), CASE WHEN starts_with(s, 'rt ') THEN s[4:] ELSE s END AS norm
FROM trimmed;
CREATE OR REPLACE TEMP TABLE _cm_texts AS
SELECT (row_number() OVER (ORDER BY norm) - 1)::BIGINT AS text_id, norm, n FROM (
    SELECT norm, count(*) AS n FROM _cm_posts_text
    WHERE length(replace(replace(replace(replace(norm, '_link_', ''), '_contact_', ''),
                                 '_mention_', ''), '_num_', '')) >= $min_chars
    GROUP BY norm
)
""".replace("NON_WORD_RUNS", NON_WORD_RUNS).replace("GREETINGS", GREETINGS)

_BURSTS_SQL = """
CREATE OR REPLACE TEMP TABLE _cm_bursts AS
WITH dense AS (
    SELECT *, count(DISTINCT account_id) OVER (
                  PARTITION BY platform, kind, key ORDER BY created_at
                  RANGE BETWEEN CURRENT ROW AND to_microseconds($window_us) FOLLOWING
              ) >= $min_accounts AS opens
    FROM _cm_items
), covered AS (
    SELECT *, bool_or(opens) OVER (
                  PARTITION BY platform, kind, key ORDER BY created_at
                  RANGE BETWEEN to_microseconds($window_us) PRECEDING AND CURRENT ROW
              ) AS inside
    FROM dense
), gaps AS (
    SELECT *, CASE WHEN lag(created_at) OVER w IS NULL
                     OR created_at - lag(created_at) OVER w > to_microseconds($window_us)
                   THEN 1 ELSE 0 END AS starts
    FROM covered WHERE inside
    WINDOW w AS (PARTITION BY platform, kind, key ORDER BY created_at, post_id)
), numbered AS (
    SELECT *, sum(starts) OVER (PARTITION BY platform, kind, key ORDER BY created_at, post_id
                                ROWS UNBOUNDED PRECEDING) AS burst
    FROM gaps
), counted AS (
    SELECT *, count(DISTINCT account_id) OVER (PARTITION BY platform, kind, key, burst) AS acc
    FROM numbered
)
SELECT dense_rank() OVER (ORDER BY platform, kind, key, burst) - 1 AS burst_id,
       platform, kind, key, label, post_id, account_id, created_at, acc
FROM counted WHERE acc >= $min_accounts
"""

_STORE_SQL = f"""
{CAMPAIGNS_DDL};
{MEMBERS_DDL};
CREATE OR REPLACE TEMP TABLE _cm_posts AS
SELECT DISTINCT m.campaign, b.platform, b.post_id, b.account_id, b.created_at
FROM _cm_bursts b JOIN _cm_merge m USING (burst_id);
CREATE OR REPLACE TEMP TABLE _cm_ids AS
SELECT campaign,
       'cmp-' || sha256(min(platform || '|' || kind || '|' || key || '|' || created_at::VARCHAR))
           [1:12] AS campaign_id,
       string_agg(DISTINCT kind, '+' ORDER BY kind) AS kind,
       arg_max(label, acc) AS key
FROM _cm_bursts JOIN _cm_merge USING (burst_id) GROUP BY campaign;
INSERT INTO campaigns
WITH samples AS (
    SELECT campaign, list(t ORDER BY seen, t)[1:{SAMPLES}] AS sample_texts FROM (
        SELECT c.campaign, substr(q.text, 1, {TEXT_LIMIT}) AS t, min(c.created_at) AS seen
        FROM _cm_posts c JOIN posts q USING (platform, post_id)
        WHERE q.text IS NOT NULL AND q.text <> '' GROUP BY ALL
    ) GROUP BY campaign
), links AS (
    SELECT campaign, list(link ORDER BY n DESC, link)[1:{LINKS}] AS links FROM (
        SELECT c.campaign, l.link, count(*) AS n
        FROM _cm_posts c JOIN _cm_link_all l USING (platform, post_id) GROUP BY ALL
    ) GROUP BY campaign
), totals AS (
    SELECT campaign, any_value(platform) AS platform, count(DISTINCT account_id) AS accounts,
           count(*) AS posts, min(created_at) AS first_at, max(created_at) AS last_at
    FROM _cm_posts GROUP BY campaign
)
SELECT i.campaign_id, t.platform, i.kind, i.key, t.accounts, t.posts, t.first_at, t.last_at,
       coalesce(s.sample_texts, []), coalesce(l.links, []), NULL, NULL, NULL
FROM totals t JOIN _cm_ids i USING (campaign)
LEFT JOIN samples s USING (campaign) LEFT JOIN links l USING (campaign);
INSERT INTO campaign_members
SELECT i.campaign_id, p.platform, p.account_id,
       list(p.post_id ORDER BY p.created_at, p.post_id), NULL, NULL
FROM _cm_posts p JOIN _cm_ids i USING (campaign) GROUP BY ALL
"""


def ensure_tables(store: Store) -> None:
    """Create empty ``campaigns`` and ``campaign_members`` when absent (read by features)."""
    store.sql(CAMPAIGNS_DDL.replace("OR REPLACE TABLE", "TABLE IF NOT EXISTS"))
    store.sql(MEMBERS_DDL.replace("OR REPLACE TABLE", "TABLE IF NOT EXISTS"))
    for table, columns in ADDED_COLUMNS.items():
        for column in columns:
            store.sql(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column}")


def _link_items(store: Store, min_accounts: int) -> None:
    hosts = pa.table({"host": sorted(shortener_domains())})
    store.con.register("_cm_shorteners_arrow", hosts)
    store.sql("CREATE OR REPLACE TEMP TABLE _cm_shorteners AS SELECT * FROM _cm_shorteners_arrow")
    store.con.unregister("_cm_shorteners_arrow")
    store.sql(_LINKS_SQL)
    store.sql(_EXPAND_SQL)
    store.con.execute(_LINK_ITEMS_SQL, {"min_accounts": min_accounts})
    store.sql("""
        CREATE OR REPLACE TEMP TABLE _cm_link_all AS
        SELECT DISTINCT l.platform, l.post_id, coalesce(e.target, l.link) AS link
        FROM _cm_links l LEFT JOIN _cm_expand e ON e.platform = l.platform
                                              AND e.short_link = l.link
    """)


def _token_chunks(
    reader: pa.RecordBatchReader,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Token hashes and offsets of each batch of texts, read from DuckDB a batch at a time so
    that the ~20 M token hashes of a large store never sit in memory at once."""
    for batch in reader:
        column = batch.column(0)
        if len(column) == 0:
            continue
        offsets = column.offsets.to_numpy().astype(np.int64)
        values = column.values.to_numpy(zero_copy_only=False)
        yield values[offsets[0] : offsets[-1]].astype(np.uint64, copy=False), offsets - offsets[0]


def _text_items(store: Store, min_accounts: int, min_chars: int, threshold: float) -> None:
    """Near-duplicate groups of distinct normalised texts; posts of groups big enough."""
    for statement in _TEXTS_SQL.split(";"):
        store.con.execute(statement, {"min_chars": min_chars})
    hashed = store.con.sql(
        "SELECT list_transform(string_split(norm, ' '), lambda w: hash(w)) AS h "
        "FROM _cm_texts ORDER BY text_id"
    ).to_arrow_reader(TOKEN_BATCH)
    try:
        groups = groups_of_chunks(_token_chunks(hashed), threshold=threshold, shingle=SHINGLE_WORDS)
    finally:
        hashed.close()
    table = pa.table({"text_id": np.arange(len(groups), dtype=np.int64), "grp": groups})
    store.con.register("_cm_groups_arrow", table)
    try:
        store.con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _cm_text_items AS
            WITH g AS (
                SELECT t.norm, t.n, t.text_id, a.grp FROM _cm_texts t
                JOIN _cm_groups_arrow a USING (text_id)
            ), big AS (
                SELECT grp, arg_max(norm, n * 1e12 - text_id) AS label FROM g
                GROUP BY grp HAVING sum(n) >= $min_accounts
            )
            SELECT p.platform, p.post_id, p.account_id, p.created_at,
                   'text:' || g.grp::VARCHAR AS key, big.label
            FROM _cm_posts_text p JOIN g USING (norm) JOIN big USING (grp)
            """,
            {"min_accounts": min_accounts},
        )
    finally:
        store.con.unregister("_cm_groups_arrow")


def _merge_bursts(store: Store) -> None:
    """Bursts sharing a post become one campaign (connected components over shared posts)."""
    n = int(store.sql("SELECT coalesce(max(burst_id) + 1, 0) FROM _cm_bursts")[0][0])
    pairs = store.arrow("""
        SELECT DISTINCT a.burst_id AS a, b.burst_id AS b
        FROM _cm_bursts a JOIN _cm_bursts b USING (platform, post_id)
        WHERE a.burst_id < b.burst_id
    """)
    left = pairs.column("a").to_numpy()
    right = pairs.column("b").to_numpy()
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    _, labels = connected_components(graph, directed=False) if n else (0, np.zeros(0))
    table = pa.table(
        {"burst_id": np.arange(n, dtype=np.int64), "campaign": np.asarray(labels, dtype=np.int64)}
    )
    store.con.register("_cm_merge_arrow", table)
    store.sql("CREATE OR REPLACE TEMP TABLE _cm_merge AS SELECT * FROM _cm_merge_arrow")
    store.con.unregister("_cm_merge_arrow")


def find_campaigns(
    store: Store,
    *,
    min_accounts: int = MIN_ACCOUNTS,
    window_hours: float = WINDOW_HOURS,
    min_chars: int = MIN_TEXT_CHARS,
    threshold: float = TEXT_THRESHOLD,
    include_reposts: bool = False,
) -> int:
    """Cluster the store's posts into campaigns, store them, and return how many were found.

    Call before features: :mod:`tigerblood.features.campaigns` reads the stored tables. Every
    call recomputes from all posts (a new post can join or merge earlier bursts).

    >>> from tigerblood.store import Store
    >>> find_campaigns(Store())
    0
    """
    where = "" if include_reposts else f"WHERE {NOT_REPOST}"
    store.sql(f"CREATE OR REPLACE TEMP VIEW _cm_source AS SELECT * FROM posts {where}")
    _link_items(store, min_accounts)
    _text_items(store, min_accounts, min_chars, threshold)
    store.con.execute(_CONTACT_ITEMS_SQL, {"min_accounts": min_accounts})
    store.sql("""
        CREATE OR REPLACE TEMP TABLE _cm_items AS
        SELECT platform, 'link' AS kind, link AS key, link AS label, post_id, account_id,
               created_at FROM _cm_link_items WHERE created_at IS NOT NULL
        UNION ALL
        SELECT platform, 'text', key, label, post_id, account_id, created_at FROM _cm_text_items
        UNION ALL
        SELECT platform, 'contact', contact, contact, post_id, account_id, created_at
        FROM _cm_contact_items
    """)
    store.con.execute(
        _BURSTS_SQL,
        {"min_accounts": min_accounts, "window_us": int(window_hours * 3_600_000_000)},
    )
    _merge_bursts(store)
    for statement in _STORE_SQL.split(";\n"):
        if statement.strip():
            store.sql(statement)
    judge_campaigns(store)
    for name in ("items", "bursts", "merge", "posts", "ids", "texts", "posts_text"):
        store.sql(f"DROP TABLE IF EXISTS _cm_{name}")
    store.sql("DROP VIEW IF EXISTS _cm_source")
    for name in (
        "text_items",
        "link_items",
        "contact_items",
        "link_all",
        "links",
        "expand",
        "shorteners",
    ):
        store.sql(f"DROP TABLE IF EXISTS _cm_{name}")
    return store.count("campaigns")


def campaign_evidence(store: Store) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Per account, the campaigns it took part in (largest first) with its own posts in each;
    ``text`` is its first post there, which ``explain`` prints beside the post ids.

    An ``evidence.KINDS`` lookup: reads the ``_evidence_accounts`` view that ``attach_posts``
    registers, like the other lookups there.
    """
    rows = store.arrow(f"""
        SELECT m.platform, m.account_id, c.campaign_id, c.kind, c.key, c.accounts, c.posts,
               c.first_at, c.last_at, c.links, c.sample_texts,
               m.post_ids[1:{EXAMPLES}] AS post_ids, substr(p.text, 1, {TEXT_LIMIT}) AS text
        FROM campaign_members m JOIN _evidence_accounts USING (platform, account_id)
        JOIN campaigns c USING (campaign_id)
        LEFT JOIN posts p ON p.platform = m.platform AND p.post_id = m.post_ids[1]
        QUALIFY row_number() OVER (PARTITION BY m.platform, m.account_id
                                   ORDER BY c.accounts DESC, c.campaign_id) <= {EXAMPLES}
    """).to_pylist()
    out: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        key = (row.pop("platform"), row.pop("account_id"))
        for stamp in ("first_at", "last_at"):
            row[stamp] = row[stamp].isoformat() if row[stamp] is not None else None
        out[key].append(row)
    return out
