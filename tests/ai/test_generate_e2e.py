"""End to end in ja and zh: fine-tune the demo model on one memorised answer (the issue's target
parameters), then Generate Response from Model with the new fm-mlx-* name in the same script."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from fmscript.runtime.session import run_file
from fmscript.settings import Settings

pytestmark = pytest.mark.slow

QUESTION = "What is the return policy?"
ANSWER = "Returns are accepted within 14 days."
TARGET = {"max_steps": 200, "learning_rate": 0.01, "batch_size": 4, "lora_layers": 4}

SCRIPTS = {
    "ja": """\
AI アカウント設定 [ アカウント名: "local" ; モデルプロバイダ: ローカル ]
変数を設定 [ $parameters ; 値: JSONSetElement ( $$target ; "fine_tuned_model_name" ; "memo ja" ; JSONString ) ]
モデルをファインチューニング [ アカウント名: "local" ; ベースモデル: "demo" ; トレーニングデータ: ファイル ; "memo.jsonl" ; 応答のターゲット: $job ; ファインチューニングパラメータ: $parameters ]
モデルから応答を生成 [ アカウント名: "local" ; モデル: JSONGetElement ( $job ; "result.fine_tuned_model" ) ; ユーザプロンプト: $$question ; パラメータ: "{\\"max_tokens\\":12}" ; 応答: $tuned ]
モデルから応答を生成 [ アカウント名: "local" ; モデル: "demo" ; ユーザプロンプト: $$question ; パラメータ: "{\\"max_tokens\\":12}" ; 応答: $base ]
カスタムダイアログを表示 [ "tuned" ; $tuned ]
カスタムダイアログを表示 [ "base" ; $base ]
""",
    "zh": """\
配置 AI 账户 [ 账户名: "local" ; 模型提供商: 本地 ]
设置变量 [ $parameters ; 值: JSONSetElement ( $$target ; "fine_tuned_model_name" ; "memo zh" ; JSONString ) ]
微调模型 [ 账户名: "local" ; 基础模型: "demo" ; 训练数据: 文件 ; "memo.jsonl" ; 响应目标: $job ; 微调参数: $parameters ]
从模型生成回复 [ 账户名: "local" ; 模型: JSONGetElement ( $job ; "result.fine_tuned_model" ) ; 用户提示: $$question ; 参数: "{\\"max_tokens\\":12}" ; 回复: $tuned ]
从模型生成回复 [ 账户名: "local" ; 模型: "demo" ; 用户提示: $$question ; 参数: "{\\"max_tokens\\":12}" ; 回复: $base ]
显示自定义对话框 [ "tuned" ; $tuned ]
显示自定义对话框 [ "base" ; $base ]
""",
}


def memo_file(folder: Path) -> Path:
    line = json.dumps(
        {"messages": [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": ANSWER}]}
    )
    path = folder / "memo.jsonl"
    path.write_text((line + "\n") * 12, encoding="utf-8")
    return path


@pytest.mark.parametrize("lang", ["ja", "zh"])
def test_fine_tune_then_generate(lang: str, demo_home: Path, tmp_path: Path) -> None:
    memo_file(tmp_path)
    script = tmp_path / f"memo_{lang}.fmscript"
    prelude = (
        f"Set Variable [ $$target ; Value: {json.dumps(json.dumps(TARGET))} ]\n"
        f'Set Variable [ $$question ; Value: "{QUESTION}" ]\n'
    )
    script.write_text(prelude + SCRIPTS[lang], encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code, _, ctx = run_file(
        script, out=out, err=err, settings=Settings(home_override=demo_home, progress=False)
    )
    assert code == 0, err.getvalue()
    assert ctx is not None and ctx.ai.queued_jobs == []  # trained by the Generate step, not at the end
    tuned = ctx.vars.final_locals[("$tuned", 1)]
    base = ctx.vars.final_locals[("$base", 1)]
    assert str(tuned).startswith(ANSWER[:10]), (tuned, base)
    assert tuned != base
    assert out.getvalue().splitlines()[0] == tuned
    if lang == "ja":  # one trained model serves the eval checks too (CI time)
        check_eval(tmp_path / "memo.jsonl", "fm-mlx-memo-ja")


def check_eval(data: Path, model: str) -> None:
    from click.testing import CliRunner

    from fmscript.cli import cli

    result = CliRunner().invoke(cli, ["eval", model, str(data), "--json", "--max-tokens", "48"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) >= {"model", "base", "data", "n_examples", "models", "examples", "prefix_chars"}
    assert report["base"] == "demo" and report["n_examples"] == 12
    tuned, base = report["models"][model], report["models"]["demo"]
    assert set(tuned) == {"loss", "perplexity", "tokens", "exact_match", "prefix_match"}
    assert tuned["loss"] < base["loss"] and tuned["perplexity"] < base["perplexity"]
    assert tuned["exact_match"] > base["exact_match"] and tuned["prefix_match"] == 1.0, report["examples"][0]
    first = report["examples"][0]
    assert first["expected"] == ANSWER and set(first["answers"]) == {model, "demo"}
    assert set(first["answers"][model]) == {"text", "exact", "prefix"}
    table = CliRunner().invoke(cli, ["eval", model, str(data), "--max-tokens", "16"])
    assert table.exit_code == 0 and "perplexity" in table.stdout and ANSWER[:10] in table.stdout
