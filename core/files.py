"""Files on the wire: 9101 upload, 9102 download and safe ZIP handling.

National baseline 【9101】 (表371/372, input node ``fsUploadIn``: ``in``, ``filename``,
``fixmedins_code``; output ``file_qury_no``, ``filename``, ``fixmedins_code``, ``dld_endtime``)
and 【9102】 (表373, node ``fsDownloadIn``: ``file_qury_no``, ``filename``, ``fixmedins_code``;
``plc`` for the catalogue files of 1301-1319).  Guangdong guide 004 §6: the ZIP travels in
``in`` as a byte array; most centres take it as Base64 text, the region's profile says which
(``RegionProfile.file_in_encoding``).

A file from the centre is untrusted input.  Every download lands in a temporary directory of
its own, is capped in size, and is unpacked only through :func:`open_member`, which refuses
absolute or ``..`` member names, too many members, and bombs (declared and actual sizes and the
compression ratio are all capped, the actual size while streaming, because a hostile header
can lie).  A download that breaks midway is thrown away and fetched again from the start: a
9102 is a read, so repeating it is safe.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import IO, Any, Literal

import attrs

from .errors import BusinessError, OutcomeUnknownError, YibaoError

__all__ = [
    "CATALOGUE_OWNER",
    "FileLimits",
    "UnsafeFileError",
    "UploadReceipt",
    "download",
    "encode_in",
    "open_member",
    "upload",
    "workspace",
    "zip_file",
]

CATALOGUE_OWNER = "plc"  # 9102 fixmedins_code for files of 1301-1319 (表373 说明)

Call = Callable[[str, Mapping[str, Any]], Mapping[str, Any]]
#: ``fetch(fs_download_in, sink, max_bytes) -> bytes written``: one 9102, streamed into ``sink``.
Fetch = Callable[[Mapping[str, Any], IO[bytes], int], int]


class UnsafeFileError(YibaoError):
    """A file from the centre was refused: too big, a bomb, a hostile name, or not a ZIP."""

    exit_code = 3


@attrs.frozen
class FileLimits:
    """Caps for one file; the defaults carry a month of a million settlements comfortably."""

    max_download_bytes: int = 256 * 1024 * 1024
    max_member_bytes: int = 2 * 1024 * 1024 * 1024
    max_total_bytes: int = 4 * 1024 * 1024 * 1024
    max_ratio: int = 200
    max_members: int = 16
    attempts: int = 3


@attrs.frozen
class UploadReceipt:
    """What 9101 answered: the ``file_qury_no`` that 3202 takes, and the echoed names."""

    file_qury_no: str
    filename: str
    fixmedins_code: str
    dld_endtime: str | None = None


@contextlib.contextmanager
def workspace(prefix: str = "yibao-") -> Iterator[Path]:
    """A private temporary directory for one call, removed afterwards whatever happens."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def zip_file(src: Path, dest: Path, arcname: str | None = None, *, level: int = 6) -> Path:
    """Compress one TXT into ``dest`` (deflate), streaming; ``arcname`` defaults to its name."""
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        zf.write(src, arcname or src.name)
    return dest


def encode_in(data: bytes, encoding: Literal["base64", "array"]) -> str | list[int]:
    """The 9101 ``in`` value: Base64 text, or a JSON byte array (004 §6: "byte数组")."""
    if encoding == "array":
        return list(data)
    return base64.b64encode(data).decode("ascii")


def upload(
    call: Call,
    data: bytes,
    filename: str,
    fixmedins_code: str,
    encoding: Literal["base64", "array"] = "base64",
) -> UploadReceipt:
    """9101: send ``data`` (a ZIP) and return the centre's receipt."""
    if not filename or len(filename) > 200 or "/" in filename or "\\" in filename:
        raise ValueError(f"9101 filename {filename!r} must be 1-200 characters without a path")
    out = call(
        "9101",
        {
            "fsUploadIn": {
                "in": encode_in(data, encoding),
                "filename": filename,
                "fixmedins_code": fixmedins_code,
            }
        },
    )
    # 表372: fields directly under output; some centres wrap them in a node anyway.
    if "file_qury_no" not in out and len(out) == 1:
        inner = next(iter(out.values()))
        if isinstance(inner, Mapping):
            out = inner
    qury = out.get("file_qury_no")
    if not qury:
        raise BusinessError("9101 answered without file_qury_no", infno="9101")
    return UploadReceipt(
        file_qury_no=str(qury),
        filename=str(out.get("filename") or filename),
        fixmedins_code=str(out.get("fixmedins_code") or fixmedins_code),
        dld_endtime=str(out["dld_endtime"]) if out.get("dld_endtime") else None,
    )


