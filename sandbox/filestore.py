"""Files the centre keeps (9101 uploads, 3202 results, 1301-1315 catalogues) in its books.

A file is one row of ``files`` with its bytes in a BLOB.  Big ones never pass through memory
whole: :meth:`FileStore.save_file_from` copies a file on disk into the blob in chunks and
:meth:`FileStore.file_chunks` reads it back the same way through a connection of its own (9102
streams it), :meth:`FileStore.file_info` answers without the bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from .clock import local_text
from .db import Database

__all__ = ["FileStore"]

_CHUNK = 1 << 20  # files move through the books a MiB at a time


class FileStore(Database):
    """Kept files; see the module docstring."""

    def save_file(
        self,
        fixmedins_code: str,
        filename: str,
        data: bytes,
        *,
        file_qury_no: str | None = None,
        kind: str = "",
        created_time: str | None = None,
    ) -> str:
        """Keep a file (upload or result); returns its ``file_qury_no``."""
        with self.transaction():
            if file_qury_no is None:
                file_qury_no = f"F{fixmedins_code[-6:]}{self.next_seq('file_qury_no'):012d}"
            self.execute(
                "INSERT OR REPLACE INTO files(file_qury_no, fixmedins_code, filename, kind, data, "
                "created_time) VALUES (?,?,?,?,?,?)",
                (
                    file_qury_no,
                    fixmedins_code,
                    filename,
                    kind,
                    data,
                    created_time or local_text(self.clock()),
                ),
            )
        return file_qury_no

    def save_file_from(
        self,
        fixmedins_code: str,
        filename: str,
        src: IO[bytes],
        size: int,
        *,
        file_qury_no: str,
        kind: str,
        created_time: str,
    ) -> str:
        """:meth:`save_file` for a file on disk: copied into the blob in chunks, not all at once."""
        with self.transaction():
            cur = self.execute(
                "INSERT OR REPLACE INTO files(file_qury_no, fixmedins_code, filename, kind, data, created_time) "
                "VALUES (?,?,?,?,zeroblob(?),?)",
                (file_qury_no, fixmedins_code, filename, kind, size, created_time),
            )
            rowid = cur.lastrowid
            assert rowid is not None
            with self._lock, self.conn.blobopen("files", "data", rowid) as blob:
                while chunk := src.read(_CHUNK):
                    blob.write(chunk)
        return file_qury_no

    def file_info(self, file_qury_no: str) -> dict[str, Any] | None:
        """A kept file without its bytes: ``file_qury_no, fixmedins_code, filename, kind, size``."""
        return self.query_one(
            "SELECT file_qury_no, fixmedins_code, filename, kind, created_time, length(data) AS size "
            "FROM files WHERE file_qury_no = ?",
            (file_qury_no,),
        )

    def file_chunks(self, file_qury_no: str, chunk: int = _CHUNK) -> Iterator[bytes]:
        """The bytes of a kept file, read through a connection of its own, ``chunk`` at a time."""
        with self.reader() as conn:
            row = conn.execute("SELECT rowid FROM files WHERE file_qury_no = ?", (file_qury_no,)).fetchone()
            if row is None:
                return
            with conn.blobopen("files", "data", row[0], readonly=True) as blob:
                while data := blob.read(chunk):
                    yield data

    def get_file(self, file_qury_no: str) -> dict[str, Any] | None:
        """``{file_qury_no, fixmedins_code, filename, kind, data (bytes), created_time}`` or ``None``."""
        return self.query_one("SELECT * FROM files WHERE file_qury_no = ?", (file_qury_no,))
