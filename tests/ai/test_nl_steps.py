"""Perform Find by Natural Language, Perform SQL Query by Natural Language and Configure Prompt
Template against scripted model answers: a fake chat provider put in the registry's place for
"Local" (deterministic, no mlx), the OpenAI provider against recorded HTTP answers (respx), and the
real Local provider with the untrained demo model, which answers garbage.

Claris pages: perform-find-by-natural-language.html, perform-sql-query-by-natural-language.html,
configure-prompt-template.html (en/ja/zh). Steering: a valid answer at once; an invalid one, then
a valid one after the validation message went back; garbage every time → error 882."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from fmscript.ai import providers
from fmscript.ai.accounts import Account
from fmscript.ai.chat import ChatReply
from fmscript.ai.providers import ChatRequest, Run
from fmscript.runtime.session import run_session
from fmscript.settings import Settings
from fmscript.steps.state import RunOptions

DB = """CREATE TABLE "Products" ("Name" TEXT, "Price" NUMBER, "Added" DATE);
INSERT INTO "Products" ("Name", "Price", "Added") VALUES
  ('Apple', 3, '2025-01-05'), ('Banana', 1, '2025-02-10'),
  ('Cherry', 12, '2025-03-15'), ('Durian', 30, '2025-04-20');
"""
LOCAL = 'Configure AI Account [ Account Name: "ai" ; Model Provider: Local ]\nGo to Layout [ "Products" ]\n'
FIND = 'Perform Find by Natural Language [ Account Name: "ai" ; Model: "m" ; Prompt: "expensive things" ; {opts} ]\n'
SQL = 'Perform SQL Query by Natural Language [ Account Name: "ai" ; Model: "m" ; Prompt: "which cost more than 5?" ; {opts} ]\n'
VALID_FIND = '{"query":[{"Price":">5"}],"sort":[{"fieldName":"Price","sortOrder":"descend"}]}'
GARBAGE = "I think you want the expensive fruit!"


class Scripted:
    """A chat provider that answers from a list, recording what it was sent."""

    def __init__(self, answers: list[str]) -> None:
        self.answers = list(answers)
        self.requests: list[ChatRequest] = []

    def validate_chat_parameters(self, params: dict[str, Any]) -> None:
        return None

    def generate(self, account: Account, request: ChatRequest, run: Run) -> ChatReply:
        self.requests.append(request)
        return ChatReply(self.answers.pop(0) if len(self.answers) > 1 else self.answers[0])

    def stream(self, account: Account, request: ChatRequest, run: Run, on_chunk: Any) -> ChatReply:
        reply = self.generate(account, request, run)
        on_chunk(reply.text)
        return reply


def run(tmp_path: Path, text: str) -> tuple[int, str, str, Any]:
    script = tmp_path / "main.fmscript"
    script.write_text(text, "utf-8")
    db = tmp_path / "db.sql"
    db.write_text(DB, "utf-8")
    out, err = io.StringIO(), io.StringIO()
    settings = Settings(home_override=tmp_path / "home", max_retries=0, request_timeout=2, connect_timeout=1)
    code, result, ctx = run_session(script, db, "", RunOptions(progress=False, settings=settings), out, err)
    return code, out.getvalue(), err.getvalue(), ctx


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch) -> Any:
    def make(*answers: str) -> Scripted:
        fake = Scripted(list(answers))
        monkeypatch.setitem(providers._LOADED, "Local", fake)
        return fake

    return make


def last(ctx: Any, name: str) -> Any:
    return ctx.vars.final_locals.get((name, 1))


def test_find_valid_at_once_sorts_the_found_set(tmp_path: Path, model: Any) -> None:
    fake = model("```json\n" + VALID_FIND + "\n```")
    script = (
        LOCAL
        + FIND.format(opts="Get: Found Set")
        + ('Set Variable [ $n ; Value: Get ( FoundCount ) & " " & Products::Name ]\n')
    )
    code, _, err, ctx = run(tmp_path, script)
    assert code == 0, err
    assert last(ctx, "$n") == "2 Durian"
    assert len(fake.requests) == 1
    prompt = fake.requests[0].messages[0]["content"]
    assert "Price: number" in prompt and "Added: date" in prompt and "expensive things" in prompt


def test_find_invalid_then_valid_feeds_the_error_back(tmp_path: Path, model: Any) -> None:
    fake = model('{"query":[{"Cost":">5"}]}', VALID_FIND)
    code, _, err, ctx = run(
        tmp_path, LOCAL + FIND.format(opts="Get: Find Request as JSON ; Response Target: $r")
    )
    assert code == 0, err
    assert json.loads(last(ctx, "$r")) == json.loads(VALID_FIND)
    second = fake.requests[1].messages
    assert [m["role"] for m in second] == ["user", "assistant", "user"]
    assert "'Cost' is not a field of the layout" in second[2]["content"]


@pytest.mark.parametrize(
    "bad, why",
    [
        ('{"query":[{"Price":"!= 3"}]}', "SQL, not a FileMaker find operator"),
        ('{"query":[{"Price":"> cheap"}]}', "is not a number"),
        ('{"query":[{"Added":"1/1/2025...soon"}]}', "is not a date"),
        ('{"query":[{"omit":"true"}]}', "has no criterion"),
        ('{"query":[]}', "non-empty array"),
        ('{"where":"Price > 5"}', "unknown key"),
        ('{"query":[{"Price":">5"}],"sort":[{"fieldName":"Colour"}]}', "'Colour' is not a field"),
    ],
)
def test_find_validation_messages(tmp_path: Path, model: Any, bad: str, why: str) -> None:
    fake = model(bad, VALID_FIND)
    code, _, err, _ = run(
        tmp_path, LOCAL + FIND.format(opts="Get: Find Request as JSON ; Response Target: $r")
    )
    assert code == 0, err
    assert why in fake.requests[1].messages[2]["content"]


def test_find_garbage_every_time_is_error_882(tmp_path: Path, model: Any) -> None:
    fake = model(GARBAGE)
    script = (
        "Set Error Capture [ On ]\n"
        + LOCAL
        + FIND.format(opts="Get: Found Set")
        + ('Set Variable [ $e ; Value: Get ( LastError ) & " " & Get ( FoundCount ) ]\n')
    )
    code, _, err, ctx = run(tmp_path, script)
    assert code == 0, err
    assert last(ctx, "$e") == "882 4"  # the found set is left as it was
    assert len(fake.requests) == 3


def test_find_garbage_uncaptured_is_one_clean_error(tmp_path: Path, model: Any) -> None:
    model(GARBAGE)
    code, _, err, _ = run(tmp_path, LOCAL + FIND.format(opts="Get: Found Set"))
    assert code == 1
    assert "error 882" in err and "did not answer with a JSON find request object in 3 tries" in err
    assert "Traceback" not in err


def test_found_set_as_json_keeps_the_window(tmp_path: Path, model: Any) -> None:
    model('{"query":[{"Name":"==Cherry"}]}')
    script = (
        LOCAL
        + FIND.format(opts="Get: Found Set as JSON ; Response Target: $r")
        + ("Set Variable [ $n ; Value: Get ( FoundCount ) ]\n")
    )
    code, _, err, ctx = run(tmp_path, script)
    assert code == 0, err
    answer = json.loads(last(ctx, "$r"))
    assert answer["messages"][0]["code"] == "0"
    assert answer["response"]["dataInfo"]["foundCount"] == 1
    assert answer["response"]["data"][0]["fieldData"]["Name"] == "Cherry"
    assert last(ctx, "$n") == 4


def test_context_prompt_goes_into_the_prompt_not_the_parameters(tmp_path: Path, model: Any) -> None:
    fake = model(VALID_FIND)
    opts = (
        'Get: Found Set ; Parameters: "{\\"context_prompt\\":\\"Treat today as 12/01/2025\\",\\"seed\\":4}"'
    )
    code, _, err, _ = run(tmp_path, LOCAL + FIND.format(opts=opts))
    assert code == 0, err
    assert fake.requests[0].params == {"seed": 4}
    assert "Treat today as 12/01/2025" in fake.requests[0].messages[0]["content"]


def test_sql_query_answers_from_the_rows(tmp_path: Path, model: Any) -> None:
    fake = model(
        "```sql\nSELECT Name FROM Products WHERE Price > 5 ORDER BY Name;\n```", "Cherry and Durian."
    )
    code, _, err, ctx = run(tmp_path, LOCAL + SQL.format(opts="Action: Query ; Response Target: $r"))
    assert code == 0, err
    assert last(ctx, "$r") == "Cherry and Durian."
    second = fake.requests[1].messages[0]["content"]
    assert "SELECT Name FROM Products WHERE Price > 5 ORDER BY Name" in second and "Cherry\rDurian" in second
    assert 'CREATE TABLE "Products"' in fake.requests[0].messages[0]["content"]


def test_constants_in_a_question_or_an_answer_are_sent_as_written(tmp_path: Path, model: Any) -> None:
    """Issue 22: the prompt's constants are filled in one pass. Filled one after another, a question
    holding ':result:' 2,000 times was sent with the whole result 2,000 times (a large table's rows:
    gigabytes), and the model's SQL holding ':result:' had it filled too."""
    fake = model("SELECT Name, ':result:' FROM Products WHERE Price > 5", "Two.")
    question = ":result: " * 2000
    script = LOCAL + SQL.format(opts="Action: Query ; Response Target: $r").replace(
        "which cost more than 5?", question
    )
    code, _, err, ctx = run(tmp_path, script)
    assert code == 0, err
    second = fake.requests[1].messages[0]["content"]
    # 2,000 in the question, 1 in the SQL, 1 in each of the 2 rows; the rows themselves once.
    assert second.count(":result:") == 2003 and second.count("Cherry") == 1
    assert "SELECT Name, ':result:' FROM Products" in second