def download(
    fetch: Fetch,
    file_qury_no: str,
    filename: str,
    fixmedins_code: str,
    dest_dir: Path,
    limits: FileLimits = FileLimits(),
) -> Path:
    """9102: fetch the ZIP into ``dest_dir`` and check it; returns its path.

    A reply that breaks midway (transport error, or bytes that are not a whole ZIP) is thrown
    away and fetched again from the start, at most ``limits.attempts`` times.  A JSON error
    from the centre (``BusinessError``) is not retried: it will not change.
    """
    request = {
        "fsDownloadIn": {"file_qury_no": file_qury_no, "filename": filename, "fixmedins_code": fixmedins_code}
    }
    target = dest_dir / _local_name(filename)
    part = target.with_name(target.name + ".part")
    last: Exception | None = None
    for _ in range(max(1, limits.attempts)):
        part.unlink(missing_ok=True)
        try:
            with open(part, "wb") as sink:
                fetch(request, sink, limits.max_download_bytes)
        except OutcomeUnknownError as exc:  # a read: repeating it is harmless
            last = exc
            continue
        except BaseException:  # refused (too big, a JSON error): nothing of it stays behind
            part.unlink(missing_ok=True)
            raise
        try:
            with zipfile.ZipFile(part) as zf:
                check_members(zf, limits)
                if zf.testzip() is not None:
                    raise zipfile.BadZipFile("CRC mismatch")
        except zipfile.BadZipFile as exc:  # truncated or corrupted: fetch again from the start
            last = exc
            continue
        os.replace(part, target)
        return target
    part.unlink(missing_ok=True)
    raise UnsafeFileError(
        f"9102 download of {file_qury_no} failed {limits.attempts} times: {last}", infno="9102"
    )


def _local_name(filename: str) -> str:
    """The name a downloaded file gets on disk: the centre's name without any directory part;
    a name that is empty, ``.``, ``..`` or has a NUL becomes ``download.zip``."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    return name if name not in ("", ".", "..") and "\x00" not in name else "download.zip"


def _safe_name(name: str) -> bool:
    if not name or "\x00" in name:
        return False
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        return False
    return ".." not in PurePosixPath(norm).parts


def check_members(zf: zipfile.ZipFile, limits: FileLimits) -> list[zipfile.ZipInfo]:
    """The regular-file members of ``zf``, after refusing hostile names and declared bombs."""
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise UnsafeFileError(f"ZIP has {len(infos)} members, more than {limits.max_members}")
    total = 0
    files = []
    for info in infos:
        if not _safe_name(info.filename):
            raise UnsafeFileError(f"ZIP member name {info.filename[:80]!r} is absolute or leaves the folder")
        if info.is_dir():
            continue
        if info.file_size > limits.max_member_bytes:
            raise UnsafeFileError(f"ZIP member {info.filename[:80]!r} declares {info.file_size} bytes")
        if info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
            raise UnsafeFileError(
                f"ZIP member {info.filename[:80]!r} has a compression ratio above {limits.max_ratio}"
            )
        total += info.file_size
        files.append(info)
    if total > limits.max_total_bytes:
        raise UnsafeFileError(f"ZIP declares {total} bytes in all, more than {limits.max_total_bytes}")
    return files


class _CappedRaw(io.RawIOBase):
    """A read-only stream that stops a member inflating past its cap or its ratio.

    Counted on the bytes actually inflated, because a hostile header can declare any size.
    """

    def __init__(self, raw: IO[bytes], info: zipfile.ZipInfo, limits: FileLimits) -> None:
        super().__init__()
        self._raw = raw
        self._cap = min(limits.max_member_bytes, max(info.compress_size, 1) * limits.max_ratio)
        self._seen = 0
        self._name = info.filename

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        self._seen += len(data)
        if self._seen > self._cap:
            raise UnsafeFileError(f"ZIP member {self._name[:80]!r} inflates past {self._cap} bytes")
        buffer[: len(data)] = data
        return len(data)


@contextlib.contextmanager
def open_member(
    zip_path: Path, limits: FileLimits = FileLimits(), suffix: str = ".txt"
) -> Iterator[IO[bytes]]:
    """Open the one data file of a ZIP (the first ``suffix`` member, else the only member)."""
    try:
        zf = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile as exc:
        raise UnsafeFileError(f"{zip_path.name} is not a ZIP: {exc}") from None
    with zf:
        files = check_members(zf, limits)
        chosen = [i for i in files if i.filename.lower().endswith(suffix)] or files
        if not chosen:
            raise UnsafeFileError(f"{zip_path.name} holds no file")
        with zf.open(chosen[0]) as raw:
            with io.BufferedReader(_CappedRaw(raw, chosen[0], limits), 1 << 20) as capped:
                yield capped
