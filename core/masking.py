"""Masking of personal data: the one module for ``input_masked``, logs, reports and CLI output.

The rules follow reliability.md §3 (PIPL art. 28/51, GB/T 35273-2020 display limits): an ID
number keeps its first 4 and last 4 characters, a name its first character, a phone 3 + 4,
a card number its last 4; tokens (电子凭证 ``ecToken``) keep only their last 4; diagnoses
(诊断 / 病种, free-text conditions) are removed altogether.  Field names are the platform's
own (national baseline 1101 ``certno`` / ``psn_name``, 2201 ``mdtrt_cert_no``, 2203
``diseinfo``: ``diag_code`` / ``diag_name``, 2401 ``main_cond_dscr``, 2102 ``dise_codg``).

The field lists are public so the logging module applies the same rules.  Keys are matched
case-insensitively (``ecToken`` and ``ectoken`` are the same field).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = [
    "ADDRESS_FIELDS",
    "CARD_FIELDS",
    "CERT_OR_TOKEN_FIELDS",
    "DIAGNOSIS_FIELDS",
    "ID_FIELDS",
    "NAME_FIELDS",
    "PHONE_FIELDS",
    "TOKEN_FIELDS",
    "mask_address",
    "mask_card",
    "mask_id",
    "mask_input",
    "mask_name",
    "mask_phone",
    "mask_token",
    "mask_value",
    "names_in",
    "scrub_text",
]

#: 证件号码: resident ID, passport and other certificate numbers of persons.
ID_FIELDS = frozenset({
    "certno", "cert_no", "psn_cert_no", "agnter_certno", "agnter_cert_no", "coner_certno",
    "prsc_dr_certno", "phar_certno", "dr_certno", "idcard", "id_card", "idno", "id_no",
    "undo_dr_certno",
})  # fmt: skip
#: 就诊凭证编号: an ID number, a social-security card number or an e-voucher token,
#: depending on ``mdtrt_cert_type``; masked as an ID when it looks like one, else as a token.
CERT_OR_TOKEN_FIELDS = frozenset({"mdtrt_cert_no"})
#: Names of persons (patients, contacts, agents, doctors, operators).
NAME_FIELDS = frozenset({
    "psn_name", "patn_name", "coner_name", "agnter_name", "opter_name", "crter_name",
    "bilg_dr_name", "chfpdr_name", "prsc_dr_name", "orders_dr_name", "oper_dr_name", "anst_dr_name",
    "ipdr_name", "chfdr_name", "atddr_name", "resp_nurs_name", "phar_name", "dise_dor_name",
    "prac_psn_name", "dept_resper_name", "sel_retn_opter_name", "purc_retn_opter_name",
    "inv_chg_opter_name", "emp_psn_name",
    # the mobile-payment and e-prescription platforms' camelCase names, as their snake form
    "user_name", "dr_name", "undo_dr_name", "diag_dr_name", "payer",
    # e-prescription delivery (CFYYJG: 配送人, 联系人)
    "delver_name", "delv_conner", "conner_name", "recv_name", "consignee", "receiver_name",
})  # fmt: skip
#: Card numbers (social-security card, bank card).
CARD_FIELDS = frozenset({"card_sn", "card_no", "cardno", "bank_card_no", "bankcard_no", "card_num"})
#: Bearer secrets: e-voucher tokens, auth codes.
TOKEN_FIELDS = frozenset({"ectoken", "ec_token", "token", "auth_code", "authcode", "qrcode", "pay_token",
                          "pay_auth_no", "revs_token", "auth_no", "ec_auth_code", "ec_code", "rx_trace_code",
                          "ec_qr_code", "qr_code"})
#: Phone numbers.
PHONE_FIELDS = frozenset({"tel", "mob", "mobile", "phone", "coner_tel", "dept_resper_tel", "psn_tel", "receiver_tel",
                          "conner_tel", "delver_tel"})
#: Addresses.
ADDRESS_FIELDS = frozenset({"addr", "curr_addr", "coner_addr", "resd_addr", "live_addr"})
#: Diagnoses and disease codes: removed, never masked.
DIAGNOSIS_FIELDS = frozenset({
    "diag_name", "diag_code", "diag_dscr", "dise_name", "dise_codg", "dise_code", "main_cond_dscr",
    "adm_diag_dscr", "dscg_maindiag_code", "dscg_maindiag_name", "opsp_dise_code", "opsp_dise_cod",
    "opsp_dise_name", "tcm_dise_code", "tcm_dise_name", "bydise_setl_list_code",
    "daysrg_dise_list_code", "dise_type_code", "oprn_oprt_code", "oprn_oprt_name",
    "maindiag_code", "maindiag_name", "dise_cond_dscr", "tcmsymp", "tcmsymp_code",
})  # fmt: skip

_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
_ID_LIKE = re.compile(r"^(?:\d{17}[\dXx]|\d{15})$")
# An 18-character ID (17 digits + digit or X) not glued to other digits, inside free text.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
_HEX64 = re.compile(r"\b[0-9a-f]{64}\b")
# Words that introduce a person's name in a centre's message, and the 2-3 characters after them
# (most names; a longer one keeps its tail, text right after a short one is over-masked).
_NAMED_IN_TEXT = re.compile(r"((?:姓名|参保人|患者|病人|就诊人)[:：\s]*)([\u4e00-\u9fff·]{2,3})")
# A mainland mobile number (11 digits from 13x-19x), not part of a longer number or code.
_PHONE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
# A bank card's 16-19 digits standing alone (an 18-digit ID is masked first, as an ID).
_CARD_IN_TEXT = re.compile(r"(?<![0-9A-Za-z*])\d{16,19}(?![0-9A-Za-z*])")


def mask_id(value: str) -> str:
    """``430104199001011234`` -> ``4301**********1234`` (first 4 and last 4 kept)."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_name(value: str) -> str:
    """``张三丰`` -> ``张**``: the first character, then one ``*`` per character."""
    if len(value) <= 1:
        return "*" * len(value)
    return value[0] + "*" * (len(value) - 1)