def test_sql_invalid_then_valid_and_get_sql_lists_both(tmp_path: Path, model: Any) -> None:
    fake = model("SELECT Nme FROM Products", "SELECT Name FROM Products WHERE Price > 5")
    script = (
        LOCAL
        + SQL.format(opts="Action: Get SQL ; Response Target: $r")
        + SQL.format(opts="Action: Query for Data Only ; Response Target: $d")
    )
    code, _, err, ctx = run(tmp_path, script)
    assert code == 0, err
    assert last(ctx, "$r") == "SELECT Nme FROM Products\rSELECT Name FROM Products WHERE Price > 5"
    assert "no such column: Nme" in fake.requests[1].messages[2]["content"]
    assert last(ctx, "$d") == "Cherry\rDurian"


@pytest.mark.parametrize(
    "bad, why",
    [
        ("DELETE FROM Products", "no SELECT statement"),
        ("SELECT 1; DROP TABLE Products", "more than one SQL statement"),
        ("WITH x AS (SELECT 1) DELETE FROM Products", "only SELECT statements"),
    ],
)
def test_sql_never_writes(tmp_path: Path, model: Any, bad: str, why: str) -> None:
    fake = model(bad)
    script = (
        "Set Error Capture [ On ]\n"
        + LOCAL
        + SQL.format(opts="Action: Query for Data Only ; Response Target: $r")
    )
    script += 'Set Variable [ $e ; Value: Get ( LastError ) & " " & ExecuteSQL ( "SELECT COUNT(*) FROM Products" ; "" ; "" ) ]\n'
    code, _, err, ctx = run(tmp_path, script)
    assert code == 0, err
    assert last(ctx, "$e") == "882 4"
    assert why in fake.requests[1].messages[2]["content"]


