"""``tigerblood audit`` and ``tigerblood mirror`` as plain functions, for cli.py to wire.

Each loads the sources into a store (or opens ``--db``), judges every account, builds the
report, writes the HTML file and prints the terminal summary or the JSON. They return the exit
code instead of raising, so the CLI, tests and the bench run exactly the same path:
0 done, 1 a source could not be read (the report still covers the rest) or the account is not
in the data, 2 nothing to read.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from tigerblood.ingest.pipeline import ingest
from tigerblood.reports.audit import AccountNotFoundError, AuditReport, audit
from tigerblood.reports.i18n import Lang, get_lang
from tigerblood.reports.mirror import MirrorReport, mirror
from tigerblood.reports.render import audit_html, mirror_html, to_json
from tigerblood.reports.target import Target, ensure_judged
from tigerblood.reports.terminal import audit_summary, mirror_summary
from tigerblood.scan import judge
from tigerblood.store import Store


def default_path(kind: str, target: Target) -> Path:
    """``audit-<handle>.html`` in the working directory, the name made safe for any file system."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", target.handle or target.account_id).strip("._")
    return Path(f"{kind}-{stem or 'account'}.html")


def open_store(
    sources: list[Path],
    db: Path | None,
    lang: Lang,
    err: Console,
    judge_options: Mapping[str, Any] | None = None,
) -> tuple[Store | None, int]:
    """A judged store from ``sources`` (loaded into ``db`` or memory) or from an existing ``db``.

    Verdicts already in ``db`` (from ``scan --db``) are reused when no sources are given.
    """
    _ = lang.gettext
    if not sources and (db is None or not db.exists()):
        err.print(escape(_("error: give files or folders to read, or an existing --db")))
        return None, 2
    store = Store(db)
    code = 0
    if sources:
        report = ingest(sources, store)
        for failure in report.failed_sources:
            err.print(escape(_("error: %(reason)s") % {"reason": failure}))
            code = 1
        judge(store, **(judge_options or {}))
    else:
        ensure_judged(store, **(judge_options or {}))
    return store, code


def _run(
    kind: str,
    build: Callable[[Store, str], AuditReport | MirrorReport],
    render: Callable[[Any, Lang], str],
    summary: Callable[[Any, Lang, Console], None],
    account: str,
    sources: list[Path],
    db: Path | None,
    out_html: Path | None,
    as_json: bool,
    lang: str,
    judge_options: Mapping[str, Any] | None,
) -> int:
    language = get_lang(lang)
    _ = language.gettext
    out, err = Console(), Console(stderr=True, soft_wrap=True)
    store, code = open_store(list(sources), db, language, err, judge_options)
    if store is None:
        return code
    try:
        report = build(store, account)
    except AccountNotFoundError:
        err.print(escape(_("error: no account %(account)s in the data") % {"account": account}))
        store.close()
        return 1
    store.close()
    path = out_html or default_path(kind, report.target)
    path.write_text(render(report, language), encoding="utf-8")
    if as_json:
        sys.stdout.buffer.write(to_json(report, language))
        sys.stdout.flush()
    else:
        summary(report, language, out)
        out.print(escape(_("Report written to %(path)s") % {"path": str(path)}))
    return code


def audit_command(
    account: str,
    sources: list[Path],
    db: Path | None = None,
    out_html: Path | None = None,
    as_json: bool = False,
    lang: str = "en",
    judge_options: Mapping[str, Any] | None = None,
) -> int:
    """Audit the audience of ``account``; returns the exit code.

    ``judge_options`` go to :func:`tigerblood.scan.judge` (threshold, config, use_model…).
    """
    return _run(
        "audit",
        audit,
        audit_html,
        audit_summary,
        account,
        sources,
        db,
        out_html,
        as_json,
        lang,
        judge_options,
    )


def mirror_command(
    account: str,
    sources: list[Path],
    db: Path | None = None,
    out_html: Path | None = None,
    as_json: bool = False,
    lang: str = "en",
    judge_options: Mapping[str, Any] | None = None,
) -> int:
    """Mirror ``account``; returns the exit code (``judge_options``: see :func:`audit_command`)."""
    return _run(
        "mirror",
        mirror,
        mirror_html,
        mirror_summary,
        account,
        sources,
        db,
        out_html,
        as_json,
        lang,
        judge_options,
    )
