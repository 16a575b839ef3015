"""``yibao plugins`` and ``yibao init``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ..errors import PluginError
from ..plugins import RegionProfile, load_registry
from ._common import fail, handle_errors, note, print_json

__all__ = ["register", "render_template"]

_TEMPLATE = '''\
# yibao configuration for {name} ({code}).
# Found from --config FILE, else $YIBAO_CONFIG, else ./yibao.toml.
# Every key is described in the README; a wrong key stops yibao with exit code 2 and its name.

region = "{code}"              # admdvs code of the province or city plugin{region_note}

[gateway]
url = "{url}"  # base URL of the gateway; the region's plugin adds its own paths
paasid = "your-paasid"          # x-tif-paasid, given by the bureau with the secretKey
secret_env = "YIBAO_SECRET"     # the NAME of the environment variable holding secretKey (never the secret itself)
ca_bundle = ""                  # optional PEM file of the province's private CA; TLS is verified by default
# optional host binding (绑定配置 HOST), e.g. {{ "igb.hsa.gdgov.cn" = "<the IP the bureau gives>" }}
resolve = {{ }}
# [gateway.timeout]             # seconds; a read timeout after the bytes left is an UNKNOWN outcome, reversed by 2601
# connect = 5
# read = 30
# write = 10
# pool = 5
# keepalive = 2                 # an idle connection is reused this long at most: below the centre's idle timeout

[institution]
fixmedins_code = "H{code}00001"   # 定点医药机构编号, 12 characters
fixmedins_name = "示例医药机构"
mdtrtarea_admvs = "{code}"       # 就医地医保区划
kind = "{kind}"                  # pharmacy | clinic | hospital: picks clr_type rules and acceptance lists

[operator]
opter = "0001"                   # 经办人 / terminal code as the bureau requires
opter_name = "收费员"
opter_type = "1"                 # 1 经办人, 2 自助终端, 3 移动终端
terminal = "T01"                 # sign-in (9001) sessions are kept per operator and terminal

[journal]
# SQLite: a relative path is taken from this file's folder, wherever a command starts.
# For several terminals or instances: postgresql://user@host/db
url = "sqlite:///yibao-journal.db"

[reversal]
delay_seconds = 15               # wait before the first 2601 of an unknown outcome; 0 in tests
# max_attempts = 6               # 2601 attempts before an entry NEEDS_ATTENTION (and an alert)
# not_found_retries = 3          # "original not found" answers tolerated (a 2601 may overtake it)
# interrupted_after_seconds = 120  # recovery leaves younger in-flight rows to their live terminal
# recover_max_wait_seconds = 120   # `yibao journal recover` waits at most this for queued 2601s (--max-wait)

# [service]                      # `yibao serve`, the HIS service (docs/service.md)
# host = "127.0.0.1"             # loopback by default; any other host needs tls_cert and tls_key
# port = 8765
# tokens_env = "YIBAO_SERVICE_TOKENS"   # the variable holding TERMINAL=TOKEN,... (T01=...,T02=...)

# [console]                      # the 医保办 console of `yibao serve`, at /console/ (docs/console.md)
# enabled = true
# secret_env = "YIBAO_CONSOLE_SECRET"   # the variable holding the cookie key (unset: sessions end on restart)
# session_hours = 8              # a sign-in lasts this long
# users = {{ wang = "$argon2id$v=19$..." }}   # from `yibao console hash-password`; or `yibao console user add`

# [envelope]                     # envelope fields the bureau dictates
# infver = "V1.0"
# recer_sys_code = "YBXT"
{extra}'''


_ONLINE = '''
# Online settlement (医保移动支付 6201-6401, e-prescription centre, e-invoice vendor, local services).
# Keys are never in this file: it names the environment variables (*_env) or key files (*_file).
[online]
url = ""                          # the 医保移动支付 centre's base URL; empty: gateway.url (<url>/org/local/api/hos/...)
app_id = "your-app-id"            # appId the centre issued (at least 16 ASCII characters; not a secret)
app_secret_env = "{secret_env}"   # the NAME of the variable holding appSecret
private_key_env = "{private_env}"   # the institution's SM2 private key (64 hex digits), or instead:
# private_key_file = "/etc/yibao/institution-sm2.key"   # a file holding it (mode 0600)
platform_key_env = "{platform_env}"   # the centre's SM2 public key (128 hex digits), or platform_key_file
org_codg = ""                     # orgCodg; empty: institution.fixmedins_code
lat_lng = ""                      # uldLatlnt "lng,lat" sent with 6201 / 6202
poll_seconds = 3                  # 6301 polls while the patient pays (a 6302 notice usually comes first)

[online.envelope]                 # the SM4 / SM2 envelope's open choices (docs/gm-crypto.md); the defaults:
sm2_user_id = "1234567812345678"  # SM2 user ID (GM/T 0009)
user_id_is_app_secret = false     # true: the appSecret's bytes as the user ID
signed_data = "plaintext"         # or "ciphertext": data= carries encData in the signed string
signature_encoding = "raw-base64" # or "der-base64", "raw-hex"
timestamp_format = "millis"       # or "seconds", "yyyyMMddHHmmss" (Beijing time)
version = "1.0.0"
max_clock_skew = 600              # seconds a received timestamp may be off (older notices are refused)

# [online.rx]                     # the e-prescription centre (<url>/epc/api/fixmedins/...); empty keys: [online]'s
# url = ""
# [online.channel]                # the channel's authorisation exchange (function 10); empty keys: [online]'s
# url = ""
[online.invoice]                  # the 财政电子票据 vendor (Base64 + MD5 envelope, /api/medical/<method>)
url = ""
app_id = ""                       # the vendor's appid; empty: no e-invoices
app_key_env = "{invoice_env}"     # the NAME of the variable holding appKey
# place_code = "001"              # 开票点编码; payee / author: 收款人 / 开票人
[online.local]                    # the region's local services (not public: assumed shapes, verified false)
url = ""                          # their base URL; empty: the centre's
services_file = ""                # a JSON file replacing a service's path and field table when the bureau publishes it
'''


def _online_section(profile: RegionProfile) -> str:
    if profile.online is None:
        return ""
    c = profile.online.credentials
    return _ONLINE.format(secret_env=c.app_secret_env, private_env=c.private_key_env,
                          platform_env=c.platform_key_env, invoice_env=c.invoice_key_env)


def render_template(code: str) -> str:
    """The commented configuration template for ``code``."""
    registry = load_registry()
    profile = registry.get(code) or registry.resolve(code)
    name = profile.name if profile.code != "000000" else "the national baseline"
    kinds = [k for k in profile.institution_kinds if k in ("pharmacy", "clinic", "hospital")] or ["hospital"]
    note = f"; {profile.name}, parent {profile.parent}" if profile.parent else ""
    extra = ""
    if profile.transport != "http":
        extra = (f"\n[transport]                      # {profile.name} sends through the province's library\n"
                 '# library = "path/to/vendor.so"\n')
    return _TEMPLATE.format(code=code, name=name, region_note=note, url="http://127.0.0.1:8080",
                            kind=kinds[0], extra=extra + _online_section(profile))


def register(app: typer.Typer) -> None:
    @app.command("plugins")
    def plugins(json_: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False) -> None:
        """The regions the installed plugins serve."""
        with handle_errors(json_errors=json_):
            registry = load_registry()
        rows: list[dict[str, Any]] = [
            {"code": p.code, "name": p.name, "parent": p.parent, "plugin": p.plugin,
             "transport": p.transport, "kinds": sorted(p.institution_kinds),
             "groups": {k: sorted(g) for k, g in p.institution_groups.items() if g}} for p in registry]
        if json_:
            print_json(rows)
            return
        table = Table("code", "name", "parent", "plugin", "transport", title="yibao regions")
        for r in rows:
            table.add_row(r["code"], r["name"], r["parent"] or "-", r["plugin"], r["transport"])
        Console(markup=False).print(table)

    @app.command("init")
    def init(region: Annotated[str, typer.Option("--region", help="admdvs code, e.g. 441900 for Dongguan")],
             out: Annotated[Path | None, typer.Option(
                 "--out", help="write the template to this file, in UTF-8 (never over an existing file), "
                               "instead of printing it")] = None) -> None:
        """Print a commented configuration template for REGION (or write it with --out)."""
        with handle_errors():
            if not (len(region) == 6 and region.isdigit()):
                raise PluginError(f"--region must be a 6-digit admdvs code, got {region!r}")
            text = render_template(region)
            if out is None:
                typer.echo(text, nl=False)
                return
            # A file of our own writing is UTF-8 whatever the shell: on Windows ``>`` writes the ANSI
            # code page (cmd.exe) or UTF-16 (PowerShell 5), and TOML is UTF-8 (core/textfile.py).
            try:
                with out.open("x", encoding="utf-8") as f:
                    f.write(text)
            except FileExistsError:
                fail(f"--out: {out} exists; yibao init does not overwrite a configuration", 2)
            except OSError as exc:
                fail(f"--out: cannot write {out}: {exc.strerror or exc}", 2)
            note(f"wrote {out} (UTF-8)")
