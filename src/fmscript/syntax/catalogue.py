"""The step catalogue: every script step fmscript knows, declared once — its names in English,
Japanese and Chinese, its options and their labels, and where its behaviour lives.

The parser looks step names and option labels up here (never in grammar literals), so a step
written in any of the three languages — or a mix, as the seed pages do — parses to the same
:class:`fmscript.syntax.ast.Step`. Nothing else lists steps by name: the runtime finds a step's
handler, runner and option post-processor through the import paths its spec names, and imports
a handler's module only when a script uses one of its steps (start-up time).

A step spec (``_s(name, ja, zh, *options, ...)``):

  name / ja / zh   the English name (canonical), the Japanese and Chinese names (a string or a
                   tuple of spellings)
  options          :class:`Opt` entries — labelled options with their labels in all languages
  positional       keys of the unlabelled options, in order
  handler          ``"fmscript.steps.MODULE:function"``, the step's one definition:
                   ``function(ctx: StepContext, step: ast.Step) -> int | None`` (the index of the
                   next step when it jumps, else None). ``""``: a FileMaker step fmscript parses
                   but does not run — reaching it reports error 3 ("command is unavailable").
  commits_first    the step leaves the current record or reads the whole table, so the open
                   record is committed before it runs (the planner, ``runtime/compiled.py``, does
                   it; see ``steps/records.py``)
  post             ``"fmscript.syntax.options:post_…"``: turns the parsed options into the
                   step's option dict when the generic mapping (labels and ``positional``) is not
                   enough. ``post(spec, classified, step_span) -> dict``
  runner           ``"fmscript.steps.MODULE:fast_…"``, optional: a specialiser for the
                   interpreter's hot loop, ``fast(ctx, step, index, blocks, n) -> Runner | None``
                   that does what the handler does with per-step work done once (None: use the
                   handler). tests/test_runners.py runs the conformance scripts with and without
                   runners and requires the same results.
  keeps_last_error If/Else/Loop…: FileMaker leaves Get ( LastError ) as it was after these.

Adding a step: its spec here, its handler in ``steps/``, its conformance case (README "Adding a
step").

Option kinds:
  calc    a calculation (``Value: $x + 1``)            target  a field or variable to write to
  field   a field reference (``Support QA::Answer``)   flag    a bare word when on, or ``Label: On/Off``
  enum    one word from ``values`` (localized)         name    a quoted name ("…", “…”, 「…」) or a calc
  text    raw text kept as written (path lists)
"""

from __future__ import annotations

from fmscript.syntax import catalogue_ai_nl, catalogue_files, catalogue_gui, catalogue_more, catalogue_rag
from fmscript.syntax.step_spec import (
    _FIND_OPTS,
    ACCOUNT,
    CRITERIA,
    EMBEDDING_MODEL,
    FIND_RECORDS,
    FIND_REQUESTS,
    MODEL_PROVIDER,
    NO_DIALOG,
    OMIT_RECORDS,
    PAUSE,
    RESPONSE_TARGET,
    RESTORE,
    SELECT,
    VALUE_WORDS,
    VERIFY_SSL,
    WITH_DIALOG,
    Opt,
    StepSpec,
    _o,
    _s,
    norm,
    resolve,
    value_word,
)

# The catalogue's API (the step-spec machinery is re-exported from step_spec).
__all__ = [
    "_FIND_OPTS",
    "ACCOUNT",
    "CRITERIA",
    "FIND_RECORDS",
    "FIND_REQUESTS",
    "NO_DIALOG",
    "OMIT_RECORDS",
    "PAUSE",
    "RESPONSE_TARGET",
    "RESTORE",
    "SELECT",
    "VALUE_WORDS",
    "VERIFY_SSL",
    "WITH_DIALOG",
    "Opt",
    "StepSpec",
    "_o",
    "_s",
    "norm",
    "resolve",
    "value_word",
    "STEPS",
    "lookup_step",
    "spec_for",
    "step_names",
]

