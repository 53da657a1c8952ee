"""``Get ( name )``: one table of Get functions with their English, Japanese and Chinese names.

FileMaker keeps function names English in every language except Get's parameter, which ja and zh
display localized (``Get ( 文档路径 )``, ``Get (ドキュメントパス)``); scripts copied from either
help use those names, so each entry lists them. Spacing inside the parentheses varies in the docs, so
lookup ignores whitespace, case and full-width forms.

Values come from the running script (``ctx.get_info(canonical_name)``); when it has none, the entry's
``default`` answers what makes sense without a FileMaker file (clock, paths, UUIDs, "no error").
Name sources: [V] read on a Claris page (ja/zh help, archive 13-18, current); [U] the usual FileMaker
name, not seen on a page — kept as an alias because accepting it costs nothing.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import getpass
import os
import socket
import sys
import tempfile
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from fmscript.calc.context import CalcContext
from fmscript.calc.functions.registry import function
from fmscript.calc.values import FMTime, make_number, to_date, to_number, to_time, to_timestamp
from fmscript.errors import FUNCTION_MISSING, CalcError
from fmscript.syntax import ast
from fmscript.syntax.names import lookup_key

if TYPE_CHECKING:
    from fmscript.calc.evaluator import LazyArgs

_FM_EPOCH = _dt.datetime(1, 1, 1, tzinfo=_dt.UTC)  # FileMaker counts time from 1/1/0001


@attrs.frozen
class GetFunction:
    name: str  # canonical English name, what ctx.get_info receives
    ja: tuple[str, ...]
    zh: tuple[str, ...]
    result: str  # text | number | date | time | timestamp: what a context value is converted to
    default: Callable[[], Any] | None = None
    summary: str = ""

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.ja, *self.zh)


# ----------------------------------------------------------------------------- defaults


def fm_path(path: str | os.PathLike[str]) -> str:
    """A folder as FileMaker writes it, with no ``file:`` prefix and a trailing slash:
    ``/home/me/Documents/`` on Linux/macOS, ``/C:/Users/me/Documents/`` on Windows."""
    text = str(Path(path).expanduser().absolute()).replace("\\", "/")
    if not text.startswith("/"):
        text = "/" + text  # C:/Users -> /C:/Users
    return text if text.endswith("/") else text + "/"


def _folder(fallback: Callable[[], str]) -> Callable[[], str]:
    # Only for calculations outside a run (no context): a run answers from its settings.
    def get() -> str:
        return fm_path(fallback())

    return get


def _documents() -> str:
    import platformdirs

    return platformdirs.user_documents_dir()


def _desktop() -> str:
    import platformdirs

    return platformdirs.user_desktop_dir()


def _temporary() -> str:
    # FileMaker's temporary folder is a per-session "S<n>" folder inside the system temp folder.
    folder = Path(tempfile.gettempdir()) / "fmscript" / f"S{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


def documents_listing(root: Path) -> str:
    """Every file and folder below ``root``, one FileMaker path per line (folders end in /)."""
    if not root.is_dir():
        return ""
    return "\r".join(fm_path(p).rstrip("/") if p.is_file() else fm_path(p) for p in sorted(root.rglob("*")))


def _platform() -> Decimal:
    # Documented values: 1 macOS, -2 Windows, 5 CentOS Linux, 8 Ubuntu Linux. Choice: every other
    # Linux reports 8 too (Ubuntu is FileMaker Server's current Linux).
    if sys.platform == "darwin":
        return Decimal(1)
    if sys.platform.startswith("win"):
        return Decimal(-2)
    return Decimal(8)


def _version() -> str:
    try:
        from importlib.metadata import version

        return f"fmscript {version('fmscript')}"
    except Exception:  # pragma: no cover - not installed as a distribution
        return "fmscript 0.1.0"


_LANGUAGES = {"ja": "Japanese", "zh": "Chinese", "en": "English", "de": "German", "fr": "French"}


def _language() -> str:
    # Documented: the English name of the system's language ("Japanese").
    import locale

    code = (locale.getlocale()[0] or "en")[:2]
    return _LANGUAGES.get(code.lower(), "English")


def _now() -> _dt.datetime:
    return _dt.datetime.now().replace(microsecond=0)


def _time_of(moment: _dt.datetime) -> FMTime:
    return FMTime(moment.hour * 3600 + moment.minute * 60 + moment.second)


def _utc_units(per_second: int) -> Decimal:
    delta = _dt.datetime.now(_dt.UTC) - _FM_EPOCH
    return Decimal(
        (delta.days * 86400 + delta.seconds) * per_second + delta.microseconds * per_second // 10**6
    )


def _persistent_id() -> str:
    # FileMaker: 32 hexadecimal digits identifying the device; stable per host and user here.
    return uuid.uuid5(uuid.NAMESPACE_DNS, f"{socket.gethostname()}/{getpass.getuser()}").hex.upper()


def _os_version() -> str:
    import platform

    return platform.release()


def _ip_addresses() -> str:
    try:
        addresses = socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        addresses = []
    return "\r".join(dict.fromkeys(addresses or ["127.0.0.1"]))


def _preferences() -> str:
    import platformdirs

    return platformdirs.user_config_dir()


def _architecture() -> str:
    import platform

    machine = platform.machine().lower()
    return "arm64" if machine in ("arm64", "aarch64") else machine or "x86_64"


def _const(value: Any) -> Callable[[], Any]:
    return lambda: value


# ----------------------------------------------------------------------------- the table

# fmt: off
_TABLE = [
    # name, ja, zh, result, default, summary
    ("AccountName", ("アカウント名",), ("帐户名", "账户名"), "text", _const("Admin"), "account that opened the file"),
    ("AccountPrivilegeSetName", ("アカウントアクセス権セット名",), ("帐户权限集名称",), "text", _const("[Full Access]"), "privilege set of the account"),
    ("ActiveFieldContents", ("アクティブフィールド内容",), ("活动字段内容",), "text", _const(""), "contents of the field with focus"),
    ("ActiveFieldName", ("アクティブフィールド名",), ("活动字段名",), "text", _const(""), "field with focus"),
    ("ActiveFieldTableName", ("アクティブフィールドテーブル名",), ("活动字段表名称",), "text", _const(""), "table occurrence of the field with focus"),
    ("ActiveRecordNumber", ("アクティブレコード番号",), ("活动记录编号",), "number", _const(Decimal(0)), "record with focus in the found set"),
    ("ApplicationLanguage", ("アプリケーション言語",), ("应用程序语言",), "text", _const("English"), "language of the application"),
    ("ApplicationVersion", ("アプリケーションバージョン",), ("应用程序版本",), "text", _version, "product name and version"),
    ("CurrentDate", ("日付",), ("当前日期",), "date", lambda: _dt.date.today(), "today's date"),
    ("CurrentHostTimestamp", ("ホストのタイムスタンプ",), ("当前主机时间戳",), "timestamp", _now, "host's date and time"),  # ja [U]
    ("CurrentTime", ("時刻",), ("当前时间",), "time", lambda: _time_of(_now()), "current time"),
    ("CurrentTimestamp", ("タイムスタンプ",), ("当前系统时间", "当前时间戳"), "timestamp", _now, "current date and time"),
    ("CurrentTimeUTCMicroseconds", ("現在の時刻UTCマイクロ秒",), ("当前时间UTC微秒",), "number", lambda: _utc_units(10**6), "UTC microseconds since 1/1/0001"),  # ja [U]
    ("CurrentTimeUTCMilliseconds", ("現在の時刻UTCミリ秒",), ("当前时间UTC毫秒",), "number", lambda: _utc_units(1000), "UTC milliseconds since 1/1/0001"),  # ja [U]
    ("DesktopPath", ("デスクトップパス",), ("桌面路径",), "text", _folder(_desktop), "user's desktop folder"),
    ("DocumentsPath", ("ドキュメントパス",), ("文档路径",), "text", _folder(_documents), "user's Documents folder"),
    ("DocumentsPathListing", ("ドキュメントパス一覧",), ("文档路径列表",), "text", lambda: documents_listing(Path(_documents())), "everything in the Documents folder"),
    ("ErrorCaptureState", ("エラー処理状態",), ("错误捕获状态",), "number", _const(Decimal(0)), "1 when Set Error Capture is on"),
    ("FileName", ("ファイル名",), ("文件名",), "text", _const(""), "name of the current file"),
    ("FilePath", ("ファイルパス",), ("文件路径",), "text", _const(""), "full path of the current file"),
    ("FoundCount", ("対象レコード数",), ("查找个数",), "number", _const(Decimal(0)), "records in the found set"),
    ("HostName", ("ホスト名",), ("主机名",), "text", socket.gethostname, "name of the host computer"),
    ("LastError", ("最終エラー",), ("上一个错误",), "number", _const(Decimal(0)), "error of the last step (0 = none)"),
    ("LastErrorDetail", ("最終エラー詳細",), ("上一个错误详情",), "text", _const(""), "details of the last error"),
    ("LastErrorLocation", ("最終エラー位置",), ("上一个错误位置",), "text", _const(""), "where the last error happened"),  # zh [U]
    ("LastMessageChoice", ("最終メッセージ選択",), ("上次选择信息",), "number", _const(Decimal(0)), "button chosen in the last dialog"),
    ("LayoutCount", ("レイアウト数",), ("布局数量",), "number", _const(Decimal(0)), "layouts in the file"),  # zh [U]
    ("LayoutName", ("レイアウト名",), ("布局名称",), "text", _const(""), "current layout"),
    ("LayoutTableName", ("レイアウトテーブル名",), ("布局表名称",), "text", _const(""), "table occurrence of the layout"),
    ("OpenDataFileInfo", ("オープンデータファイル情報",), ("打开数据文件信息",), "text", _const(""), "file ID <tab> path of each open data file"),
    ("PersistentID", ("永続ID",), ("永久ID",), "text", _persistent_id, "identifier of this device"),  # [U]
    ("RecordID", ("レコードID",), ("记录ID",), "number", _const(""), "internal id of the current record"),
    ("RecordNumber", ("レコード番号",), ("记录编号",), "number", _const(Decimal(0)), "position in the found set"),
    ("RequestOmitState", ("検索条件除外状態",), ("请求忽略状态",), "number", _const(Decimal(0)), "1 when the current find request omits"),
    ("ScriptName", ("スクリプト名",), ("脚本名称",), "text", _const(""), "running script"),
    ("ScriptParameter", ("スクリプト引数",), ("脚本参数",), "text", _const(""), "parameter of the running script"),
    ("ScriptResult", ("スクリプトの結果",), ("脚本结果",), "text", _const(""), "result of the last sub-script"),
    ("SystemLanguage", ("システム言語",), ("系统语言",), "text", _language, "system language, in English"),
    ("SystemPlatform", ("システムプラットフォーム",), ("系统平台",), "number", _platform, "1 macOS, -2 Windows, 8 Linux"),
    ("SystemVersion", ("システムバージョン",), ("系统版本",), "text", _os_version, "OS version"),
    ("TemporaryPath", ("テンポラリパス",), ("临时路径",), "text", _folder(_temporary), "session's temporary folder"),
    ("TotalRecordCount", ("レコード総数",), ("记录总数", "总记录数"), "number", _const(Decimal(0)), "records in the table"),  # zh [U]
    ("UserName", ("ユーザ名",), ("用户名",), "text", getpass.getuser, "user name of the application"),
    ("UUID", (), (), "text", lambda: str(uuid.uuid4()).upper(), "a new UUID, as text"),
    ("UUIDNumber", ("UUID番号",), ("UUID数字",), "number", lambda: Decimal(uuid.uuid4().int), "a new UUID, as a number"),  # [U]
    # Round 2: entries that make sense outside a GUI. Record-open state comes from the run.
    ("RecordOpenState", ("レコードのオープン状態",), ("打开记录的状态",), "number", _const(Decimal(0)), "0 closed, 1 new, 2 modified, uncommitted"),
    ("RecordOpenCount", ("開いているレコード数",), ("打开记录的个数",), "number", _const(Decimal(0)), "open (uncommitted) records"),
    ("TransactionOpenState", ("トランザクションオープン状態",), ("事务打开状态",), "number", _const(Decimal(0)), "1 inside Open/Commit Transaction"),
    ("RevertTransactionOnErrorState", ("エラー時のトランザクション復帰状態",), ("发生错误时的还原事务处理状态",), "number", _const(Decimal(1)), "0 after Set Revert Transaction on Error [ Off ]"),
    ("SortState", ("ソート状態",), ("排序状态",), "number", _const(Decimal(0)), "0 unsorted, 1 sorted"),  # [U]
    ("LayoutNumber", ("レイアウト番号",), ("布局编号",), "number", _const(Decimal(0)), "position of the current layout"),  # [U]
    ("RequestCount", ("検索条件数",), ("请求个数",), "number", _const(Decimal(0)), "find requests in Find mode"),  # [U]
    ("FileSize", ("ファイルサイズ",), ("文件大小",), "number", _const(Decimal(0)), "size of the file in bytes"),  # [U]
    ("CalculationRepetitionNumber", ("計算式の繰り返し番号",), ("计算重复编号",), "number", _const(Decimal(1)), "repetition being calculated"),  # [U]
    ("ModifiedFields", ("変更されたフィールド",), ("修改的字段",), "text", _const(""), "fields changed in the current record since its last commit"),
    ("MultiUserState", ("マルチユーザ状態",), ("多用户状态",), "number", _const(Decimal(0)), "0: the file is not shared"),  # [U]
    ("UserCount", ("ユーザ数",), ("用户数",), "number", _const(Decimal(1)), "users with the file open"),  # [U]
    ("NetworkProtocol", ("ネットワークプロトコル",), ("网络协议",), "text", _const(""), "network protocol (none)"),  # [U]
    ("EncryptionState", ("暗号化状態",), ("加密状态",), "number", _const(Decimal(0)), "0: the file is not encrypted"),  # [U]
    ("RecordAccess", ("レコードアクセス",), ("记录访问",), "number", _const(Decimal(2)), "2: the record can be viewed and modified"),  # [U]
    ("AllowAbortState", ("ユーザによる中断許可状態",), ("允许中止状态",), "number", _const(Decimal(1)), "1 when Allow User Abort is on"),  # [U]
    ("SystemIPAddress", ("システム IP アドレス",), ("系统 IP 地址",), "text", _ip_addresses, "IP addresses of this computer"),  # [U]
    ("SystemDrive", ("システムドライブ",), ("系统驱动器",), "text", _const("/"), "drive the OS runs from"),  # [U]
    ("PreferencesPath", ("環境設定パス",), ("首选项路径",), "text", lambda: fm_path(_preferences()), "user's preferences folder"),  # [U]
    ("FileMakerPath", ("FileMaker パス",), ("FileMaker 路径",), "text", lambda: fm_path(Path(sys.executable).parent), "folder of the running application"),  # [U]
    ("ApplicationArchitecture", ("アプリケーションアーキテクチャ",), ("应用程序架构",), "text", _architecture, "x86_64 or arm64"),  # [U]
    ("LastExternalErrorDetail", ("最終外部エラー詳細",), ("上一个外部错误详情",), "text", _const(""), "detail of the last external error"),  # [U]
    ("InstalledFMPlugins", ("インストールされている FM プラグイン",), ("已安装的 FM 插件",), "text", _const(""), "installed plug-ins (none)"),  # [U]
    ("CurrentExtendedPrivileges", ("現在の拡張アクセス権",), ("当前扩展权限",), "text", _const(""), "extended privileges of the account"),  # [U]
    ("WindowMode", ("ウインドウモード",), ("窗口模式",), "number", _const(Decimal(0)), "0 Browse, 1 Find, 2 Preview"),
    ("WindowName", ("ウインドウ名",), ("窗口名称",), "text", _const(""), "name of the current window"),
]
# fmt: on

GET_FUNCTIONS: dict[str, GetFunction] = {
    row[0]: GetFunction(row[0], row[1], row[2], row[3], row[4], row[5]) for row in _TABLE
}


_normal = lookup_key  # full-width forms folded (NFKC), whitespace removed, case ignored


_LOOKUP: dict[str, str] = {
    _normal(alias): entry.name for entry in GET_FUNCTIONS.values() for alias in entry.names()
}


def canonical_get_name(text: str) -> str | None:
    """The canonical English name for any English/Japanese/Chinese spelling, or None."""
    return _LOOKUP.get(_normal(text))


def _node_text(node: Any) -> str:
    """The name written inside Get ( ): a bare-name node (``.name``), a lone field-like word
    (``.field`` with no table), or a node holding the text in ``.value``."""
    for attr in ("name", "field", "value"):
        value = getattr(node, attr, None)
        if isinstance(value, str) and not (attr == "field" and getattr(node, "table", None)):
            return value
    raise CalcError("Get needs the name of a Get function, such as Get ( FoundCount )", code=FUNCTION_MISSING)


def _convert(entry: GetFunction, value: Any) -> Any:
    """A context's value in the type the Get function returns (contexts may hand over text)."""
    if not isinstance(value, str) or value == "" or entry.result == "text":
        return value
    convert = {"number": to_number, "date": to_date, "time": to_time, "timestamp": to_timestamp}[entry.result]
    converted = convert(value)
    return value if converted is None else converted


@function("Get", 1, lazy=True)
def get(ctx: CalcContext, ev: LazyArgs, node: ast.Expr) -> Any:
    written = _node_text(node)
    name = canonical_get_name(written)
    if name is None:
        close = difflib.get_close_matches(_normal(written), list(_LOOKUP), n=1, cutoff=0.6)
        hint = f"; did you mean {_display(close[0])}?" if close else ""
        raise CalcError(f"unknown Get function: {written}{hint}", code=FUNCTION_MISSING)
    entry = GET_FUNCTIONS[name]
    value = ctx.get_info(name)
    if value is None:
        value = entry.default() if entry.default is not None else ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = make_number(value)
    return _convert(entry, value)


def _display(key: str) -> str:
    """The spelling (as written in the table) that a normalised lookup key came from."""
    for entry in GET_FUNCTIONS.values():
        for alias in entry.names():
            if _normal(alias) == key:
                return alias
    return key
