"""Opening an uploaded ZIP safely (9101 → 3202): the centre's own checks of an untrusted file.

National baseline 【9101】 / 【3202】 重点说明: the file is "TXT文件的ZIP压缩包".  Before a byte is
inflated the archive must pass:

- at most :attr:`ZipLimits.max_members` members;
- member names that stay inside the archive: not empty, no NUL, not absolute (``/x``,
  ``\\x``, ``C:x``), no ``..`` part;
- declared sizes: each member at most ``max_member_bytes``, the whole at most
  ``max_total_bytes``, and a declared compression ratio of at most ``max_ratio``.

Headers can lie, so the member is also counted *while it inflates*: past
``min(max_member_bytes, compressed size × max_ratio)`` bytes the read stops with
:class:`UnsafeZip` (a zip bomb never reaches memory or disk).
"""

from __future__ import annotations

import contextlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import IO, Any

import attrs

__all__ = ["UnsafeZip", "ZipLimits", "open_data_member"]


class UnsafeZip(ValueError):
    """The archive was refused; the message says why (member names are cut to 60 characters)."""


@attrs.frozen
class ZipLimits:
    """Caps for one uploaded archive (docs/sandbox.md, "Limits")."""

    max_members: int = 16
    max_member_bytes: int = 1024 * 1024 * 1024
    max_total_bytes: int = 2 * 1024 * 1024 * 1024
    max_ratio: int = 200


def _name_ok(name: str) -> bool:
    if not name or "\x00" in name:
        return False
    unified = name.replace("\\", "/")
    if unified.startswith("/") or (len(unified) > 1 and unified[1] == ":"):
        return False
    return ".." not in PurePosixPath(unified).parts


def _checked(archive: zipfile.ZipFile, limits: ZipLimits) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise UnsafeZip(f"压缩包有{len(infos)}个文件，最多{limits.max_members}个")
    total = 0
    files = []
    for info in infos:
        shown = info.filename[:60]
        if not _name_ok(info.filename):
            raise UnsafeZip(f"压缩包内文件名[{shown}]不安全(绝对路径或含..)")
        if info.is_dir():
            continue
        if info.file_size > limits.max_member_bytes:
            raise UnsafeZip(f"压缩包内文件[{shown}]声明{info.file_size}字节，超过{limits.max_member_bytes}")
        if info.file_size > max(info.compress_size, 1) * limits.max_ratio:
            raise UnsafeZip(f"压缩包内文件[{shown}]压缩比超过{limits.max_ratio}")
        total += info.file_size
        files.append(info)
    if total > limits.max_total_bytes:
        raise UnsafeZip(f"压缩包声明共{total}字节，超过{limits.max_total_bytes}")
    return files


class _Counted(io.RawIOBase):
    """A member's inflated stream that refuses to give more than ``cap`` bytes."""

    def __init__(self, raw: IO[bytes], cap: int, name: str) -> None:
        super().__init__()
        self._raw = raw
        self._cap = cap
        self._seen = 0
        self._name = name[:60]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._raw.read(len(view))
        self._seen += len(data)
        if self._seen > self._cap:
            raise UnsafeZip(f"压缩包内文件[{self._name}]解压后超过{self._cap}字节(疑似压缩炸弹)")
        view[: len(data)] = data
        return len(data)


@contextlib.contextmanager
def open_data_member(
    source: IO[bytes], limits: ZipLimits = ZipLimits(), suffix: str = ".txt"
) -> Iterator[IO[bytes]]:
    """The one data file of a ZIP (its first ``suffix`` member, else its only file), streamed.

    ``source`` is any seekable binary file (a ``sqlite3.Blob`` works).  Raises
    :class:`UnsafeZip` for anything refused, including a file that is not a ZIP.
    """
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise UnsafeZip(f"不是有效的ZIP压缩包: {exc}") from None
    with archive:
        files = _checked(archive, limits)
        chosen = [i for i in files if i.filename.lower().endswith(suffix)] or files
        if not chosen:
            raise UnsafeZip("压缩包内没有文件")
        if len(chosen) > 1 and not chosen[0].filename.lower().endswith(suffix):
            raise UnsafeZip(f"压缩包内没有{suffix}文件且文件不止一个")
        info = chosen[0]
        cap = min(limits.max_member_bytes, max(info.compress_size, 1) * limits.max_ratio)
        try:
            raw = archive.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError) as exc:
            raise UnsafeZip(f"压缩包内文件无法读取: {exc}") from None
        with raw, io.BufferedReader(_Counted(raw, cap, info.filename), 1 << 16) as stream:
            yield stream
