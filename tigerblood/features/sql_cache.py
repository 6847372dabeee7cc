"""The compiled feature SQL kept on disk, so a new process does not compile it again.

Building the feature expression and compiling it to SQL costs about four seconds of Ibis work,
more than running it on a small store: every `tigerblood scan`, `audit` or `mirror` process paid
it again although the SQL depends only on the store's layout (its tables and column types), the
code that builds the expression and the Ibis and SQLGlot versions. So the SQL, its result schema
and the in-memory tables it reads are written once per such key under the user's cache folder
(``$TIGERBLOOD_CACHE_DIR``, else the platform's cache folder from ``platformdirs``) and read back
by the next process. The code's part of the key is a hash of every file of the package, so an
edit, an upgrade or a new data file is a new key (never a stale query); a folder that cannot be
written just means compiling each time.

Example::

    compiled = load(key)              # None: not cached yet
    save(key, CompiledFeatures(sql, schema, memory))
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.ipc as ipc
import sqlglot
from platformdirs import user_cache_dir

PACKAGE = Path(__file__).resolve().parents[1]
CACHE_ENV = "TIGERBLOOD_CACHE_DIR"
NAMES = "names.txt"
"""The in-memory tables an entry's SQL reads, one name a line: a missing one is a damaged
entry, not a query that fails on every run."""


@dataclass(frozen=True)
class CompiledFeatures:
    """What running the feature expression needs: its SQL, the schema Ibis would give the
    result, and the tables it holds in memory (registered by name before the SQL runs)."""

    sql: str
    schema: pa.Schema
    memory: dict[str, pa.Table]


@cache
def code_version() -> str:
    """A hash of every file of the package (code and data, names and bytes): about 20 ms."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(layout: tuple[tuple[str, str, str], ...]) -> str:
    """The key of a store layout's compiled SQL with this code and these compilers."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (code_version(), ibis.__version__, sqlglot.__version__, repr(layout)):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def cache_root() -> Path:
    """Where compiled feature SQL is kept."""
    return Path(os.environ.get(CACHE_ENV) or user_cache_dir("tigerblood")) / "feature-sql"


def load(key: str) -> CompiledFeatures | None:
    """The compiled SQL kept under ``key``; None when there is none or it cannot be read (a
    damaged entry is removed, so the compiling process can put a whole one in its place)."""
    return load_from(cache_root() / key)


def load_from(folder: Path) -> CompiledFeatures | None:
    """The compiled SQL kept in ``folder`` (see :func:`load`)."""
    if not folder.is_dir():
        return None
    try:
        sql = (folder / "query.sql").read_text(encoding="utf-8")
        schema = _read(folder / "schema.arrow").schema
        names = (folder / "memory" / NAMES).read_text(encoding="utf-8").split()
        memory = {name: _read(folder / "memory" / f"{name}.arrow") for name in names}
    except (OSError, pa.ArrowException, UnicodeDecodeError):  # damaged: compiled again and
        shutil.rmtree(folder, ignore_errors=True)  # written anew by this process
        return None
    return CompiledFeatures(sql, schema, memory)


def save(key: str, compiled: CompiledFeatures) -> None:
    """Keep ``compiled`` under ``key``: written whole in a scratch folder, then renamed into
    place, so a reader (another process) never sees half of it. Failing to write is not an
    error: the next process compiles again."""
    root = cache_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=root, prefix=".writing-"))
    except OSError:
        return
    try:
        (scratch / "query.sql").write_text(compiled.sql, encoding="utf-8")
        _write(scratch / "schema.arrow", compiled.schema.empty_table())
        (scratch / "memory").mkdir()
        for name, table in compiled.memory.items():
            _write(scratch / "memory" / f"{name}.arrow", table)
        (scratch / "memory" / NAMES).write_text("\n".join(compiled.memory), encoding="utf-8")
        scratch.replace(root / key)
    except OSError:  # another process put the same key in place first, or the disk is full
        pass
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _write(path: Path, table: pa.Table) -> None:
    with ipc.new_file(path, table.schema) as writer:
        writer.write_table(table)


def _read(path: Path) -> pa.Table:
    with ipc.open_file(path) as reader:
        return reader.read_all()
