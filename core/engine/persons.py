"""What the engine learns about persons from 1101 人员信息获取, kept for the envelope.

Spec 表2 #4: the envelope's ``insuplc_admdvs`` (参保地医保区划) must be the person's own for every
transaction after 1101; the HIS rarely has it, so the engine remembers it by ``psn_no`` from
1101's ``insuinfo`` (the first record, unless a workflow chose another one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["Persons"]


class Persons:
    """``psn_no`` -> ``insuplc_admdvs``, learned from 1101 replies (kept in memory only)."""

    def __init__(self) -> None:
        self._insuplc: dict[str, str] = {}

    def remember(self, psn_no: str, insuplc_admdvs: str) -> None:
        if psn_no and insuplc_admdvs:
            self._insuplc[psn_no] = insuplc_admdvs

    def learn_from_1101(self, output: Any) -> None:
        """Remember the first insurance record's region of a 1101 ``output``."""
        if not isinstance(output, Mapping):
            return
        base, insu = output.get("baseinfo"), output.get("insuinfo")
        if isinstance(base, Mapping) and isinstance(insu, list) and insu and isinstance(insu[0], Mapping):
            psn_no = base.get("psn_no")
            if isinstance(psn_no, str) and psn_no not in self._insuplc:
                self.remember(psn_no, str(insu[0].get("insuplc_admdvs") or ""))

    def insuplc_for(self, psn_no: str | None, fallback: str | None = None) -> str:
        """The envelope value for a message about ``psn_no``."""
        if psn_no and psn_no in self._insuplc:
            return self._insuplc[psn_no]
        return fallback or ""
