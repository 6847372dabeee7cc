"""The `tigerblood collect` command group (mounted by tigerblood.cli).

Kept beside the collectors so the main CLI module stays a list of commands; this module does not
import tigerblood.cli.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tigerblood.store import Store

out_console = Console()
err_console = Console(stderr=True, soft_wrap=True)

collect_app = typer.Typer(
    no_args_is_help=True, help="Pull one account and its audience from a live platform."
)

DbOption = Annotated[Path, typer.Option(help="DuckDB file to fill; holds the checkpoint too.")]
MaxFollowers = Annotated[int, typer.Option(min=0, help="Read at most this many followers.")]
MaxFollows = Annotated[int, typer.Option(min=0, help="Read at most this many followed accounts.")]
MaxPosts = Annotated[int, typer.Option(min=0, help="Read at most this many of its posts.")]
MaxThreads = Annotated[int, typer.Option(min=0, help="Read replies of at most this many posts.")]
MaxLikedPosts = Annotated[
    int, typer.Option(min=0, help="Read who liked at most this many of its recent posts.")
]
MaxLikesPerPost = Annotated[int, typer.Option(min=0, help="Read at most this many likes a post.")]
RawOption = Annotated[
    Path | None, typer.Option("--raw", help="Also append raw responses here (JSON Lines).")
]
FreshOption = Annotated[
    bool, typer.Option("--fresh", help="Ignore an unfinished run's checkpoint.")
]


@collect_app.command("bluesky")
def collect_bluesky_command(
    handle: Annotated[str, typer.Argument(help="Handle or DID, e.g. alice.bsky.social.")],
    db: DbOption,
    max_followers: MaxFollowers = 1000,
    max_follows: MaxFollows = 1000,
    max_posts: MaxPosts = 100,
    max_threads: MaxThreads = 20,
    max_liked_posts: MaxLikedPosts = 20,
    max_likes_per_post: MaxLikesPerPost = 100,
    raw: RawOption = None,
    fresh: FreshOption = False,
    base_url: Annotated[str, typer.Option(help="AppView URL.")] = "https://public.api.bsky.app",
) -> None:
    """Collect a Bluesky account, its followers, follows, posts, replies and likers (AppView)."""
    from tigerblood.collect import collect_bluesky

    _collect(
        db,
        lambda store, progress: collect_bluesky(
            handle,
            store,
            base_url=base_url,
            max_followers=max_followers,
            max_follows=max_follows,
            max_posts=max_posts,
            max_threads=max_threads,
            max_liked_posts=max_liked_posts,
            max_likes_per_post=max_likes_per_post,
            raw_dir=raw,
            fresh=fresh,
            on_progress=progress,
        ),
    )


@collect_app.command("mastodon")
def collect_mastodon_command(
    acct: Annotated[str, typer.Argument(help="@user@instance, e.g. @alice@mastodon.social.")],
    db: DbOption,
    max_followers: MaxFollowers = 1000,
    max_follows: MaxFollows = 1000,
    max_posts: MaxPosts = 100,
    max_threads: MaxThreads = 20,
    max_liked_posts: MaxLikedPosts = 20,
    raw: RawOption = None,
    fresh: FreshOption = False,
    base_url: Annotated[
        str | None, typer.Option(help="Server URL (default: https://<instance>).")
    ] = None,
) -> None:
    """Collect a Mastodon account, its followers, following, statuses, replies and who
    favourited its statuses (public API)."""
    from tigerblood.collect import collect_mastodon

    _collect(
        db,
        lambda store, progress: collect_mastodon(
            acct,
            store,
            base_url=base_url,
            max_followers=max_followers,
            max_follows=max_follows,
            max_posts=max_posts,
            max_threads=max_threads,
            max_liked_posts=max_liked_posts,
            raw_dir=raw,
            fresh=fresh,
            on_progress=progress,
        ),
    )


def _collect(db: Path, run: Callable) -> None:
    """Run a collector with a progress line; exit 1 naming the URL when a request fails."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from tigerblood.collect import CollectError

    store = Store(db)
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=not err_console.is_terminal,
        ) as progress:
            task = progress.add_task("starting", total=None)
            report = run(store, lambda step, n: progress.update(task, description=f"{step}: {n:,}"))
    except ValueError as exc:  # an acct without a server
        err_console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None
    except CollectError as exc:
        err_console.print(f"[red]error:[/red] {escape(str(exc))}")
        err_console.print("What was collected is saved; run the same command to resume.")
        raise typer.Exit(1) from None
    finally:
        store.close()
    table = Table(title=f"tigerblood collect {report.platform}", show_header=False)
    table.add_row("account", escape(f"{report.target} ({report.account_id})"))
    table.add_row("resumed", "yes" if report.resumed else "no")
    for step, items in report.steps.items():
        table.add_row(f"  {step}", f"{items:,}")
    for name, rows in sorted(report.new_rows.items()):
        table.add_row(f"new {name} rows", f"{rows:,}")
    table.add_row("requests (retries)", f"{report.requests:,} ({report.retries:,})")
    if report.raw_path:
        table.add_row("raw responses", escape(str(report.raw_path)))
    out_console.print(table)
