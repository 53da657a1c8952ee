"""FileMaker 22's natural-language AI steps: Configure Prompt Template, Perform Find by Natural
Language, Perform SQL Query by Natural Language (declared as ``catalogue.py`` describes).

Names and labels from help.claris.com/{en,ja,zh}/pro-help/content/configure-prompt-template.html,
perform-find-by-natural-language.html and perform-sql-query-by-natural-language.html. FileMaker's
printed form of a few options is not on those pages; fmscript reads the page's labels
("Options specified", "JSON data" for the By JSON data object, "Tables" for the tables or DDL).
"""

from __future__ import annotations

from fmscript.syntax.step_spec import ACCOUNT, MODEL_PROVIDER, RESPONSE_TARGET, StepSpec, _o, _s

MODEL = _o("model", "calc", "Model", "モデル", "模型")
PROMPT = _o("prompt", "calc", "Prompt", "プロンプト", "提示")
# "Template Name" too: how clipboard tools (ai2fm) print the option of Perform Find by Natural Language.
TEMPLATE_NAME = _o(
    "template_name",
    "calc",
    "Prompt Template Name",
    "プロンプトテンプレート名",
    "提示模板名称",
    "Template Name",
    "テンプレート名",
    "模板名称",
)
PARAMETERS = _o("parameters", "calc", "Parameters", "パラメータ", "参数")

STEPS: tuple[StepSpec, ...] = (
    _s(
        "Configure Prompt Template",
        "プロンプトテンプレートを構成",
        "配置提示模板",
        _o("template_name", "calc", "Template Name", "テンプレート名", "模板名称"),
        MODEL_PROVIDER,
        _o(
            "template_type",
            "enum",
            "Template Type",
            "テンプレートタイプ",
            "模板类型",
            values=("SQL Query", "Find Request", "RAG Prompt"),
        ),
        _o("sql_prompt", "calc", "SQL Prompt", "SQL プロンプト", "SQL 提示"),
        _o("nl_prompt", "calc", "Natural Language Prompt", "自然言語プロンプト", "自然语言提示"),
        _o("find_prompt", "calc", "Find Request Prompt", "検索条件プロンプト", "查找请求提示"),
        _o("rag_prompt", "calc", "RAG Prompt", "RAG プロンプト", "RAG 提示"),
        handler="fmscript.steps.ai_nl:configure_prompt_template",
    ),
    _s(
        "Perform Find by Natural Language",
        "自然言語で検索実行",
        "通过自然语言执行查找",
        ACCOUNT,
        MODEL,
        PROMPT,
        _o(
            "get",
            "enum",
            "Get",
            "取得",
            "获取",
            values=("Found Set", "Found Set as JSON", "Find Request as JSON"),
        ),
        TEMPLATE_NAME,
        PARAMETERS,
        RESPONSE_TARGET,
        handler="fmscript.steps.ai_nl_find:perform_find_by_natural_language",
        commits_first=True,
    ),
    _s(
        "Perform SQL Query by Natural Language",
        "自然言語で SQL クエリーを実行",
        "通过自然语言执行 SQL 查询",
        ACCOUNT,
        MODEL,
        PROMPT,
        _o(
            "options_by",
            "enum",
            "Options specified",
            "指定されたオプション",
            "指定的选项",
            "Options",
            values=("From list", "By JSON data"),
        ),
        _o("options_json", "calc", "JSON data", "JSON データ", "JSON 数据"),
        _o(
            "action",
            "enum",
            "Action",
            "処理",
            "操作",
            values=("Query", "Query for Data Only", "Get SQL", "Get First SQL Only", "Get DDL"),
        ),
        _o(
            "data_tables",
            "enum",
            "Data tables",
            "データテーブル",
            "数据表",
            values=("From list", "By name", "By DDL"),
        ),
        _o("tables", "calc", "Tables", "テーブル", "表"),
        _o("stream", "flag", "Stream", "ストリーム", "流", flags=("Stream", "ストリーム", "流")),
        PARAMETERS,
        TEMPLATE_NAME,
        RESPONSE_TARGET,
        handler="fmscript.steps.ai_nl_sql:perform_sql_query_by_natural_language",
        commits_first=True,
    ),
)
