"""What the engine learns about persons from 1101 人员信息获取, kept in memory only.

Spec 表2 #4: the envelope's ``insuplc_admdvs`` (参保地医保区划) must be the person's own for every
transaction after 1101; the HIS rarely has it, so the engine remembers it by ``psn_no`` from
1101's ``insuinfo`` (the first record, unless a workflow chose another one).  It remembers the
person's name too: a centre's ``err_msg`` that repeats it is masked before it is stored or
shown (issue 10 #11), although the later messages themselves carry no name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["Persons"]


class Persons:
    """``psn_no`` -> ``insuplc_admdvs``, learned from 1101 replies (kept in memory only)."""

    def __init__(self) -> None:
        self._insuplc: dict[str, str] = {}
        self._names: dict[str, str] = {}

    def remember(self, psn_no: str, insuplc_admdvs: str) -> None:
        if psn_no and insuplc_admdvs:
            self._insuplc[psn_no] = insuplc_admdvs

    def learn_from_1101(self, output: Any) -> None:
        """Remember the first insurance record's region of a 1101 ``output``."""
        if not isinstance(output, Mapping):
            return
        base, insu = output.get("baseinfo"), output.get("insuinfo")
        if isinstance(base, Mapping) and isinstance(base.get("psn_no"), str) and isinstance(base.get("psn_name"), str):
            self._names[base["psn_no"]] = base["psn_name"]
        if isinstance(base, Mapping) and isinstance(insu, list) and insu and isinstance(insu[0], Mapping):
            psn_no = base.get("psn_no")
            if isinstance(psn_no, str) and psn_no not in self._insuplc:
                self.remember(psn_no, str(insu[0].get("insuplc_admdvs") or ""))

    def insuplc_for(self, psn_no: str | None, fallback: str | None = None) -> str:
        """The envelope value for a message about ``psn_no``."""
        if psn_no and psn_no in self._insuplc:
            return self._insuplc[psn_no]
        return fallback or ""

    def name_of(self, psn_no: str | None) -> str | None:
        """The name 1101 gave for ``psn_no``, if this process saw it."""
        return self._names.get(psn_no) if psn_no else None