STEPS: tuple[StepSpec, ...] = (
    # --- control
    _s(
        "If",
        "If",
        "If",
        positional=("condition",),
        handler="fmscript.steps.control:if_",
        post="fmscript.syntax.options:post_condition",
        runner="fmscript.steps.control:fast_if",
        keeps_last_error=True,
    ),
    _s(
        "Else If",
        "Else If",
        "Else If",
        positional=("condition",),
        handler="fmscript.steps.control:else_if",
        post="fmscript.syntax.options:post_condition",
        runner="fmscript.steps.control:fast_else",
        keeps_last_error=True,
    ),
    _s(
        "Else",
        "Else",
        "Else",
        handler="fmscript.steps.control:else_",
        runner="fmscript.steps.control:fast_else",
        keeps_last_error=True,
    ),
    _s(
        "End If",
        "End If",
        "End If",
        handler="fmscript.steps.control:end_if",
        runner="fmscript.steps.control:fast_nothing",
        keeps_last_error=True,
    ),
    _s(
        "Loop",
        "Loop",
        "Loop",
        _o("flush", "text", "Flush", "フラッシュ", "刷新"),
        handler="fmscript.steps.control:loop",
        runner="fmscript.steps.control:fast_nothing",
        keeps_last_error=True,
    ),
    _s(
        "Exit Loop If",
        "Exit Loop If",
        "Exit Loop If",
        positional=("condition",),
        handler="fmscript.steps.control:exit_loop_if",
        post="fmscript.syntax.options:post_condition",
        runner="fmscript.steps.control:fast_exit_loop_if",
        keeps_last_error=True,
    ),
    _s(
        "End Loop",
        "End Loop",
        "End Loop",
        handler="fmscript.steps.control:end_loop",
        runner="fmscript.steps.control:fast_end_loop",
        keeps_last_error=True,
    ),
    _s(
        "Exit Script",
        "現在のスクリプト終了",
        "退出脚本",
        _o("result", "calc", "Text Result", "Result", "テキスト結果", "結果", "文本结果", "结果"),
        handler="fmscript.steps.control:exit_script",
        keeps_last_error=True,
    ),
    _s(
        "Halt Script",
        "全スクリプト終了",
        "中断脚本",
        handler="fmscript.steps.control:halt_script",
        keeps_last_error=True,
    ),
    _s(
        "Perform Script",
        "スクリプト実行",
        "执行脚本",
        _o("specified", "enum", "Specified", "指定", "指定", values=("From list", "By name")),
        _o("parameter", "calc", "Parameter", "引数", "参数"),
        positional=("script",),
        handler="fmscript.steps.control:perform_script",
        post="fmscript.syntax.options:post_perform_script",
    ),
    _s(
        "Set Error Capture",
        "エラー処理",
        "设置错误捕获",
        positional=("state",),
        handler="fmscript.steps.control:set_error_capture",
        post="fmscript.syntax.options:post_state",
    ),
    _s(
        "Pause/Resume Script",
        "スクリプト一時停止/続行",
        "暂停/继续脚本",
        _o(
            "duration",
            "calc",
            "Duration (seconds)",
            "Duration",
            "間隔",
            "間隔 (秒)",
            "历时",
            "历时（秒）",
            "历时 (秒)",
        ),
        _o("indefinitely", "flag", flags=("Indefinitely", "制限時間なし", "无限期")),
        handler="fmscript.steps.control:pause_resume",
    ),
    _s(
        "Allow User Abort",
        ("ユーザによる中断を許可", "ユーザによる強制終了を許可"),
        ("允许用户中止", "允许用户异常中断"),
        positional=("state",),
        handler="fmscript.steps.control:allow_user_abort",
        post="fmscript.syntax.options:post_state",
        runner="fmscript.steps.control:fast_nothing",
    ),
    # --- variables and fields
    _s(
        "Set Variable",
        "変数を設定",
        "设置变量",
        _o("value", "calc", "Value", "値", "值"),
        _o("repetition", "calc", "Repetition", "繰り返し", "重复项", "重复"),
        positional=("name",),
        handler="fmscript.steps.variables:set_variable",
        post="fmscript.syntax.options:post_set_variable",
        runner="fmscript.steps.variables:fast_set_variable",
    ),
    _s(
        "Set Field",
        "フィールド設定",
        "设置字段",
        positional=("target", "value"),
        handler="fmscript.steps.variables:set_field",
        post="fmscript.syntax.options:post_set_field",
    ),
    _s(
        "Set Field By Name",
        "フィールドを名前で設定",
        ("设置字段(按名称)", "设置字段（按名称）", "按名称设置字段"),
        positional=("target", "value"),
        handler="fmscript.steps.variables:set_field_by_name",
        post="fmscript.syntax.options:post_set_field_by_name",
    ),
    _s(
        "Go to Field",
        "フィールドへ移動",
        "转到字段",
        SELECT,
        positional=("field",),
        handler="fmscript.steps.variables:go_to_field",
        post="fmscript.syntax.options:post_positional_calcs",
    ),
    # --- navigation and records
    _s(
        "Go to Layout",
        "レイアウト切り替え",
        "转到布局",
        _o("animation", "text", "Animation", "アニメーション", "动画"),
        positional=("layout",),
        handler="fmscript.steps.records:go_to_layout",
        commits_first=True,
        post="fmscript.syntax.options:post_go_to_layout",
    ),
    _s(
        "Go to Record/Request/Page",
        "レコード/検索条件/ページへ移動",
        "转到记录/请求/页面",
        _o(
            "exit_after_last",
            "flag",
            "Exit after last",
            "最後まできたら終了",
            "最后一步后退出",
            flags=("Exit after last", "最後まできたら終了", "最后一步后退出"),
        ),
        _o("by_calculation", "calc", "By Calculation", "計算で", "按计算"),
        WITH_DIALOG,
        NO_DIALOG,
        positional=("where",),
        handler="fmscript.steps.records:go_to_record",
        commits_first=True,
        post="fmscript.syntax.options:post_go_to_record",
    ),
    _s(
        # Claris "Go to Related Record": the related records of the current record (or of every
        # record in the found set) on a layout of the related table occurrence.
        "Go to Related Record",
        "関連レコードへ移動",
        "转到相关记录",
        _o(
            "from_table",
            "name",
            "From table",
            "関連テーブル",
            "関連テーブルから",
            "テーブル",
            "関連レコードの取得元",
            "从表",
            "来自表",
            "表",
        ),
        _o(
            "layout",
            "name",
            "Using layout",
            "使用するレイアウト",
            "レコードの表示に使用するレイアウト",
            "レイアウト",
            "使用布局",
            "布局",
        ),
        _o(
            "show_only",
            "flag",
            flags=(
                "Show only related records",
                "関連レコードのみ表示",
                "関連レコードのみを表示",
                "仅显示相关记录",
                "只显示相关记录",
            ),
        ),
        _o(
            "match_all",
            "flag",
            flags=(
                "Match all records in current found set",
                "現在の対象レコードのすべてのレコードと一致",
                "現在の対象レコードのすべてのレコードに一致",
                "匹配当前找到集中的所有记录",
                "匹配当前搜索结果中的所有记录",
            ),
        ),
        _o(
            "match_current",
            "flag",
            flags=(
                "Match current record only",
                "現在のレコードのみと一致",
                "現在のレコードのみに一致",
                "仅匹配当前记录",
                "只匹配当前记录",
            ),
        ),
        _o(
            "new_window",
            "flag",
            "New window",
            "新規ウインドウ",
            "新建窗口",
            "新窗口",
            flags=("New window", "新規ウインドウ", "新建窗口", "新窗口"),
        ),
        _o("animation", "text", "Animation", "アニメーション", "动画"),
        handler="fmscript.steps.related:go_to_related_record",
        commits_first=True,
    ),
    _s(
        "New Record/Request",
        "新規レコード/検索条件",
        "新建记录/请求",
        handler="fmscript.steps.records:new_record",
        commits_first=True,
    ),
    _s(
        "Duplicate Record/Request",
        "レコード/検索条件複製",
        ("复制记录/请求", "复制记录/查找请求"),
        handler="fmscript.steps.records:duplicate_record",
        commits_first=True,
    ),
    _s(
        "Delete Record/Request",
        "レコード/検索条件削除",
        "删除记录/请求",
        WITH_DIALOG,
        NO_DIALOG,
        handler="fmscript.steps.records:delete_record",
    ),
    _s(
        "Delete All Records",
        ("対象レコード削除", "全レコード削除"),  # the ja help: 対象レコード削除
        "删除所有记录",
        WITH_DIALOG,
        NO_DIALOG,
        handler="fmscript.steps.records:delete_all_records",
        commits_first=True,
    ),
    _s(
        "Commit Records/Requests",
        "レコード/検索条件確定",
        "提交记录/请求",
        WITH_DIALOG,
        NO_DIALOG,
        _o(
            "skip_validation",
            "flag",
            flags=("Skip data entry validation", "入力値の自動化を無視", "跳过数据输入验证"),
        ),
        _o("override_esc", "flag", flags=("Override ESS locking conflicts",)),
        handler="fmscript.steps.records:commit_records",
    ),
    _s(
        "Revert Record/Request",
        "レコード/検索条件復帰",
        ("恢复记录/请求", "还原记录/请求"),
        WITH_DIALOG,
        NO_DIALOG,
        handler="fmscript.steps.records:revert_record",
    ),
    _s(
        "Show All Records",
        "全レコードを表示",
        "显示所有记录",
        handler="fmscript.steps.found_sets:show_all_records",
        commits_first=True,
    ),
    _s(
        "Show Omitted Only",
        "対象外のみを表示",
        ("仅显示忽略的记录", "只显示省略内容", "只显示省略的记录"),
        handler="fmscript.steps.found_sets:show_omitted_only",
        commits_first=True,
    ),
    _s(
        "Omit Record",
        "レコードを対象外に",
        ("忽略记录", "省略记录"),
        handler="fmscript.steps.found_sets:omit_record",
        commits_first=True,
    ),
    _s(
        "Perform Find",
        "検索実行",
        "执行查找",
        *_FIND_OPTS,
        handler="fmscript.steps.found_sets:perform_find",
        commits_first=True,
        post="fmscript.syntax.options:post_find",
    ),
    _s(
        "Enter Find Mode",
        "検索モードに切り替え",
        "进入查找模式",
        PAUSE,
        *_FIND_OPTS,
        handler="fmscript.steps.found_sets:enter_find_mode",
        commits_first=True,
        post="fmscript.syntax.options:post_find",
    ),
    _s(
        "Constrain Found Set",
        "対象レコードの絞り込み",
        ("限制找到集", "限制搜索结果"),
        *_FIND_OPTS,
        handler="fmscript.steps.found_sets:constrain_found_set",
        commits_first=True,
        post="fmscript.syntax.options:post_find",
    ),
    _s(
        "Extend Found Set",
        "対象レコードの拡大",
        ("扩展找到集", "扩展搜索结果"),
        *_FIND_OPTS,
        handler="fmscript.steps.found_sets:extend_found_set",
        commits_first=True,
        post="fmscript.syntax.options:post_find",
    ),
    _s(
        "Sort Records",
        "レコードのソート",
        "对记录排序",
        _o("sort_order", "text", "Specified Sort Order", "指定されたソート順", "指定的排序顺序"),
        _o(
            "keep_sorted",
            "flag",
            flags=("Keep records in sorted order", "ソート順を保持", "保持记录排序顺序"),
        ),
        _o("direction", "flag", flags=("ascending", "descending", "昇順", "降順", "升序", "降序")),
        RESTORE,
        WITH_DIALOG,
        NO_DIALOG,
        handler="fmscript.steps.found_sets:sort_records",
        commits_first=True,
        post="fmscript.syntax.options:post_sort",
    ),
    _s(
        "Unsort Records",
        "レコードのソート解除",
        ("对记录取消排序", "取消记录排序"),
        handler="fmscript.steps.found_sets:unsort_records",
        commits_first=True,
    ),
    # --- dialogs and windows
    _s(
        "Show Custom Dialog",
        "カスタムダイアログを表示",
        "显示自定义对话框",
        _o("title", "calc", "Title", "タイトル", "标题"),
        _o("message", "calc", "Message", "メッセージ", "消息"),
        _o("button1", "text", "Default Button", "デフォルトボタン", "默认按钮"),
        _o("button2", "text", "Button 2", "ボタン 2", "按钮 2"),
        _o("button3", "text", "Button 3", "ボタン 3", "按钮 3"),
        _o("input1", "text", "Input #1", "入力 #1", "输入 #1"),
        _o("input2", "text", "Input #2", "入力 #2", "输入 #2"),
        _o("input3", "text", "Input #3", "入力 #3", "输入 #3"),
        positional=("first", "second", "third"),
        handler="fmscript.steps.dialogs:show_custom_dialog",
        post="fmscript.syntax.options:post_dialog",
    ),
    _s("Beep", "ビープ", "蜂鸣声", handler="fmscript.steps.dialogs:beep"),
    _s("Freeze Window", "ウインドウの固定", "冻结窗口", handler="fmscript.steps.dialogs:freeze_window"),
    _s(
        "Refresh Window",
        "ウインドウの再表示",
        "刷新窗口",
        _o("flush_join", "flag", flags=("Flush cached join results",)),
        _o("flush_sql", "flag", flags=("Flush cached external data",)),
        handler="fmscript.steps.dialogs:refresh_window",
    ),
    # --- AI
    _s(
        "Configure AI Account",
        "AI アカウント設定",
        "配置 AI 账户",
        ACCOUNT,
        MODEL_PROVIDER,
        _o("endpoint", "calc", "Endpoint", "エンドポイント", "端点"),
        VERIFY_SSL,
        _o("api_key", "calc", "API key", "API キー", "API 密钥"),
        handler="fmscript.steps.ai:configure_ai_account",
    ),
    _s(
        "Fine-Tune Model",
        "モデルをファインチューニング",
        "微调模型",
        ACCOUNT,
        _o("base_model", "calc", "Base Model", "ベースモデル", "基础模型"),
        _o(
            "training_data",
            "enum",
            "Training Data",
            "トレーニングデータ",
            "训练数据",
            values=("Table", "File"),
        ),
        _o("table", "name", "Table", "テーブル", "表"),
        _o("completion_field", "field", "Completion Field", "出力例フィールド", "完成字段"),
        _o("files", "text", "File", "ファイル", "文件"),
        RESPONSE_TARGET,
        _o("parameters", "calc", "Fine-Tune Parameters", "ファインチューニングパラメータ", "微调参数"),
        positional=("source",),
        handler="fmscript.steps.ai:fine_tune_model",
        commits_first=True,
        post="fmscript.syntax.options:post_fine_tune",
    ),
    _s(
        "Save Records as JSONL",
        "レコードを JSONL として保存",
        "将记录保存为 JSONL",
        WITH_DIALOG,
        _o(
            "fine_tuning_format",
            "flag",
            "Format for fine-tuning",
            "ファインチューニングの形式",
            "微调格式",
            "用于微调的格式",
        ),
        _o("table", "name", "Table", "テーブル", "表"),
        _o(
            "files",
            "text",
            "Specify output file",
            "Output file",
            "出力ファイルの指定",
            "出力ファイル",
            "指定输出文件",
            "输出文件",
        ),
        _o("create_folders", "flag", "Create folders", "フォルダを作成", "创建文件夹"),
        _o("system_prompt", "calc", "System Prompt", "システムプロンプト", "系统提示"),
        _o("user_prompt", "calc", "User Prompt", "ユーザプロンプト", "用户提示"),
        _o("assistant_prompt", "calc", "Assistant Prompt", "アシスタントプロンプト", "助手提示"),
        _o("completion_field", "field", "Completion Field", "出力例フィールド", "完成字段"),
        positional=("source", "files"),
        handler="fmscript.steps.ai:save_records_as_jsonl",
        commits_first=True,
        post="fmscript.syntax.options:post_save_jsonl",
    ),
    _s(
        "Generate Response from Model",
        "モデルから応答を生成",
        ("从模型生成回复", "从生成模型响应"),
        ACCOUNT,
        _o("model", "calc", "Model", "モデル", "模型"),
        _o("user_prompt", "calc", "User Prompt", "ユーザプロンプト", "用户提示"),
        _o(
            "agentic",
            "flag",
            "Agentic mode",
            "自律モード",
            "代理模式",
            flags=("Agentic mode", "自律モード", "代理模式"),
        ),
        _o("response", "target", "Response", "応答", "回复", "响应"),
        _o("instructions", "calc", "Instructions", "指示", "指令"),
        _o("messages", "calc", "Messages", "メッセージ", "消息"),
        _o(
            "save_history",
            "target",
            "Save Message History To",
            "メッセージ履歴の保存先",
            "将消息历史记录存储到",
        ),
        _o("history_count", "calc", "Message History Count", "メッセージ履歴の数", "消息历史记录计数"),
        _o("temperature", "calc", "Temperature", "温度"),
        _o("tools", "calc", "Tool Definitions", "ツール定義", "工具定义"),
        _o(
            "tool_calls",
            "target",
            "Tool Calls From Model",
            "モデルからのツール呼び出し",
            "来自模型的工具调用",
        ),
        _o("stream", "flag", "Stream", "ストリーム", "流", flags=("Stream", "ストリーム", "流")),
        _o("parameters", "calc", "Parameters", "パラメータ", "参数"),
        handler="fmscript.steps.generate:generate_response",
    ),
    _s(
        "Insert from URL",
        "URL から挿入",
        "从 URL 插入",
        VERIFY_SSL,
        WITH_DIALOG,
        SELECT,
        _o("target", "target", "Target", "ターゲット", "目标"),
        _o("url", "calc", "URL", "URL を指定", "指定 URL"),
        _o("curl", "calc", "cURL options", "cURL オプションの指定", "指定 cURL 选项"),
        positional=("first", "second", "third"),
        handler="fmscript.steps.url:insert_from_url",
        post="fmscript.syntax.options:post_positional_calcs",
    ),
    # --- embeddings (Claris 21.0): help.claris.com/en/pro-help/content/insert-embedding.html,
    # insert-embedding-in-found-set.html, perform-semantic-find.html (ja/zh names and labels from
    # the same pages under /ja and /zh)
    _s(
        "Insert Embedding",
        "埋め込みを挿入",
        "插入嵌入",
        ACCOUNT,
        EMBEDDING_MODEL,
        _o("input", "calc", "Input", "入力", "输入"),
        _o("target", "target", "Target", "ターゲット", "目标"),
        handler="fmscript.steps.embeddings:insert_embedding",
    ),
    _s(
        "Insert Embedding in Found Set",
        "対象レコードに埋め込みを挿入",
        ("在搜索结果中插入嵌入", "在找到集中插入嵌入"),
        ACCOUNT,
        EMBEDDING_MODEL,
        _o("source_field", "field", "Source Field", "ソースフィールド", "来源字段", "源字段"),
        _o("target_field", "field", "Target Field", "ターゲットフィールド", "目标字段"),
        _o(
            "replace",
            "flag",
            "Replace target contents",
            "ターゲットの内容を置き換える",
            "替换目标内容",
            flags=("Replace target contents", "ターゲットの内容を置き換える", "替换目标内容"),
        ),
        _o(
            "continue_on_error",
            "flag",
            "Continue on error",
            "エラー時に続行",
            "发生错误时继续",
            flags=("Continue on error", "エラー時に続行", "发生错误时继续"),
        ),
        _o(
            "show_summary",
            "flag",
            "Show summary",
            "概要を表示",
            "显示摘要",
            flags=("Show summary", "概要を表示", "显示摘要"),
        ),
        _o("parameters", "calc", "Parameters", "パラメータ", "参数"),
        handler="fmscript.steps.embeddings:insert_embedding_in_found_set",
        commits_first=True,
    ),
    _s(
        "Perform Semantic Find",
        "セマンティック検索を実行",
        "执行语义查找",
        _o(
            "query_by", "enum", "Query by", "クエリー", "查询依据", values=("Natural language", "Vector data")
        ),
        ACCOUNT,
        EMBEDDING_MODEL,
        _o("text", "calc", "Text", "テキスト", "文本"),
        _o("vector", "calc", "Vector", "ベクトル", "向量"),
        _o(
            "record_set",
            "enum",
            "Record set",
            "レコードセット",
            "记录集",
            values=("All records", "Current found set"),
        ),
        _o("target_field", "field", "Target field", "ターゲットフィールド", "目标字段"),
        _o("return_count", "calc", "Return count", "返される数", "返回数"),
        _o("condition", "text", "Cosine similarity condition", "コサイン類似度条件", "余弦相似条件"),
        _o("condition_value", "calc", "Cosine similarity value", "コサイン類似度の値", "余弦相似值"),
        _o("save_result", "target", "Save result", "結果を保存", "保存结果"),
        handler="fmscript.steps.embeddings:perform_semantic_find",
        commits_first=True,
    ),
    _s(
        "Set AI Call Logging",
        ("AI 呼び出しログ設定", "AI 呼び出しのログを設定"),
        "设置 AI 调用日志记录",
        _o("filename", "calc", "Filename", "ファイル名", "文件名"),
        _o("verbose", "flag", "Verbose", "詳細", "详细"),
        _o("truncate", "flag", "Truncate Messages", "メッセージを削除", "缩短消息"),
        positional=("state",),
        handler="fmscript.steps.ai:set_ai_call_logging",
        post="fmscript.syntax.options:post_state",
    ),
    # --- known FileMaker steps fmscript parses but does not run (error 3 at run time)
    _s(
        "Export Field Contents",
        "フィールド内容のエクスポート",
        "导出字段内容",
        WITH_DIALOG,
        _o("create_folders", "flag", "Create folders", "フォルダを作成", "创建文件夹"),
        positional=("field", "path"),
        handler="fmscript.steps.fields:export_field_contents",
        post="fmscript.syntax.options_more:post_typed",
    ),
)

