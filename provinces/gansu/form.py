"""附录1 两定接口联调及目录验证表, filled from a finished ``yibao acceptance`` run (Gansu 接入指引).

The form's parts, each with its result and the interfaces or steps it rests on:

- 机构基本信息: 机构编码, 业务范围 (购药 / 门诊 / 门特门慢 / 住院业务 by the institution kind);
- 接口验证: 购药, 门诊业务, 门慢业务, 门特业务, 住院业务, 其他: 通过 when every interface of the
  business passed (门慢 / 门特: their settlement step too), 不通过 otherwise, 不适用 outside
  the scope;
- 目录验证: 药品目录 (1301-1304, 1312, 1316-1319, 3301 / 3302 目录对照), 服务项目 (1305), 医用耗材
  (1306), 诊断手术 (1307, 1308, 1310, 1311, 1313-1315, and 1309 门诊慢特病种);
- 读卡 (验证标准 4: 身份证、社保卡、电子凭证三种方式都支持): all three media were read;
- 综合验证结论: 完全通过 (everything passed, all three media read), 基本通过 (the kind's main
  businesses passed: 购药, or 门诊 and 住院 where in scope), 不通过 otherwise.

The signatures (定点机构签名, 医保局签名, 省项目组签名) are left for the people who sign.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

__all__ = ["BUSINESS", "CATALOGUE", "build_form"]

_PASS, _FAIL, _NA = "通过", "不通过", "不适用"
#: business -> (the interfaces it rests on, the steps that must have run, the kinds it is in scope for)
BUSINESS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]] = {
    "购药": (("2101", "2102", "2103"), ("2101/2102 ID card",), ("pharmacy",)),
    "门诊业务": (("2201", "2203", "2204", "2206", "2207", "2208", "2205", "2202"), ("outpatient ID card",),
                 ("clinic", "hospital")),
    "门慢业务": (("2503", "5301"), ("门慢 2207", "门慢 2102"), ("pharmacy", "clinic", "hospital")),
    "门特业务": (("2503", "5301"), ("门特 2207",), ("clinic", "hospital")),
    "住院业务": (("2401", "2301", "2402", "2403", "2303", "2304", "2305", "2405", "2302", "2404"), ("inpatient stay",),
                 ("hospital",)),
    "其他": (("9001", "9002", "1101", "1201", "2001", "2601", "3101", "3201", "3202", "9101", "9102", "2501", "2501A",
              "2502", "2504", "2505", "2506", "5302", "5303", "5304", "4101", "4401", "3501", "3502", "3505", "3506"),
             (), ("pharmacy", "clinic", "hospital")),
}  # fmt: skip
CATALOGUE: Final[dict[str, tuple[str, ...]]] = {
    "药品目录": ("1301", "1302", "1303", "1304", "1312", "1316", "1317", "1318", "1319", "3301", "3302"),
    "服务项目": ("1305",),
    "医用耗材": ("1306",),
    "诊断手术": ("1307", "1308", "1309", "1310", "1311", "1313", "1314", "1315"),
}
_SCOPE: Final = {"pharmacy": ("购药", "门特门慢"), "clinic": ("门诊", "门特门慢"), "hospital": ("门诊", "门特门慢",
                                                                                    "住院业务")}
MEDIA: Final = {"id_card": "居民身份证", "ss_card": "社保卡", "ecode": "医保电子凭证"}


def _status(interfaces: Mapping[str, str], infnos: Iterable[str]) -> tuple[str, list[str]]:
    """通过 when every listed interface that the run had passed; the ones it had."""
    had = [i for i in infnos if i in interfaces]
    return (_PASS if had and all(interfaces[i] == "passed" for i in had) else _FAIL), had


def _steps_ok(steps: Sequence[Mapping[str, Any]], wanted: Sequence[str]) -> bool:
    ran = {str(s["step"]): bool(s["ok"]) for s in steps}
    hit = [w for w in wanted if w in ran]
    return bool(hit) and all(ran[w] for w in hit) if wanted else True


def build_form(kind: str, report: Mapping[str, Any]) -> dict[str, Any]:
    """The 附录1 form of one run (see the module docstring); JSON-ready."""
    interfaces = {str(i["infno"]): str(i["status"]) for i in report.get("interfaces", [])}
    steps = list(report.get("steps", []))
    business: dict[str, str] = {}
    rows = []
    for name, (infnos, wanted, kinds) in BUSINESS.items():
        if kind not in kinds:
            business[name] = _NA
            rows.append({"item": name, "result": _NA, "basis": "不在业务范围"})
            continue
        result, had = _status(interfaces, infnos)
        if not _steps_ok(steps, wanted):
            result = _FAIL
        business[name] = result
        rows.append({"item": name, "result": result,
                     "basis": " ".join(had) + (f" | {', '.join(wanted)}" if wanted else "")})
    catalogue = {}
    cat_rows = []
    for name, infnos in CATALOGUE.items():
        result, had = _status(interfaces, infnos)
        catalogue[name] = result
        cat_rows.append({"item": name, "result": result, "basis": " ".join(had)})
    media = list(report.get("media", []))
    read = {label: (key in media) for key, label in MEDIA.items()}
    media_ok = all(read.values())
    media_rows = [{"item": label, "result": _PASS if ok else _FAIL, "basis": "读卡"} for label, ok in read.items()]
    core = [b for b in ("购药", "门诊业务", "住院业务") if business[b] != _NA]
    everything = all(v != _FAIL for v in business.values()) and all(v == _PASS for v in catalogue.values()) \
        and media_ok and bool(report.get("passed"))
    if everything:
        conclusion = "完全通过，已按接口规范完成测试，目录验证结果正确，可进行上线试运行"
    elif core and all(business[b] == _PASS for b in core):
        conclusion = "基本通过，已完成基本接口，可以保证基本业务正常办理"
    else:
        conclusion = "不通过"
    verdict = _PASS if everything else _FAIL
    return {
        "title": "附录1 两定接口联调及目录验证表",
        "institution": {"机构编码": report.get("fixmedins_code", ""), "联调测试地址": report.get("gateway", ""),
                        "接口类型": "API 嵌入式接口", "业务范围": list(_SCOPE.get(kind, ()))},
        "business": business, "catalogue": catalogue, "media": read, "verification": verdict,
        "conclusion": conclusion,
        "sections": [
            {"name": "机构基本信息", "rows": [{"item": "机构编码", "result": report.get("fixmedins_code", ""),
                                         "basis": ""},
                                            {"item": "业务范围", "result": " ".join(_SCOPE.get(kind, ())),
                                             "basis": kind},
                                            {"item": "接口类型", "result": "API 嵌入式接口", "basis": ""}]},
            {"name": "接口验证", "rows": rows},
            {"name": "目录验证", "rows": cat_rows},
            {"name": "读卡 (身份证、社保卡、电子凭证三种方式都支持)", "rows": media_rows},
            {"name": "验证结果", "rows": [{"item": "验证结果", "result": verdict,
                                       "basis": "接口验证、目录验证、读卡"}]},
        ],
        "signatures": {"定点机构签名（盖章）": "", "市(区/县)医保局签名": "", "省项目组签名": "", "日期": ""},
    }  # fmt: skip
