"""The rows of the centre's code catalogues 【1307】-【1315】: diagnoses, operations, diseases.

These catalogues list codes, not priced items: a HIS builds its diagnosis and operation pickers
from them, and the 慢特病 codes of 1309 are the ones 1101 reports in ``opsp`` and 2201 / 2207 are
given for 门慢 / 门特.  The priced catalogue (:data:`yibao.sandbox.seed.CATALOG`) feeds 1301-1306
and 1312 / 1316-1319 instead.

verified: false.  The ICD-10 (1307, 医保版 notation with ``x`` and six-character codes),
ICD-9-CM-3 (1308) and ICD-O-3 (1313) codes are the public classifications' codes the tests and
the docs use; the names are the common Chinese titles, not checked row by row against the
national 医保版 tables.  The 按病种 (1310), 日间手术 (1311) and 中医 (1314 / 1315) catalogues are
regional or versioned tables no public source gives, so their codes are synthetic (prefix
``SB``) like the priced catalogue's.  The 1309 codes are the ones :mod:`yibao.sandbox.seed`
gives its 慢特病 persons.  【1304】 民族药品目录 (paged) lists :data:`ETHNIC_DRUGS`, synthetic
like the rest (its ``ethdrug_type`` too).  ``docs/sandbox.md`` lists every row (a test keeps the two the same).
"""

from __future__ import annotations

__all__ = ["CODE_CATALOGUES", "ETHNIC_DRUGS"]

#: kind → ((code, name), ...): the first version (``SBV2026001``) the sandbox publishes.
CODE_CATALOGUES: dict[str, tuple[tuple[str, str], ...]] = {
    "1307": (  # 疾病与诊断目录 (ICD-10 医保版)
        ("C34.900", "肺恶性肿瘤"),
        ("E11.900", "2型糖尿病"),
        ("H25.900", "老年性白内障"),
        ("I10.x00", "高血压"),
        ("J00.x00", "急性鼻咽炎"),
        ("J06.900", "急性上呼吸道感染"),
        ("J18.900", "肺炎"),
        ("J44.900", "慢性阻塞性肺疾病"),
        ("K35.800", "急性阑尾炎"),
        ("K80.200", "胆囊结石"),
        ("M17.900", "膝关节病"),
    ),
    "1308": (  # 手术操作目录 (ICD-9-CM-3)
        ("13.4100", "白内障超声乳化抽吸术"),
        ("47.0100", "腹腔镜下阑尾切除术"),
        ("47.0900", "阑尾切除术"),
        ("51.2300", "腹腔镜下胆囊切除术"),
        ("81.5100", "全髋关节置换术"),
        ("81.5400", "全膝关节置换术"),
    ),
    "1309": (  # 门诊慢特病种目录 (the seeded persons' opsp)
        ("M01600", "慢性阻塞性肺疾病"),
        ("M03900", "高血压"),
        ("M07800", "糖尿病"),
    ),
    "1310": (  # 按病种付费病种目录 (synthetic)
        ("SBBZ0001", "急性单纯性阑尾炎(阑尾切除术)(测试)"),
        ("SBBZ0002", "胆囊结石(腹腔镜下胆囊切除术)(测试)"),
    ),
    "1311": (  # 日间手术治疗病种目录 (synthetic)
        ("SBRJ0001", "老年性白内障(超声乳化)(测试)"),
    ),
    "1313": (  # 肿瘤形态学目录 (ICD-O-3)
        ("M80700/3", "鳞状细胞癌"),
        ("M81400/3", "腺癌"),
    ),
    "1314": (  # 中医疾病目录 (synthetic)
        ("SBZB0001", "感冒病(测试)"),
        ("SBZB0002", "眩晕病(测试)"),
    ),
    "1315": (  # 中医证候目录 (synthetic)
        ("SBZZ0001", "风寒束表证(测试)"),
        ("SBZZ0002", "肝阳上亢证(测试)"),
    ),
}

#: 【1304】 民族药品目录: (code, drug_genname, ethdrug_type, dosform), synthetic.
ETHNIC_DRUGS: tuple[tuple[str, str, str, str], ...] = (
    ("SBMZ00010001", "二十五味珍珠丸(藏药,测试)", "1", "丸剂"),
    ("SBMZ00020001", "扎冲十三味丸(蒙药,测试)", "2", "丸剂"),
)
