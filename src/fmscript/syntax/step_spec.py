"""The step-spec machinery of the catalogue (``catalogue.py`` describes the format): the option
and step records, the localized option values, the shared options and the ``_s`` / ``_o`` builders.
``catalogue.py``, ``catalogue_more.py`` and ``catalogue_gui.py`` declare steps with them.
"""

from __future__ import annotations

import functools
import importlib

import attrs

from fmscript.syntax.names import lookup_key


@attrs.frozen
class Opt:
    key: str
    kind: str
    labels: tuple[str, ...] = ()  # every spelling, all languages (colon not included)
    values: tuple[str, ...] = ()  # enum: canonical values (localized spellings in VALUE_WORDS)
    flag_words: tuple[str, ...] = ()  # flag: bare words that switch it on


@attrs.frozen
class StepSpec:
    """One script step (see the module docstring for each field)."""

    name: str
    ja: tuple[str, ...]
    zh: tuple[str, ...]
    options: tuple[Opt, ...] = ()
    positional: tuple[str, ...] = ()
    handler: str = ""
    commits_first: bool = False
    post: str = ""
    runner: str = ""
    keeps_last_error: bool = False

    @property
    def implemented(self) -> bool:
        return bool(self.handler)

    def option(self, key: str) -> Opt | None:
        for opt in self.options:
            if opt.key == key:
                return opt
        return None


