"""The centre's file service: 9101 文件上传 and 9102 文件下载.

National baseline 【9101】 (表371/372) and 【9102】 (表373); Guangdong guide 004 §6;
spec_reference.md §12.  Wire behaviour:

- 9101 takes ``fsUploadIn.in`` as Base64 text or as a JSON byte array (004 §6 "byte数组"),
  keeps the bytes, and answers ``file_qury_no``, ``filename``, ``fixmedins_code`` and
  ``dld_endtime`` directly under ``output`` (表372: 无节点).
- 9102 answers the file itself (``application/zip``), not JSON, streamed from the books a
  chunk at a time; an unknown number, a name that does not match, or another institution's
  file is a JSON error.  Catalogue files of
  1301-1319 are fetched with ``fixmedins_code`` = ``plc`` (表373 说明 3).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from . import CallContext, Refusal, handler

__all__ = ["MAX_UPLOAD_BYTES", "decode_in", "download", "upload"]

MAX_UPLOAD_BYTES = 64 * 1024 * 1024
CATALOGUE_OWNER = "plc"
ZIP_MAGIC = b"PK\x03\x04"


def decode_in(value: Any) -> bytes:
    """The bytes of ``in``: Base64 text or a list of byte values (signed, as C# sbyte, or not)."""
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise Refusal("in: 文件数据不是合法的Base64") from None
    if isinstance(value, list):
        if len(value) > MAX_UPLOAD_BYTES:
            raise Refusal("in: 文件超过大小限制")
        if not all(isinstance(b, int) and not isinstance(b, bool) and -128 <= b <= 255 for b in value):
            raise Refusal("in: 字节数组的元素必须是-128~255的整数")
        return bytes(b & 0xFF for b in value)
    raise Refusal("in: 文件数据必须是Base64字符串或字节数组")


def _node(inp: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    node = inp.get(name)
    if not isinstance(node, Mapping):
        raise Refusal(f"{name}: 缺少输入节点")
    return node


@handler("9101", changes_state=True, needs_sign_in=False)
def upload(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    """【9101】 keep an uploaded ZIP for a later 3202."""
    node = _node(inp, "fsUploadIn")
    filename = node.get("filename")
    code = node.get("fixmedins_code")
    if not isinstance(filename, str) or not filename or len(filename) > 200:
        raise Refusal("filename: 文件名不能为空且不超过200位")
    if "/" in filename or "\\" in filename:
        raise Refusal("filename: 文件名不能包含路径")
    if code != ctx.fixmedins_code:
        raise Refusal("fixmedins_code: 与报文头的定点医药机构编号不一致")
    data = decode_in(node.get("in"))
    if not data:
        raise Refusal("in: 文件数据不能为空")
    if len(data) > MAX_UPLOAD_BYTES:
        raise Refusal("in: 文件超过大小限制")
    if not data.startswith(ZIP_MAGIC):
        raise Refusal("in: 文件必须是ZIP压缩包")
    qury = ctx.store.save_file(ctx.fixmedins_code, filename, data, file_qury_no=ctx.ids.file_qury_no(),
                               kind="upload", created_time=ctx.now_text)  # fmt: skip
    return {
        "file_qury_no": qury,
        "filename": filename,
        "fixmedins_code": ctx.fixmedins_code,
        "dld_endtime": (ctx.now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"),
    }


@handler("9102")
def download(ctx: CallContext, inp: Mapping[str, Any]) -> None:
    """【9102】 the file as a byte stream (ZIP), or a JSON refusal."""
    node = _node(inp, "fsDownloadIn")
    qury = node.get("file_qury_no")
    filename = node.get("filename")
    code = node.get("fixmedins_code")
    if not isinstance(qury, str) or not qury:
        raise Refusal("file_qury_no: 文件查询号不能为空")
    row = ctx.store.file_info(qury)
    if row is None:
        raise Refusal(f"file_qury_no: 文件查询号[{qury}]不存在")
    if filename != row["filename"]:
        raise Refusal("filename: 文件名与文件查询号不符")
    if row["kind"] == "catalog":
        if code != CATALOGUE_OWNER:
            raise Refusal("fixmedins_code: 目录文件下载请固定传入plc")
    elif code != row["fixmedins_code"] or code != ctx.fixmedins_code:
        raise Refusal("fixmedins_code: 无权下载该文件")
    ctx.respond_stream(ctx.store.file_chunks(qury), "application/zip", row["filename"])
