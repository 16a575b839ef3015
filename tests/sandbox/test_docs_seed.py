"""docs/sandbox.md's table of seeded persons is the seed (sandbox/seed.py), row for row."""

from __future__ import annotations

import re
from pathlib import Path

from yibao.sandbox.code_catalogues import CODE_CATALOGUES, ETHNIC_DRUGS
from yibao.sandbox.idcard import valid_resident_id
from yibao.sandbox.seed import persons

DOC = Path(__file__).resolve().parents[2] / "docs" / "sandbox.md"
ROW = re.compile(r"^\| (SB\d{14}) \| (\S+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| ([\d.]+) \|", re.M)


def test_the_documented_persons_are_the_seeded_ones() -> None:
    documented = ROW.findall(DOC.read_text("utf-8"))
    seeded = [(p["psn_no"], p["psn_name"], p["psn_cert_type"], p["insutype"], p["psn_type"], p["insuplc_admdvs"],
               str(p["balc"])) for p in persons()]  # fmt: skip
    assert documented == seeded


def test_every_seeded_resident_id_is_valid_and_other_documents_keep_theirs() -> None:
    for p in persons():
        if p["psn_cert_type"] == "01":
            assert valid_resident_id(p["certno"]), p["psn_no"]
        else:
            assert p["certno"].startswith("SB") and not valid_resident_id(p["certno"])


CODE_ROW = re.compile(r"^\| (13\d\d) \| \S+ \| (\S+) \| (.+?) \|$", re.M)


def test_the_documented_code_catalogues_are_the_seeded_ones() -> None:
    documented = CODE_ROW.findall(DOC.read_text("utf-8"))
    seeded = [(kind, code, name) for kind, rows in CODE_CATALOGUES.items() for code, name in rows]
    assert documented == seeded


ETHNIC_ROW = re.compile(r"^\| (SBMZ\d+) \| (\S+) \| (\d) \| (\S+) \|$", re.M)


def test_the_documented_ethnic_drugs_are_the_seeded_ones() -> None:
    assert [tuple(r) for r in ETHNIC_ROW.findall(DOC.read_text("utf-8"))] == list(ETHNIC_DRUGS)
