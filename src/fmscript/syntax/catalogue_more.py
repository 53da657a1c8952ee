"""More of the step catalogue (``catalogue.py`` has the format and the first steps): the Fields,
Records, Found Sets and Files steps that run without a window — record steps, transactions,
data files, import/export, Perform Script on Server, Execute FileMaker Data API.

Names are the ones the Claris help uses in English, Japanese and Chinese (the category lists of
help.claris.com/{en,ja,zh}/pro-help and each step's page); option labels are those the pages print.
``catalogue.py`` adds these to ``STEPS``; the builders ``_s`` / ``_o`` come from ``step_spec.py``.
"""

from __future__ import annotations

from fmscript.syntax.step_spec import NO_DIALOG, PAUSE, SELECT, WITH_DIALOG, StepSpec, _o, _s

_STEPS = "fmscript.steps."
_OPT = "fmscript.syntax.options_more:"

TARGET = _o("target", "target", "Target", "ターゲット", "目标")
CREATE_FOLDERS = _o(
    "create_folders", "flag", "Create folders", "Create directories", "フォルダを作成", "创建文件夹"
)
FILE_ID = _o("file_id", "calc", "File ID", "ファイル ID", "文件 ID")
SOURCE_FILE = _o("path", "text", "Source file", "ソースファイル", "源文件")
TARGET_FILE = _o("path", "text", "Target file", "対象ファイル", "ターゲットファイル", "目标文件")
SKIP_AUTO_ENTER = _o(
    "skip_auto_enter",
    "flag",
    "Skip auto-enter options",
    "入力値の自動化オプションを無視",
    "跳过自动输入选项",
    flags=("Skip auto-enter options", "入力値の自動化オプションを無視", "跳过自动输入选项"),
)
SKIP_VALIDATION = _o(
    "skip_validation",
    "flag",
    flags=("Skip data entry validation", "入力値の制限を無視", "跳过数据输入验证"),
)
OVERRIDE_ESS = _o(
    "override_esc",
    "flag",
    flags=("Override ESS locking conflicts", "ESS ロックのコンフリクトを上書き", "覆盖 ESS 锁定冲突"),
)
CONDITION = _o("condition", "calc", "Condition", "条件", "条件")
PARAMETER = _o("parameter", "calc", "Parameter", "引数", "参数")
SPECIFIED = _o("specified", "enum", "Specified", "指定", "指定", values=("From list", "By name"))
WAIT = _o("wait", "flag", "Wait for completion", "完了まで待機", "等待完成")
WINDOW_NAME = _o("name", "calc", "Name", "Window Name", "ウインドウ名", "名前", "名称", "窗口名称")
ACCOUNT_NAME = _o("account_name", "calc", "Account Name", "アカウント名", "帐户名", "账户名称", "账户名")
PASSWORD = _o("password", "calc", "Password", "パスワード", "密码")
NEW_PASSWORD = _o("new_password", "calc", "New password", "New Password", "新しいパスワード", "新密码")
EXPIRE = _o(
    "expire",
    "flag",
    "Expire password",
    "User must change password on next login",
    "パスワードの期限切れ",
    "密码过期",
    flags=("Expire password", "User must change password on next login", "パスワードの期限切れ", "密码过期"),
)


def _h(module_function: str) -> str:
    return _STEPS + module_function


def _p(function: str) -> str:
    return _OPT + function


def _insert(name: str, ja: str, zh: str | tuple[str, ...], handler: str, *extra: object) -> StepSpec:
    return _s(
        name,
        ja,
        zh,
        SELECT,
        TARGET,
        positional=extra[0] if extra else (),  # type: ignore[arg-type]
        handler=_h(handler),
        post=_p("post_insert") if extra else "",
    )