def test_get_ddl_asks_no_model_and_tables_by_name(tmp_path: Path, model: Any) -> None:
    fake = model(GARBAGE)
    script = LOCAL + SQL.format(
        opts='Action: Get DDL ; Data tables: By name ; Tables: "Products" ; Response Target: $r'
    )
    script += "Set Error Capture [ On ]\n" + SQL.format(
        opts='Action: Get DDL ; Data tables: By name ; Tables: "Nope" ; Response Target: $x'
    )
    script += "Set Variable [ $e ; Value: Get ( LastError ) ]\n"
    code, _, err, ctx = run(tmp_path, script)
    assert code == 0, err
    assert last(ctx, "$r").startswith('CREATE TABLE "Products"') and fake.requests == []
    assert last(ctx, "$e") == 106


def test_by_json_data_options(tmp_path: Path, model: Any) -> None:
    model("SELECT Name FROM Products WHERE Price < 2")
    opts = 'Options specified: By JSON data ; JSON data: "{\\"action\\":\\"get first sql only\\",\\"data tables\\":[\\"Products\\"]}" ; Response Target: $r'
    code, _, err, ctx = run(tmp_path, LOCAL + SQL.format(opts=opts))
    assert code == 0, err
    assert last(ctx, "$r") == "SELECT Name FROM Products WHERE Price < 2"