def mask_card(value: str) -> str:
    """A card number keeps its last 4 characters."""
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def mask_token(value: str) -> str:
    """A token keeps only its last 4 characters, and only when it is long."""
    return "****" + value[-4:] if len(value) >= 16 else "****"


def mask_phone(value: str) -> str:
    """``13812345678`` -> ``138****5678``."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_address(value: str) -> str:
    """An address keeps its first 6 characters (province / city)."""
    return value[:6] + "***" if len(value) > 6 else "***"


def _field_name(field: str) -> str:
    """The rule's name of a key: lower case, camelCase as snake_case (``userName`` -> ``user_name``,
    ``mdtrtCertNo`` -> ``mdtrt_cert_no``), so the online platforms' names meet the same rules."""
    return _CAMEL.sub(r"_\1", field).lower() if not field.islower() else field


def _mask_cert_or_token(text: str) -> str:
    return mask_id(text) if _ID_LIKE.match(text) else mask_token(text)


#: what a key's rule does: ``None`` keep, ``_DROP`` remove (a diagnosis), else the masking function
_DROP: Callable[[str], str] = lambda text: text  # noqa: E731 -- a marker, never called
_Rule = Callable[[str], str] | None


def _rule_of(name: str) -> _Rule:
    if name in DIAGNOSIS_FIELDS:
        return _DROP
    if name in CERT_OR_TOKEN_FIELDS:
        return _mask_cert_or_token
    if name in ID_FIELDS or name.endswith(("certno", "cert_no")):  # delver_certno, spus_certno ...
        return mask_id
    if name in NAME_FIELDS:
        return mask_name
    if name in CARD_FIELDS:
        return mask_card
    if name in TOKEN_FIELDS or name.endswith("_token"):  # epc_token, access_token ...
        return mask_token
    if name in PHONE_FIELDS:
        return mask_phone
    if name in ADDRESS_FIELDS:
        return mask_address
    return None


# Keys are few and repeat in every message: each key's rule is decided once (a bounded cache).
_RULES: dict[str, _Rule] = {}


def _rule(key: str) -> _Rule:
    if key in _RULES:
        return _RULES[key]
    rule = _rule_of(_field_name(key))
    if len(_RULES) < 4096:
        _RULES[key] = rule
    return rule


def mask_value(field: str, value: Any) -> tuple[bool, Any]:
    """``(keep, masked)`` for one field: ``keep`` is False for a field that must be removed."""
    rule = _rule(field)
    if rule is _DROP:
        return False, None
    if rule is None or value is None or value == "" or isinstance(value, dict | list):
        return True, value
    return True, rule(str(value))


def mask_input(obj: Any, *, diagnoses: bool = False) -> Any:
    """A masked deep copy of a message body (dicts and lists, any depth); the input is untouched.

    Diagnoses are removed unless ``diagnoses`` (the journal's working copy keeps them: they are
    clinical content, not identity; what is displayed never has them)."""
    cls = type(obj)
    if cls is dict or (cls is not list and cls is not tuple and isinstance(obj, Mapping)):
        out: dict[str, Any] = {}
        for key, value in obj.items():
            rule = _rule(key if type(key) is str else str(key))
            vcls = type(value)
            if vcls is dict or vcls is list or vcls is tuple:
                if rule is _DROP and not diagnoses:
                    continue
                out[key] = mask_input(value, diagnoses=diagnoses)
            elif rule is None or value is None or value == "":
                out[key] = value
            elif rule is _DROP:
                if diagnoses:
                    out[key] = value
            else:
                out[key] = rule(str(value))
        return out
    if cls is list or cls is tuple:
        return [mask_input(v, diagnoses=diagnoses) for v in obj]
    return obj


def names_in(obj: Any) -> set[str]:
    """The persons' names a message body carries (its NAME_FIELDS, any depth): what
    :func:`scrub_text` must mask when the centre repeats one in its own words."""
    found: set[str] = set()
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, str) and _field_name(str(key)) in NAME_FIELDS and len(value) >= 2:
                    found.add(value)
                elif isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return found


def scrub_text(text: str, names: Iterable[str] = ()) -> str:
    """Mask personal data inside free text (log messages, the centre's ``err_msg`` / ``warn_msg``):
    ID numbers, mobile phone numbers, bank-card-length digit runs, the given persons' ``names``
    and signature-shaped hex (reliability.md §3; issue 10 #11)."""
    for name in sorted(names, key=len, reverse=True):  # 张三丰 before 张三
        if len(name) >= 2 and name in text:
            text = text.replace(name, mask_name(name))
    # A name the caller does not know, introduced as one (姓名：张三, 参保人张三).
    text = _NAMED_IN_TEXT.sub(lambda m: m.group(1) + mask_name(m.group(2)), text)
    text = _ID_IN_TEXT.sub(lambda m: mask_id(m.group(0)), text)
    text = _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)
    text = _CARD_IN_TEXT.sub(lambda m: mask_card(m.group(0)), text)
    return _HEX64.sub("<signature>", text)
