"""A folder or a zip file read as a tree of members, with the limits a hostile zip needs.

Archives arrive from users (an X "download your archive" zip), so a zip is treated as hostile:
members are only ever streamed, never extracted, and still a member whose name is absolute or
climbs out with ``..`` is refused; each member's expansion is capped, the whole archive's is
capped, and a member that expands far more than real text does (a zip bomb of zeros) is refused
before it is read. The caps count bytes actually produced, so a zip that lies about its sizes is
stopped too. Refusals are :class:`ArchiveLimitError`, an ``OSError``, which readers turn into
quarantine rows: the rest of the archive still loads.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

MAX_MEMBER_BYTES = 2**30
"""1 GiB: one uncompressed member; the largest real ``tweets.js`` files are a few hundred MB."""
MAX_TOTAL_BYTES = 2 * 2**30
"""2 GiB: everything read from one archive together."""
MAX_RATIO = 100
"""Uncompressed/compressed size above which a member (over 1 MiB) is refused: JSON text
compresses about 5-15x, a run of zeros over 1000x."""
_RATIO_FLOOR = 2**20
_DRIVE = re.compile(r"^[A-Za-z]:")


class ArchiveLimitError(OSError):
    """A member refused by a limit or for its name; the message says which and why."""


@dataclass(frozen=True)
class Limits:
    """The caps applied to one archive (constructor arguments of the archive adapter)."""

    member_bytes: int = MAX_MEMBER_BYTES
    total_bytes: int = MAX_TOTAL_BYTES
    ratio: float = MAX_RATIO


def unsafe_name(name: str) -> str | None:
    """Why a member name must be refused (absolute, drive letter, ``..``), or None."""
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return "absolute path in archive"
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return "path escapes the archive (..)"
    return None


class Tree:
    """Members of a folder or zip as relative POSIX names; :meth:`open` streams one."""

    def __init__(self, path: Path, limits: Limits = Limits()) -> None:
        self.path, self.limits, self.used = path, limits, 0
        self.refused: dict[str, str] = {}
        self._zip: zipfile.ZipFile | None = None
        self._files: dict[str, Path] = {}
        self._infos: dict[str, zipfile.ZipInfo] = {}
        if path.is_dir():
            root = path.resolve()
            self._files = {
                p.relative_to(path).as_posix(): p
                for p in sorted(path.rglob("*"))
                if p.is_file() and root in p.resolve().parents  # symlinks stay inside
            }
            return
        self._zip = zipfile.ZipFile(path)
        for info in self._zip.infolist():
            if info.is_dir():
                continue
            reason = unsafe_name(info.filename)
            if reason:
                self.refused[info.filename] = reason
            else:
                self._infos[info.filename] = info

    def names(self) -> list[str]:
        """Readable member names, in archive order."""
        return list(self._infos) if self._zip is not None else list(self._files)

    def open(self, name: str) -> IO[bytes]:
        """A byte stream of one member, cut off with :class:`ArchiveLimitError` past a limit."""
        if self._zip is None:
            return self._files[name].open("rb")
        info = self._infos[name]
        remaining = self.limits.total_bytes - self.used
        if info.file_size > self.limits.member_bytes:
            raise ArchiveLimitError(
                f"{name}: expands to {info.file_size} bytes, over the {self.limits.member_bytes}"
                "-byte member limit"
            )
        if info.file_size > remaining:
            raise ArchiveLimitError(f"{name}: archive expansion limit reached")
        if (
            info.file_size > _RATIO_FLOOR
            and info.file_size > info.compress_size * self.limits.ratio
        ):
            raise ArchiveLimitError(
                f"{name}: compression ratio {info.file_size // max(info.compress_size, 1)}:1 "
                f"is over {self.limits.ratio}:1 (zip bomb?)"
            )
        try:
            raw = self._zip.open(info)
        except (NotImplementedError, RuntimeError, zipfile.BadZipFile) as exc:
            raise ArchiveLimitError(f"{name}: cannot be opened ({exc})") from exc
        cap = min(self.limits.member_bytes, remaining)
        return io.BufferedReader(_Counted(raw, cap, self, name))

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> Tree:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Counted(io.RawIOBase):
    """Counts bytes produced by a member and stops at ``cap`` whatever its header claimed."""

    def __init__(self, raw: IO[bytes], cap: int, tree: Tree, name: str) -> None:
        self.raw_member, self.cap, self.tree, self.name, self.count = raw, cap, tree, name, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self.raw_member.read(len(buffer))
        except (zipfile.BadZipFile, EOFError) as exc:
            raise ArchiveLimitError(f"{self.name}: corrupt member ({exc})") from exc
        self.count += len(data)
        self.tree.used += len(data)
        if self.count > self.cap:
            raise ArchiveLimitError(f"{self.name}: expanded past the {self.cap}-byte limit")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.raw_member.close()
        super().close()