def test_prompt_template_replaces_the_predefined_prompt(tmp_path: Path, model: Any) -> None:
    fake = model("SELECT COUNT(*) FROM Products", "Four.")
    script = (
        LOCAL
        + (
            'Configure Prompt Template [ Template Name: "Terse" ; Model Provider: Local ; Template Type: SQL Query ; '
            'SQL Prompt: "Tables: :schema:¶Q: :question:¶:context:" ; Natural Language Prompt: "Rows: :result: for :sql:" ]\n'
        )
        + SQL.format(
            opts='Action: Query ; Prompt Template Name: "Terse" ; Parameters: "{\\"context_prompt\\":\\"Be brief.\\"}" ; Response Target: $r'
        )
    )
    code, _, err, ctx = run(tmp_path, script)
    assert code == 0, err
    first = fake.requests[0].messages[0]["content"]
    assert first.startswith('Tables: CREATE TABLE "Products"') and first.endswith(
        "Q: which cost more than 5?\rBe brief."
    )
    # a prompt without :context: gets the context_prompt before it
    assert fake.requests[1].messages[0]["content"] == "Be brief.\n\nRows: 4 for SELECT COUNT(*) FROM Products"
    assert last(ctx, "$r") == "Four."


@pytest.mark.parametrize(
    "template, code",
    [
        (
            'Template Name: "terse" ; Model Provider: Local ; Template Type: SQL Query',
            10,
        ),  # names are case-sensitive
        ('Template Name: "Terse" ; Model Provider: Local ; Template Type: Find Request', 11),
    ],
)
def test_prompt_template_errors(tmp_path: Path, model: Any, template: str, code: int) -> None:
    fake = model("SELECT 1")
    script = "Set Error Capture [ On ]\n" + LOCAL + f"Configure Prompt Template [ {template} ]\n"
    script += SQL.format(opts='Action: Get SQL ; Prompt Template Name: "Terse" ; Response Target: $r')
    script += "Set Variable [ $e ; Value: Get ( LastError ) ]\n"
    status, _, err, ctx = run(tmp_path, script)
    assert status == 0, err
    assert last(ctx, "$e") == code and fake.requests == []


LOCALIZED = {
    "ja": (
        'AI アカウント設定 [ アカウント名: "ai" ; モデルプロバイダ: ローカル ]\nレイアウト切り替え [ "Products" ]\n'
        'プロンプトテンプレートを構成 [ テンプレート名: "t" ; モデルプロバイダ: ローカル ; テンプレートタイプ: 検索条件 ; 検索条件プロンプト: "F :schema: :question:" ]\n'
        '自然言語で検索実行 [ アカウント名: "ai" ; モデル: "m" ; プロンプト: "高い" ; 取得: 検索条件 (JSON 形式) ; プロンプトテンプレート名: "t" ; 応答のターゲット: $r ]\n'
        '自然言語で SQL クエリーを実行 [ アカウント名: "ai" ; モデル: "m" ; プロンプト: "高い" ; 処理: DDL を取得 ; 応答のターゲット: $d ]\n'
    ),
    "zh": (
        '配置 AI 账户 [ 账户名称: "ai" ; 模型提供商: 本地 ]\n转到布局 [ "Products" ]\n'
        '配置提示模板 [ 模板名称: "t" ; 模型提供商: 本地 ; 模板类型: 查找请求 ; 查找请求提示: "F :schema: :question:" ]\n'
        '通过自然语言执行查找 [ 账户名称: "ai" ; 模型: "m" ; 提示: "高い" ; 获取: JSON 形式的查找请求 ; 提示模板名称: "t" ; 响应目标: $r ]\n'
        '通过自然语言执行 SQL 查询 [ 账户名称: "ai" ; 模型: "m" ; 提示: "高い" ; 操作: 获取 DDL ; 响应目标: $d ]\n'
    ),
}