# The other steps, declared the same way in sibling modules (one module would be far past 600
# lines): catalogue_more.py, catalogue_files.py, catalogue_ai_nl.py and catalogue_rag.py (steps
# that run), catalogue_gui.py (steps that need a window: no-ops, or error 3 when reached).
STEPS = (
    STEPS
    + catalogue_more.STEPS
    + catalogue_files.STEPS
    + catalogue_ai_nl.STEPS
    + catalogue_rag.STEPS
    + catalogue_gui.STEPS
)

# name (normalised, any language) -> spec
_BY_NAME: dict[str, StepSpec] = {}
for _spec in STEPS:
    for _n in (_spec.name, *_spec.ja, *_spec.zh):
        _BY_NAME.setdefault(norm(_n), _spec)


def lookup_step(name: str) -> tuple[StepSpec, str] | None:
    """(spec, language) for a step name written in en, ja or zh (ja also in 「」); None when unknown."""
    name = name.strip()
    if len(name) > 2 and name[0] == "「" and name[-1] == "」":
        name = name[1:-1]
    spec = _BY_NAME.get(norm(name))
    if spec is None:
        return None
    key = norm(name)
    lang = "en" if key == norm(spec.name) else ("ja" if key in {norm(n) for n in spec.ja} else "zh")
    return spec, lang


def step_names() -> list[str]:
    return sorted({n for spec in STEPS for n in (spec.name, *spec.ja, *spec.zh)})


def spec_for(name: str) -> StepSpec:
    found = lookup_step(name)
    if found is None:
        raise KeyError(name)
    return found[0]
