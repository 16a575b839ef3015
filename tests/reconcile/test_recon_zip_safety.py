"""Hostile files from the centre are refused; a broken download is fetched again (core/files.py)."""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from yibao.core.errors import BusinessError, OutcomeUnknownError
from yibao.core.files import FileLimits, UnsafeFileError, download, encode_in, open_member, upload


def _zip(members: dict[str, bytes], level: int = 6) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/passwd", "a/../../x.txt", "C:\\x.txt", "..\\x.txt"])
def test_member_names_that_leave_the_folder_are_refused(tmp_path: Path, name: str) -> None:
    p = tmp_path / "z.zip"
    p.write_bytes(_zip({name: b"x\n"}))
    with pytest.raises(UnsafeFileError, match="absolute or leaves"), open_member(p):
        pass


def test_a_bomb_is_refused_by_ratio(tmp_path: Path) -> None:
    p = tmp_path / "bomb.zip"
    p.write_bytes(_zip({"b.txt": b"\0" * 20_000_000}, level=9))
    with pytest.raises(UnsafeFileError, match="ratio"), open_member(p):
        pass


def test_a_bomb_with_a_lying_header_is_stopped_while_inflating(tmp_path: Path) -> None:
    data = bytearray(_zip({"b.txt": b"\0" * 5_000_000}, level=9))
    # Rewrite the declared size in the central directory to 1000 bytes: the header now lies.
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24 : cd + 28] = (1000).to_bytes(4, "little")
    p = tmp_path / "liar.zip"
    p.write_bytes(bytes(data))
    with pytest.raises((UnsafeFileError, zipfile.BadZipFile)):
        with open_member(p) as f:
            f.read()


def test_too_many_members_and_not_a_zip(tmp_path: Path) -> None:
    p = tmp_path / "many.zip"
    p.write_bytes(_zip({f"{i}.txt": b"x" for i in range(5)}))
    with pytest.raises(UnsafeFileError, match="members"), open_member(p, FileLimits(max_members=4)):
        pass
    q = tmp_path / "html.zip"
    q.write_bytes(b"<html>gateway error</html>")
    with pytest.raises(UnsafeFileError, match="not a ZIP"), open_member(q):
        pass


def test_a_good_file_streams_its_lines(tmp_path: Path) -> None:
    p = tmp_path / "ok.zip"
    p.write_bytes(_zip({"r.txt": b"a\tb\nc\td\n"}))
    with open_member(p) as f:
        assert list(f) == [b"a\tb\n", b"c\td\n"]


def _streaming(answer: Any) -> Any:
    """A 9102 fetch of the streaming shape (``fetch(request, sink, cap) -> bytes written``) that
    writes what ``answer(request)`` returns, as the transport does, never past the cap."""

    def fetch(req: Mapping[str, Any], sink: Any, cap: int) -> int:
        data = answer(req)
        if len(data) > cap:
            raise UnsafeFileError(f"9102 answer of {len(data)} bytes or more exceeds the cap of {cap}", infno="9102")
        sink.write(data)
        return len(data)

    return fetch


def test_download_restarts_cleanly_after_a_break(tmp_path: Path) -> None:
    good = _zip({"r.txt": b"P1\tM1\n" * 1000})
    answers: list[Any] = [OutcomeUnknownError("connection reset", infno="9102"), good[: len(good) // 2], good]
    seen: list[Mapping[str, Any]] = []

    def fetch(req: Mapping[str, Any]) -> bytes:
        seen.append(req)
        a = answers.pop(0)
        if isinstance(a, Exception):
            raise a
        return bytes(a)

    path = download(_streaming(fetch), "Q1", "result.zip", "H44190000001", tmp_path)
    assert path.read_bytes() == good and len(seen) == 3
    inner = {"file_qury_no": "Q1", "filename": "result.zip", "fixmedins_code": "H44190000001"}
    assert seen[0] == {"fsDownloadIn": inner}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.zip"]  # no .part left behind


def test_download_gives_up_and_caps_size(tmp_path: Path) -> None:
    with pytest.raises(UnsafeFileError, match="failed 2 times"):
        download(_streaming(lambda r: b"PK\x03\x04broken"), "Q", "f.zip", "plc", tmp_path, FileLimits(attempts=2))
    with pytest.raises(UnsafeFileError, match="exceeds the cap"):
        download(_streaming(lambda r: b"x" * 100), "Q", "f.zip", "plc", tmp_path, FileLimits(max_download_bytes=10))

    def refuse(r: Mapping[str, Any]) -> bytes:
        raise BusinessError("文件不存在", infno="9102")

    with pytest.raises(BusinessError):
        download(_streaming(refuse), "Q", "f.zip", "plc", tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["..", ".", "", "../../etc/passwd", "a\x00b.zip"])
def test_a_hostile_filename_from_the_centre_stays_in_the_work_directory(tmp_path: Path, name: str) -> None:
    """1301 / 3202 name the file; a name like ``..`` lands as ``download.zip`` in the work dir."""
    work = tmp_path / "work"
    work.mkdir()
    path = download(_streaming(lambda r: _zip({"r.txt": b"a"})), "Q", name, "plc", work)
    assert path.parent == work and path.name in ("download.zip", "passwd")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]


def test_upload_encodes_in_as_base64_or_array() -> None:
    sent: list[Mapping[str, Any]] = []

    def call(infno: str, inp: Mapping[str, Any]) -> Mapping[str, Any]:
        sent.append(inp)
        return {"file_qury_no": "Q9", "filename": inp["fsUploadIn"]["filename"], "fixmedins_code": "H1"}

    r = upload(call, b"PK\x01", "d.zip", "H1", "base64")
    assert r.file_qury_no == "Q9" and sent[0]["fsUploadIn"]["in"] == base64.b64encode(b"PK\x01").decode()
    upload(call, b"PK\x01", "d.zip", "H1", "array")
    assert sent[1]["fsUploadIn"]["in"] == [80, 75, 1] == encode_in(b"PK\x01", "array")
    with pytest.raises(ValueError, match="without a path"):
        upload(call, b"", "../d.zip", "H1")