@functools.cache
def resolve(path: str) -> object:
    """The object an import path ``"package.module:name"`` names, imported on first use."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


norm = lookup_key  # NFKC, case-folded, no spaces, no trailing colon


# Localized spellings of option values (canonical English first).
VALUE_WORDS: dict[str, tuple[str, ...]] = {
    "On": ("On", "オン", "打开", "开", "开启", "是"),
    "Off": ("Off", "オフ", "关闭", "关", "否"),
    "Table": ("Table", "テーブル", "表"),
    "File": ("File", "ファイル", "文件"),
    "OpenAI": ("OpenAI",),
    "Custom": ("Custom", "カスタム", "自定义"),
    "Local": ("Local", "ローカル", "本地"),
    "Anthropic": ("Anthropic",),
    "Cohere": ("Cohere",),
    # Perform RAG Action's Action and RAG Data (perform-rag-action.html, en/ja/zh)
    "Add Data": ("Add Data", "データを追加", "添加数据"),
    "Send Prompt": ("Send Prompt", "プロンプトを送信", "发送提示"),
    "Remove Data": ("Remove Data", "データを取り除く", "删除数据"),
    "From Text": ("From Text", "テキストから", "来自文本"),
    "From File": ("From File", "ファイルから", "来自文件"),
    "From File (Async)": ("From File (Async)", "ファイルから (Async)", "来自文件(Async)"),
    "From Container": ("From Container", "オブジェクトフィールドから", "来自容器"),
    "From Container (Async)": (
        "From Container (Async)",
        "オブジェクトフィールドから (Async)",
        "从容器(Async)",
        "来自容器(Async)",
    ),
    "From list": ("From list", "一覧から", "源列表", "从列表", "来自列表"),
    "By name": ("By name", "名前で", "按名称", "通过名称"),
    "First": ("First", "最初の", "最初", "第一个"),
    "Last": ("Last", "最後の", "最後", "最后一个"),
    "Next": ("Next", "次の", "次", "下一步", "下一个"),
    "Previous": ("Previous", "前の", "前", "上一步", "上一个"),
    "By Calculation": ("By Calculation", "計算で", "按计算"),
    "Find Records": ("Find Records", "レコードを検索", "查找记录"),
    "Omit Records": ("Omit Records", "レコードを除外", "忽略记录", "排除记录"),
    "UTF-16": ("UTF-16", "Unicode (UTF-16)"),  # data files (Read from / Write to Data File)
    "UTF-8": ("UTF-8", "Unicode (UTF-8)"),
    "Bytes": ("Bytes", "バイト", "字节"),
    "ascending": ("ascending", "昇順", "升序"),
    "Natural language": ("Natural language", "自然言語", "自然语言"),  # Perform Semantic Find
    "Vector data": ("Vector data", "ベクトルデータ", "向量数据"),
    "All records": ("All records", "すべてのレコード", "所有记录"),
    "Current found set": ("Current found set", "現在の対象レコード", "当前搜索结果", "当前找到集"),
    "descending": ("descending", "降順", "降序"),
    # Configure Prompt Template's Template Type; the natural-language steps' Get / Action / Data
    # tables (help.claris.com/{ja,zh}: configure-prompt-template, perform-find-by-natural-language,
    # perform-sql-query-by-natural-language).
    "SQL Query": ("SQL Query", "SQL クエリー", "SQL 查询"),
    "Find Request": ("Find Request", "検索条件", "查找请求"),
    "RAG Prompt": ("RAG Prompt", "RAG プロンプト", "RAG 提示"),
    "Found Set": ("Found Set", "検索結果", "搜索结果"),
    "Found Set as JSON": ("Found Set as JSON", "検索結果 (JSON 形式)", "JSON 形式的搜索结果"),
    "Find Request as JSON": ("Find Request as JSON", "検索条件 (JSON 形式)", "JSON 形式的查找请求"),
    "By JSON data": ("By JSON data", "JSON データで", "通过 JSON 数据"),
    "By DDL": ("By DDL", "DDL で", "通过 DDL"),
    "Query": ("Query", "クエリー", "查询"),
    "Query for Data Only": ("Query for Data Only", "データのみを取得", "仅查询数据"),
    "Get SQL": ("Get SQL", "SQL を取得", "获取 SQL"),
    "Get First SQL Only": ("Get First SQL Only", "最初の SQL のみを取得", "仅获取第一个 SQL"),
    "Get DDL": ("Get DDL", "DDL を取得", "获取 DDL"),
    # Configure Regression Model's actions and algorithm
    "Train": ("Train", "モデルをトレーニング", "トレーニング", "训练"),
    "Save": ("Save", "モデルを保存", "保存"),
    "Load": ("Load", "モデルをロード", "ロード", "加载"),
    "Unload": ("Unload", "モデルをアンロード", "アンロード", "卸载"),
    "Random Forest": ("Random Forest", "ランダムフォレスト", "随机林", "随机森林"),
}
_VALUE_LOOKUP = {norm(w): canon for canon, words in VALUE_WORDS.items() for w in words}


def value_word(text: str) -> str | None:
    """The canonical English value for a localized option value, or None."""
    return _VALUE_LOOKUP.get(norm(text))


def _o(key: str, kind: str, *labels: str, values: tuple[str, ...] = (), flags: tuple[str, ...] = ()) -> Opt:
    return Opt(key, kind, labels, values, flags)


# Labels shared by several steps.
ACCOUNT = _o("account_name", "calc", "Account Name", "アカウント名", "账户名称", "账户名")
EMBEDDING_MODEL = _o("embedding_model", "calc", "Embedding Model", "埋め込みモデル", "嵌入模型")
WITH_DIALOG = _o("with_dialog", "flag", "With dialog", "ダイアログあり", "包括对话框", "对话框")
NO_DIALOG = _o("no_dialog", "flag", flags=("No dialog", "ダイアログなし", "无对话框"))
RESTORE = _o("restore", "flag", flags=("Restore", "記憶する", "恢复"))
FIND_REQUESTS = _o(
    "find_requests",
    "enum",
    "Specified Find Requests",
    "指定された検索条件",
    "指定的查找请求",
    values=("Find Records", "Omit Records"),
)
CRITERIA = _o("criteria", "text", "Criteria", "条件", "条件")
OMIT_RECORDS = _o("omit_records", "flag", flags=("Omit Records", "レコードを除外", "忽略记录", "排除记录"))
FIND_RECORDS = _o("find_records", "flag", flags=("Find Records", "レコードを検索", "查找记录"))
PAUSE = _o("pause", "flag", "Pause", "一時停止", "暂停", flags=("Pause", "一時停止", "暂停"))
SELECT = _o(
    "select",
    "flag",
    "Select",
    "選択",
    "选择",
    flags=("Select", "選択", "选择", "Select/perform", "選択/実行"),
)
RESPONSE_TARGET = _o(
    "response_target",
    "target",
    "Response Target",
    "応答のターゲット",
    "响应目标",
    "回复目标",
    "Target",
    "ターゲット",
    "目标",
)
# Configure AI Account's and Configure Prompt Template's "Model Provider".
MODEL_PROVIDER = _o(
    "provider",
    "enum",
    "Model Provider",
    "モデルプロバイダ",
    "模型提供商",
    values=("OpenAI", "Custom", "Local", "Anthropic", "Cohere"),
)
VERIFY_SSL = _o(
    "verify_ssl",
    "flag",
    "Verify SSL Certificates",
    "SSL 証明書の検証",
    "验证 SSL 证书",
    flags=("Verify SSL Certificates", "SSL 証明書の検証", "验证 SSL 证书"),
)
_FIND_OPTS = (FIND_REQUESTS, CRITERIA, OMIT_RECORDS, FIND_RECORDS, RESTORE)


def _s(
    name: str,
    ja: str | tuple[str, ...],
    zh: str | tuple[str, ...],
    *options: Opt,
    positional: tuple[str, ...] = (),
    handler: str = "",
    commits_first: bool = False,
    post: str = "",
    runner: str = "",
    keeps_last_error: bool = False,
) -> StepSpec:
    return StepSpec(
        name,
        (ja,) if isinstance(ja, str) else ja,
        (zh,) if isinstance(zh, str) else zh,
        options,
        positional,
        handler,
        commits_first,
        post,
        runner,
        keeps_last_error,
    )
