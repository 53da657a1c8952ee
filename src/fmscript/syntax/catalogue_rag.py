"""The RAG steps' specs (FileMaker 22.0): Configure RAG Account and Perform RAG Action, declared
as ``catalogue.py`` describes; their handlers are in ``steps/rag.py``. Names and labels: en / ja /
zh as help.claris.com writes them (configure-rag-account.html, perform-rag-action.html); the ja
step name is 「RAG アカウント設定」 there (「RAG アカウントを構成」 is kept as a spelling too).
Labels the localized pages do not show (Text, Detect vertical text, Tokens per Text Chunk, as
FileMaker 2025's copied script text writes them) are given in English.
"""

from __future__ import annotations

from fmscript.syntax.catalogue_ai_nl import MODEL, PARAMETERS, TEMPLATE_NAME
from fmscript.syntax.step_spec import RESPONSE_TARGET, VERIFY_SSL, StepSpec, _o, _s

RAG_ACCOUNT = _o("rag_account_name", "calc", "RAG Account Name", "RAG アカウント名", "RAG 账户名称")

STEPS: tuple[StepSpec, ...] = (
    _s(
        "Configure RAG Account",
        ("RAG アカウント設定", "RAG アカウントを構成"),
        "配置 RAG 账户",
        RAG_ACCOUNT,
        _o("endpoint", "calc", "Endpoint", "エンドポイント", "端点"),
        _o("api_key", "calc", "API Key", "API キー", "API 密钥"),
        VERIFY_SSL,
        handler="fmscript.steps.rag:configure_rag_account",
    ),
    _s(
        "Perform RAG Action",
        "RAG 処理を実行",
        "执行 RAG 操作",
        RAG_ACCOUNT,
        _o("space_id", "calc", "Space ID", "スペース ID", "空间 ID"),
        _o(
            "action",
            "enum",
            "Action",
            "処理",
            "操作",
            values=("Add Data", "Send Prompt", "Remove Data"),
        ),
        _o(
            "rag_data",
            "enum",
            "RAG Data",
            "RAG データ",
            "RAG 数据",
            values=(
                "From Text",
                "From File",
                "From File (Async)",
                "From Container",
                "From Container (Async)",
            ),
        ),
        _o("text", "calc", "Text", "テキスト", "文本"),
        _o("input_file", "text", "Input File", "入力ファイル", "输入文件"),
        _o("container_field", "field", "Container Field", "オブジェクトフィールド", "容器字段"),
        _o(
            "detect_vertical",
            "flag",
            "Detect vertical text",
            flags=("Detect vertical text",),
        ),
        _o("tokens_per_chunk", "calc", "Tokens per Text Chunk"),
        _o("prompt", "calc", "Send Prompt", "プロンプトを送信", "发送提示", "Prompt"),
        _o("ai_account_name", "calc", "AI Account Name", "AI アカウント名", "AI 账户名称"),
        MODEL,
        _o("stream", "flag", "Stream", "ストリーム", "流", flags=("Stream", "ストリーム", "流")),
        TEMPLATE_NAME,
        RESPONSE_TARGET,
        PARAMETERS,
        handler="fmscript.steps.rag:perform_rag_action",
    ),
)
