"""The API's request and response shapes: the OpenAPI schema at ``/openapi.json`` is built from
them, and schemathesis tests the running server against it.

Verdicts keep the shape ``scan`` writes (DESIGN §3.3): the keys named here are guaranteed, more
may come (``extra="allow"``), none renamed.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_NOTE = 2_000
"""Characters of a review note: a sentence or two of why, not a document."""


class Finding(BaseModel):
    """One detector's finding: what it saw, in a sentence and in numbers."""

    model_config = ConfigDict(extra="allow")
    detector: str
    pattern: str
    score: float
    summary: str
    evidence: dict[str, Any]


class Verdict(BaseModel):
    """An account's verdict as ``scan`` writes it."""

    model_config = ConfigDict(extra="allow")
    platform: str
    account_id: str
    handle: str | None = None
    score: float
    flagged: bool
    patterns: list[str]
    findings: list[Finding]


class VerdictPage(BaseModel):
    """A page of verdicts; ``next`` is the cursor of the following page, null on the last."""

    items: list[Verdict]
    next: str | None


class HistogramBin(BaseModel):
    """Accounts whose score is in [low, high) (the last bin includes 1)."""

    low: float
    high: float
    count: int


class Overview(BaseModel):
    """The scan at a glance."""

    patterns: list[str]
    accounts: int
    flagged: int
    flagged_by_pattern: dict[str, int]
    unnamed_flagged: int
    score_histogram: list[HistogramBin]
    platforms: dict[str, int]
    quarantined: int
    quarantined_by_source: dict[str, int]
    campaigns: int
    reviews: dict[str, int]
    review_queue: int


class AccountDetail(BaseModel):
    """An account: verdict (findings and evidence), profile, latest posts, threads, campaigns,
    reviews; ``verdict`` is null for an account seen only through others' posts or follows."""

    platform: str
    account_id: str
    key: str
    handle: str | None
    profile: dict[str, Any] | None
    verdict: Verdict | None
    posts: list[dict[str, Any]]
    threads: list[dict[str, Any]]
    campaigns: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    links: dict[str, str | None]


class Campaign(BaseModel):
    """A campaign cluster (``tigerblood campaigns --json`` rows; a cluster's page adds
    ``members`` as objects and ``items``, its posts in time order)."""

    model_config = ConfigDict(extra="allow")
    campaign_id: str
    platform: str | None
    kind: str | None
    key: str | None
    accounts: int | None
    posts: int | None


class ReviewIn(BaseModel):
    """A decision on an account's verdict."""

    model_config = ConfigDict(extra="forbid")
    account: str = Field(
        min_length=1, max_length=300, description="platform:account_id (or a handle)"
    )
    decision: Literal["confirm", "dismiss", "skip"]
    note: str | None = Field(default=None, max_length=MAX_NOTE)
    reviewer: str | None = Field(default=None, max_length=100, description="Who decided.")


class Review(BaseModel):
    """A stored decision, with the verdict's score and model version at the time."""

    account: str
    platform: str
    account_id: str
    decision: Literal["confirm", "dismiss", "skip"]
    reviewer: str | None
    note: str | None
    decided_at: str
    score: float | None
    model_version: str | None


class Problem(BaseModel):
    """An error: what was wrong with the request."""

    detail: str
