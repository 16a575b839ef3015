"""What a workflow is given: the engine to send through, and the region and institution it
works for.  A workflow never reaches for a client object; it holds this and nothing else."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import IO, Any

import attrs

from ..config import Config
from ..engine import Call, Engine
from ..envelope import Reply
from ..journal import Journal
from ..plugins import RegionHooks, RegionProfile

__all__ = ["Context"]


@attrs.frozen
class Context:
    """The engine, the configuration, and shortcuts to what workflows read."""

    engine: Engine
    config: Config

    @property
    def profile(self) -> RegionProfile:
        return self.engine.profile

    @property
    def hooks(self) -> RegionHooks:
        return self.engine.hooks

    @property
    def journal(self) -> Journal:
        return self.engine.journal

    def now(self) -> datetime:
        """Now, aware, Beijing time."""
        return self.engine.now()

    def send(self, call: Call, *, first: Call | None = None) -> Reply:
        return self.engine.send(call, first=first)

    def call(self, infno: str, data: Mapping[str, Any], *, insuplc_admdvs: str | None = None) -> Any:
        """Send one transaction and return its ``output``."""
        return self.engine.send(Call(infno, data, insuplc_admdvs=insuplc_admdvs)).output

    def download(self, fs_download_in: Mapping[str, Any], sink: IO[bytes], max_bytes: int) -> int:
        """【9102】 文件下载 into ``sink`` (``fsDownloadIn``: file_qury_no, filename, fixmedins_code);
        the bytes written, never more than ``max_bytes``."""
        data = dict(fs_download_in) if "fsDownloadIn" in fs_download_in else {"fsDownloadIn": dict(fs_download_in)}
        return self.engine.download(Call("9102", data), sink, max_bytes)
