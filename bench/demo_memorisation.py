"""Does the demo model learn any short answer? 20 answers (en/ja/zh), each fine-tuned alone.

Each answer gets the README's sample parameters — 12 copies of one question/answer,
``{"max_steps":200,"learning_rate":0.01,"batch_size":4,"lora_layers":4}`` — through the Local
provider's real job path (``LocalFineTuning``), on a demo model built here (``models demo``'s
builder, seed 0); then the fine-tuned model is asked the question (greedy, as ``Generate Response
from Model`` asks by default) and the reply must start with the trained answer. Prints one line per
answer and ``N/20 start with the trained answer`` with the seconds it took (wall and CPU of this
process). Nothing is downloaded.

    python bench/demo_memorisation.py [--only 0,5,12] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fmscript.ai.service import LocalFineTuning

# (question, answer): 8 English, 6 Japanese, 6 Chinese; short sentences, single words, numbers,
# repeated words, punctuation, text the tokenizer's corpus never saw.
CASES: tuple[tuple[str, str], ...] = (
    ("What is the return policy?", "Returns are accepted within 14 days."),
    ("When does the office open?", "Our office opens at 9 am, Monday to Friday."),
    ("What is the capital of France?", "Paris"),
    ("How do I reset my password?", "Click Forgot Password and follow the email link."),
    ("What is the shipping cost?", "Shipping is free on orders over $50."),
    ("Who is on call tonight?", "Bob, then Bob again."),
    ("What is the invoice total?", "The total is 1,284.50 USD."),
    ("Which port does the server use?", "Port 8080 (HTTP) and 8443 (HTTPS)."),
    ("返品ポリシーは何ですか？", "返品は14日以内に受け付けます。"),
    ("営業時間を教えてください。", "平日の午前9時から午後6時までです。"),
    ("日本の首都はどこですか？", "東京"),
    ("パスワードを忘れました。", "ログイン画面の「パスワードを忘れた」を押してください。"),
    ("在庫はありますか？", "はい、在庫は3個あります。"),
    ("好きな色は何ですか？", "青です。"),
    ("退货政策是什么？", "退货须在14天内办理。"),
    ("办公室几点开门？", "我们的办公室上午9点开门。"),
    ("中国的首都是哪里？", "北京"),
    ("如何重置密码？", "请点击忘记密码，然后按照邮件中的链接操作。"),
    ("运费是多少？", "订单满50美元免运费。"),
    ("今天星期几？", "今天是星期五。"),
)
PARAMS = {"max_steps": 200, "learning_rate": 0.01, "batch_size": 4, "lora_layers": 4}
COPIES = 12


def _data(path: Path, question: str, answer: str) -> Path:
    line = {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}
    path.write_text((json.dumps(line, ensure_ascii=False) + "\n") * COPIES, encoding="utf-8")
    return path


def memorise(service: LocalFineTuning, base: str, index: int, folder: Path) -> str:
    """Fine-tune ``base`` on case ``index`` (the sample's parameters) and ask it; its reply."""
    question, answer = CASES[index]
    data = _data(folder / f"case{index}.jsonl", question, answer)
    service.submit(base, data, data.name, {**PARAMS, "fine_tuned_model_name": f"case{index}"})
    [job] = service.run_queued()
    if job.status != "succeeded":
        raise RuntimeError(f"case {index}: training {job.status}: {job.error}")
    return service.generate(f"fm-mlx-case{index}", [{"role": "user", "content": question}], max_tokens=48)


def run(indices: list[int], seed: int) -> int:
    """Train and ask each chosen case on a fresh demo model; how many replies start with their answer."""
    from fmscript.ai.demo_model import create_demo_model
    from fmscript.ai.service import LocalFineTuning

    passed = 0
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        os.environ["FMSCRIPT_HOME"] = str(home)
        os.environ["FMSCRIPT_PROGRESS"] = "0"
        base = create_demo_model(Path(tmp) / "demo", seed=seed)
        with LocalFineTuning(home) as service:
            service.store.models.add_base("demo", base)
            for index in indices:
                started = time.monotonic()
                reply = memorise(service, "demo", index, Path(tmp))
                answer = CASES[index][1]
                ok = reply.startswith(answer)
                passed += ok
                seconds = time.monotonic() - started
                print(
                    f"{'ok  ' if ok else 'MISS'} {index:2d} {seconds:5.1f}s {answer!r} -> {reply[:60]!r}",
                    flush=True,
                )
    return passed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated case numbers (default: all 20)")
    parser.add_argument("--seed", type=int, default=0, help="the demo model's seed")
    args = parser.parse_args()
    indices = [int(i) for i in args.only.split(",")] if args.only else list(range(len(CASES)))
    wall, cpu = time.monotonic(), time.process_time()
    passed = run(indices, args.seed)
    wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    print(
        f"{passed}/{len(indices)} start with the trained answer; {wall:.0f} s wall, {cpu:.0f} s CPU "
        f"({wall / len(indices):.1f} s wall per answer)"
    )


if __name__ == "__main__":
    main()