@pytest.mark.parametrize("lang", ["ja", "zh"])
def test_ja_zh_step_names_and_labels(tmp_path: Path, model: Any, lang: str) -> None:
    fake = model(VALID_FIND)
    code, _, err, ctx = run(tmp_path, LOCALIZED[lang])
    assert code == 0, err
    assert json.loads(last(ctx, "$r")) == json.loads(VALID_FIND)
    assert fake.requests[0].messages[0]["content"].startswith("F Name: text")
    assert last(ctx, "$d").startswith('CREATE TABLE "Products"')


def _completion(text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-nl",
        "object": "chat.completion",
        "created": 1741570283,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


@pytest.mark.parametrize("provider", ["OpenAI", "Custom"])
def test_openai_and_custom_providers_steer_over_http(tmp_path: Path, provider: str) -> None:
    respx = pytest.importorskip("respx")
    pytest.importorskip("openai")
    api = "https://api.openai.com/v1" if provider == "OpenAI" else "http://127.0.0.1:8089/v1"
    endpoint = "" if provider == "OpenAI" else f' ; Endpoint: "{api}"'
    script = (
        f'Configure AI Account [ Account Name: "ai" ; Model Provider: {provider} ; API key: "sk-nl-secret"{endpoint} ]\n'
        'Go to Layout [ "Products" ]\n' + FIND.format(opts="Get: Found Set")
    )
    script += 'Set Variable [ $n ; Value: Get ( FoundCount ) & " " & Products::Name ]\n'
    with respx.mock(base_url=api) as mock:
        chat = mock.post("/chat/completions")
        chat.side_effect = [
            respx.MockResponse(200, json=_completion("Sure! Here you go: Price > 5")),
            respx.MockResponse(200, json=_completion(VALID_FIND)),
        ]
        code, out, err, ctx = run(tmp_path, script)
    assert code == 0, err
    assert last(ctx, "$n") == "2 Durian"
    second = json.loads(chat.calls[1].request.content)["messages"]
    assert second[1]["content"] == "Sure! Here you go: Price > 5"
    assert "it holds no JSON object" in second[2]["content"]
    # OpenAI is asked for JSON mode; an OpenAI-compatible Custom server is not (it need not know it)
    sent_format = json.loads(chat.calls[0].request.content).get("response_format")
    assert sent_format == ({"type": "json_object"} if provider == "OpenAI" else None)
    assert "sk-nl-secret" not in out + err


def test_local_demo_model_answering_garbage_gives_882(tmp_path: Path, demo_home: Path) -> None:
    # The real Local provider (mlx-lm) with the untrained demo model, which answers noise: three
    # tries, then a clean, capturable error — no crash, no hang.
    script = "Set Error Capture [ On ]\n" + LOCAL
    script += FIND.replace('Model: "m"', 'Model: "demo"').format(
        opts='Get: Found Set ; Parameters: "{\\"max_tokens\\":8}"'
    )
    script += 'Set Variable [ $e ; Value: Get ( LastError ) & " " & Get ( FoundCount ) ]\n'
    script = 'Set AI Call Logging [ On ; Filename: "nl.log" ]\n' + script
    code, _, err, ctx = run_home(tmp_path, script, demo_home)
    assert code == 0, err
    assert last(ctx, "$e") == "882 4"
    # constrained start: the Local provider writes the answer's "{" and the model continues it
    log = [json.loads(line) for line in (tmp_path / "docs" / "nl.log").read_text("utf-8").splitlines()]
    assert len(log) == 3 and all(entry["response"].startswith("{") for entry in log)


def run_home(tmp_path: Path, text: str, home: Path) -> tuple[int, str, str, Any]:
    script = tmp_path / "main.fmscript"
    script.write_text(text, "utf-8")
    db = tmp_path / "db.sql"
    db.write_text(DB, "utf-8")
    out, err = io.StringIO(), io.StringIO()
    settings = Settings(home_override=home)
    options = RunOptions(progress=False, settings=settings, documents_path=tmp_path / "docs")
    code, _, ctx = run_session(script, db, "", options, out, err)
    return code, out.getvalue(), err.getvalue(), ctx


def test_sample_ask_your_data(tmp_path: Path, model: Any) -> None:
    # samples/ask_your_data.fmscript with a model that answers well (the README's sample)
    samples = Path(__file__).resolve().parents[2] / "samples"
    fake = model(
        '{"query":[{"Category":"Office","Price":">30"}],"sort":[{"fieldName":"Price","sortOrder":"descend"}]}',
        "SELECT AVG(Price) FROM Products WHERE Category = 'Kitchen'",
        "The kitchen products cost 27.17 on average.",
    )
    out, err = io.StringIO(), io.StringIO()
    settings = Settings(home_override=tmp_path / "home")
    code, result, _ = run_session(
        samples / "ask_your_data.fmscript",
        samples / "ask_your_data.sql",
        "good-model",
        RunOptions(progress=False, settings=settings),
        out,
        err,
    )
    assert code == 0, err.getvalue()
    assert out.getvalue().splitlines()[1:] == [
        "Found 2; first: Standing desk",
        "The kitchen products cost 27.17 on average.",
    ]
    assert "Prices are in euros." in fake.requests[0].messages[0]["content"]
    assert "27.1666" in fake.requests[2].messages[0]["content"]


def test_sql_stream_prints_the_answer_at_a_terminal(tmp_path: Path, model: Any) -> None:
    model(
        "SELECT COUNT(*) FROM Products", "Four products.", "SELECT COUNT(*) FROM Products", "Four products."
    )

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    script = tmp_path / "main.fmscript"
    script.write_text(
        LOCAL
        + SQL.format(opts="Action: Query ; Stream ; Response Target: $r")
        + SQL.format(
            opts='Options specified: By JSON data ; JSON data: "{\\"action\\":\\"query\\",\\"stream\\":\\"on\\"}" ; Response Target: $r'
        ),
        "utf-8",
    )
    (tmp_path / "db.sql").write_text(DB, "utf-8")
    out, err = Terminal(), io.StringIO()
    settings = Settings(home_override=tmp_path / "home")
    code, _, _ = run_session(
        script, tmp_path / "db.sql", "", RunOptions(progress=False, settings=settings), out, err
    )
    assert code == 0, err.getvalue()
    assert out.getvalue() == "Four products.\nFour products.\n"


def test_every_try_is_logged_by_set_ai_call_logging(tmp_path: Path, model: Any) -> None:
    model('{"query":[{"Cost":">5"}]}', VALID_FIND)
    script = tmp_path / "main.fmscript"
    script.write_text(
        'Set AI Call Logging [ On ; Filename: "nl.log" ; Verbose: On ]\n'
        + LOCAL
        + FIND.format(opts="Get: Find Request as JSON ; Response Target: $r"),
        "utf-8",
    )
    (tmp_path / "db.sql").write_text(DB, "utf-8")
    docs = tmp_path / "docs"
    options = RunOptions(
        documents_path=docs, progress=False, settings=Settings(home_override=tmp_path / "home")
    )
    code, _, _ = run_session(script, tmp_path / "db.sql", "", options, io.StringIO(), io.StringIO())
    assert code == 0
    entries = [json.loads(line) for line in (docs / "nl.log").read_text("utf-8").splitlines()]
    assert [e["call"] for e in entries] == ["chat", "chat"]
    assert entries[0]["response"] == '{"query":[{"Cost":">5"}]}'
    assert "is not a field of the layout" in entries[1]["messages"][-1]["content"]


def test_the_line_a_clipboard_tool_prints_runs(tmp_path: Path, model: Any) -> None:
    # ai2fm's rendering of a copied step (its "FileMaker Clipboard Bugs" page): no spaces after the
    # colons, "Template Name:" for Prompt Template Name
    model(VALID_FIND)
    line = (
        'Perform Find by Natural Language [ Account Name:"ai"; Model:"theModel"; Prompt:"thePrompt"; '
        'Get: Find Request as JSON; Parameters:"{}"; Response Target:$r; Template Name:"templateName" ]\n'
    )
    template = 'Configure Prompt Template [ Template Name: "templateName" ; Model Provider: Local ; Template Type: Find Request ]\n'
    code, _, err, ctx = run(tmp_path, LOCAL + template + line)
    assert code == 0, err
    assert json.loads(last(ctx, "$r")) == json.loads(VALID_FIND)