STEPS: tuple[StepSpec, ...] = (
    # --- Fields
    _insert("Insert Text", "テキストを挿入", "插入文本", "fields:insert_text", ("target", "text")),
    _insert(
        "Insert Calculated Result",
        "計算結果を挿入",
        "插入计算结果",
        "fields:insert_calculated_result",
        ("target", "value"),
    ),
    _insert(
        "Insert Current Date", "現在の日付を挿入", "插入当前日期", "fields:insert_current_date", ("target",)
    ),
    _insert(
        "Insert Current Time", "現在の時刻を挿入", "插入当前时间", "fields:insert_current_time", ("target",)
    ),
    _insert(
        "Insert Current User Name",
        "現在のユーザ名を挿入",
        "插入当前用户名",
        "fields:insert_current_user_name",
        ("target",),
    ),
    _s(
        "Replace Field Contents",
        ("フィールド内容の全置換", "フィールド内容を全置換"),
        "替换字段内容",
        WITH_DIALOG,
        NO_DIALOG,
        _o("calculation", "calc", "Replace with calculation", "Calculation", "計算結果で置換", "计算结果"),
        _o("serial", "text", "Replace with serial numbers", "シリアル番号で置換", "替换为序列号"),
        _o("initial", "calc", "Initial value", "初期値", "初始值"),
        _o("increment", "calc", "Increment by", "Increment value", "増分", "增量"),
        _o(
            "update_serial",
            "flag",
            "Update serial number in Entry Options",
            "入力値の自動化のシリアル番号を更新",
            "更新输入选项中的序列号",
            flags=("Update serial number in Entry Options", "Update serial number"),
        ),
        SKIP_AUTO_ENTER,
        handler=_h("fields:replace_field_contents"),
        commits_first=True,
        post=_p("post_replace"),
    ),
    _s(
        "Set Next Serial Value",
        "次のシリアル値を設定",
        "设置下一个序列值",
        positional=("field", "value"),
        handler=_h("fields:set_next_serial_value"),
        post=_p("post_typed"),
    ),
    _s(
        "Relookup Field Contents",
        "フィールド内容の再ルックアップ",
        "重新查找字段内容",
        WITH_DIALOG,
        NO_DIALOG,
        positional=("field",),
        handler=_h("relookup:relookup_field_contents"),
        commits_first=True,
        post=_p("post_typed"),
    ),
    _s(
        "Clear",
        "消去",
        "清除",
        SELECT,
        positional=("field",),
        handler=_h("fields:clear"),
        post=_p("post_typed"),
    ),
    # --- Records
    _s(
        "Open Record/Request",
        "レコード/検索条件を開く",
        "打开记录/请求",
        handler=_h("record_sets:open_record"),
    ),
    _s(
        "Truncate Table",
        (
            "テーブルデータを削除",
            "テーブルのトランケート",
            "テーブルを空にする",
        ),  # the ja help: [テーブルデータを削除]
        "清空表记录",
        WITH_DIALOG,
        NO_DIALOG,
        _o("table", "name", "Table", "テーブル", "表"),
        positional=("table",),
        handler=_h("record_sets:truncate_table"),
        commits_first=True,
        post=_p("post_typed"),
    ),
    _s(
        "Import Records",
        "レコードのインポート",
        "导入记录",
        WITH_DIALOG,
        NO_DIALOG,
        _o("verify_ssl", "flag", flags=("Verify SSL Certificates", "SSL 証明書の検証", "验证 SSL 证书")),
        _o(
            "source", "text", "Source", "Source file", "Data source", "ソース", "データソース", "源", "数据源"
        ),
        _o("source_table", "text", "Table", "Worksheet", "テーブル", "ワークシート", "表", "工作表"),
        _o("target", "text", "Target", "Target table", "ターゲット", "目标", "目标表"),
        _o(
            "method",
            "text",
            "Method",
            "Import action",
            "インポート方法",
            "インポート処理",
            "方法",
            "导入操作",
        ),
        _o("charset", "text", "Character Set", "Character set", "文字セット", "字符集"),
        _o(
            "mapping",
            "text",
            "Field Mapping",
            "Import Order",
            "フィールドのマッピング",
            "インポート順",
            "字段映射",
            "导入顺序",
        ),
        _o(
            "first_row",
            "flag",
            "Field names in first row",
            flags=(
                "Field names in first row",
                "Don't import first record (contains field names)",
                "Use field names from first row",
                "最初のレコードはフィールド名",
                "第一行为字段名",
            ),
        ),
        _o(
            "add_remaining",
            "flag",
            flags=(
                "Add remaining data as new records",
                "残りのデータを新規レコードとして追加",
                "将其余数据添加为新记录",
            ),
        ),
        SKIP_AUTO_ENTER,
        handler=_h("transfer:import_records"),
        commits_first=True,
        post=_p("post_import"),
    ),
    _s(
        "Export Records",
        "レコードのエクスポート",
        "导出记录",
        WITH_DIALOG,
        NO_DIALOG,
        CREATE_FOLDERS,
        _o("path", "text", "Specify output file", "Output file", "出力ファイルの指定", "指定输出文件"),
        _o("charset", "text", "Character Set", "文字セット", "字符集"),
        _o(
            "field_names",
            "flag",
            "Field names in first row",
            flags=(
                "Field names in first row",
                "Include field names",
                "最初の行にフィールド名",
                "第一行为字段名",
            ),
        ),
        _o("auto_open", "flag", flags=("Automatically open", "自動的に開く", "自动打开")),
        _o("email", "flag", flags=("Create email", "メールを作成", "创建电子邮件")),
        handler=_h("transfer:export_records"),
        commits_first=True,
        post=_p("post_export"),
    ),
    _s(
        "Save Records as Excel",
        "レコードを Excel として保存",
        "将记录另存为 Excel",
        WITH_DIALOG,
        NO_DIALOG,
        CREATE_FOLDERS,
        _o("path", "text", "Specify output file", "Output file", "出力ファイルの指定", "指定输出文件"),
        _o("worksheet", "calc", "Worksheet", "ワークシート", "工作表"),
        _o(
            "current_record",
            "flag",
            flags=("Current record", "現在のレコード", "当前记录"),
        ),
        _o("browsed", "flag", flags=("Records being browsed", "ブラウズ中のレコード", "正在浏览的记录")),
        _o("auto_open", "flag", flags=("Automatically open", "自動的に開く", "自动打开")),
        _o("email", "flag", flags=("Create email", "メールを作成", "创建电子邮件")),
        positional=("path",),
        handler=_h("transfer:save_records_as_excel"),
        commits_first=True,
        post=_p("post_typed"),
    ),
    _s(
        "Open Transaction",
        "トランザクションを開く",
        "打开事务处理",
        SKIP_AUTO_ENTER,
        SKIP_VALIDATION,
        OVERRIDE_ESS,
        handler=_h("transactions:open_transaction"),
    ),
    _s(
        "Commit Transaction",
        "トランザクション確定",
        "提交事务处理",
        handler=_h("transactions:commit_transaction"),
    ),
    _s(
        "Revert Transaction",
        "トランザクション復帰",
        ("还原事务处理", "恢复事务处理"),
        CONDITION,
        _o("error_code", "calc", "Error Code", "エラーコード", "错误代码"),
        _o("error_message", "calc", "Error Message", "エラーメッセージ", "错误消息"),
        handler=_h("transactions:revert_transaction"),
    ),
    _s(
        "Set Revert Transaction on Error",
        ("エラー時のトランザクション復帰設定", "エラー時のトランザクション復帰を設定"),
        "发生错误时的还原事务处理设置",
        positional=("state",),
        handler=_h("transactions:set_revert_transaction_on_error"),
        post="fmscript.syntax.options:post_state",
    ),
    # --- Found Sets
    _s(
        "Omit Multiple Records",
        "複数レコードを対象外に",
        ("省略多个记录", "忽略多个记录"),
        WITH_DIALOG,
        NO_DIALOG,
        positional=("count",),
        handler=_h("record_sets:omit_multiple_records"),
        commits_first=True,
        post=_p("post_typed"),
    ),
    _s(
        "Sort Records by Field",
        "レコードをフィールド順でソート",
        "按字段对记录排序",
        _o(
            "direction",
            "text",
            flags=(
                "ascending",
                "descending",
                "昇順",
                "降順",
                "升序",
                "降序",
                # fmscript has no value lists: the value list order sorts ascending
                "Associated value list",
                "関連付けられている値一覧",
                "相关值列表",
            ),
        ),
        positional=("field",),
        handler=_h("record_sets:sort_records_by_field"),
        commits_first=True,
        post=_p("post_sort_by_field"),
    ),
    _s(
        "Enter Browse Mode",
        "ブラウズモードに切り替え",
        "进入浏览模式",
        PAUSE,
        handler=_h("record_sets:enter_browse_mode"),
    ),
    _s(
        "Modify Last Find",
        "検索条件を変更",
        "修改上次查找条件",
        handler=_h("record_sets:modify_last_find"),
        commits_first=True,
    ),
    _s(
        "Perform Quick Find",
        "クイック検索の実行",
        "执行快速查找",
        positional=("value",),
        handler=_h("record_sets:perform_quick_find"),
        commits_first=True,
        post=_p("post_typed"),
    ),
    _s(
        "Find Matching Records",
        "一致するレコードを検索",
        "查找匹配记录",
        _o(
            "how",
            "text",
            flags=("Replace", "Constrain", "Extend", "置換", "絞り込み", "拡大", "替换", "限制", "扩展"),
        ),
        positional=("field",),
        handler=_h("record_sets:find_matching_records"),
        commits_first=True,
        post=_p("post_find_matching"),
    ),
    # --- Control (run here, in a session of their own)
    _s(
        "Perform Script on Server",
        "サーバー上のスクリプト実行",
        "在服务器上执行脚本",
        SPECIFIED,
        PARAMETER,
        WAIT,
        positional=("script",),
        handler=_h("server:perform_script_on_server"),
        post=_p("post_script_on_server"),
    ),
    _s(
        "Perform Script on Server with Callback",
        ("コールバックありでサーバー上のスクリプト実行", "サーバー上のスクリプト実行 (コールバックあり)"),
        ("在服务器上执行脚本并回调", "使用回调在服务器上执行脚本"),
        SPECIFIED,
        PARAMETER,
        _o("callback", "name", "Callback script", "コールバックスクリプト", "回调脚本"),
        _o("callback_parameter", "calc", "Callback parameter", "コールバック引数", "回调参数"),
        _o("state", "text", "State", "状態", "状态"),
        positional=("script",),
        handler=_h("server:perform_script_on_server_with_callback"),
        post=_p("post_script_on_server"),
    ),
    # --- Miscellaneous
    _s(
        "Execute FileMaker Data API",
        "FileMaker Data API を実行",
        "执行 FileMaker Data API",
        SELECT,
        TARGET,
        positional=("request",),
        handler=_h("server:execute_data_api"),
        commits_first=True,
        post=_p("post_typed"),
    ),
    _s("Exit Application", "アプリケーションの終了", "退出应用程序", handler=_h("misc:exit_application")),
    # --- Artificial intelligence (labels: the en/ja/zh "Configure Regression Model" pages)
    _s(
        "Configure Regression Model",
        "回帰モデルを構成",
        "配置回归模型",
        _o("action", "enum", "Action", "処理", "操作", values=("Train", "Save", "Load", "Unload")),
        _o("model_name", "calc", "Model Name", "モデル名", "模型名称"),
        _o("algorithm", "enum", "Algorithm", "アルゴリズム", "算法", values=("Random Forest",)),
        _o(
            "vectors_field",
            "field",
            "Training Vectors Field",
            "ベクトルフィールドをトレーニング",
            "训练向量字段",
        ),
        _o(
            "target_field",
            "field",
            "Training Target Field",
            "ターゲットフィールドをトレーニング",
            "训练目标字段",
        ),
        _o(
            "skip_invalid",
            "flag",
            "Skip empty or invalid records",
            "空または無効なレコードをスキップ",
            "跳过空或无效记录",
            flags=("Skip empty or invalid records", "空または無効なレコードをスキップ", "跳过空或无效记录"),
        ),
        _o("parameters", "calc", "Parameters", "引数", "参数"),
        _o("save_to", "target", "Save Model To", "モデルの保存先", "保存模型到"),
        _o("load_from", "target", "Load Model From", "モデルのロード元", "模型加载自"),
        handler=_h("regression:configure_regression_model"),
        commits_first=True,
    ),
)
