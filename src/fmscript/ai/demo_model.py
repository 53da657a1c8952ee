"""A tiny random-weight llama with its own byte-level BPE tokenizer, built in-process in seconds.

It lets everything run with no download: ``fmscript models demo NAME`` and the tests use it. The
folder it writes is what ``mlx_lm.load`` reads: ``config.json``, ``model.safetensors``,
``tokenizer.json`` + ``tokenizer_config.json`` (with a ChatML-style chat template).

Being narrower than ``families.TOY_WIDTH``, it adapts its MLPs only (a llama's usual choice is every
attention and MLP projection, which stalls at a toy's learning rate of 1e-2). Two changes to the
random initialisation let those adapters learn any short answer (:func:`_sharpen`): attention
queries and keys ×QK_GAIN, and the final norm's weight OUTPUT_GAIN. Measured with
``bench/demo_memorisation.py`` (12 copies of one question/answer, ``{"max_steps":200,
"learning_rate":0.01,"batch_size":4,"lora_layers":4}``, 20 answers in English, Japanese and
Chinese): 20/20 replies start with the trained answer, 6/20 without them. Building the model takes
about 2 s (1 s CPU).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

CORPUS = """\
FileMaker scripts automate tasks: Go to Layout, Perform Find, Set Field, Set Variable, Show Custom Dialog.
A script step runs one after another; If, Else If, Else and End If choose which steps run.
Loop, Exit Loop If and End Loop repeat steps until a condition is true.
The Fine-Tune Model step sends training data to a model provider and creates a fine-tuned model.
Each training example holds a user prompt and the assistant's correct answer.
The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs.
Customers ask about orders, invoices, shipping dates, returns and product sizes.
What is the capital of France? Paris is the capital of France.
How many days are in a week? There are seven days in a week.
Please summarise this record in one sentence. The invoice was paid on Monday.
Translate to Japanese: thank you very much. ありがとうございます。
Numbers: 0 1 2 3 4 5 6 7 8 9 10 100 1000 2025 3.14 -42 1e-4 0.0002
Punctuation and symbols: ( ) [ ] { } < > = + - * / & ; : , . ! ? " ' ¶ $ $$ :: # @ %
ファイルメーカーのスクリプトは作業を自動化します。レイアウト切り替え、検索実行、フィールド設定。
モデルをファインチューニングするには、トレーニングデータとベースモデルを指定します。
各トレーニング例にはユーザプロンプトとアシスタントの正しい応答が含まれます。
今日は良い天気ですね。東京は日本の首都です。富士山は日本で一番高い山です。
お問い合わせありがとうございます。注文番号を教えてください。
变量设置、转到布局、执行查找和设置字段是常用的脚本步骤。
微调模型步骤将训练数据发送给模型提供商，并创建一个经过微调的模型。
每个训练示例都包含用户提示和助手的正确回答。
你好，世界。今天天气很好。北京是中国的首都。长城很长。
谢谢您的来信。请告诉我们您的订单号码。
user assistant system developer tool messages role content
"""


# A random llama's attention is nearly uniform (scores of ~0.3 between random 64-wide queries and
# keys), so each position sees a blur of everything before it and the MLP adapters cannot tell the
# two "け" of "受け付けます" apart: replies looped ("は14日は14日…"). Sharper random attention
# (queries and keys ×3) gives each position features of its own recent context to learn from.
QK_GAIN = 3.0
# Tied 64-wide embeddings of norm ~1 cap a logit at ~8 against ~3 for the best of 767 random
# rivals: the loss cannot fall below ~1.3, Adam keeps pushing at a constant learning rate, and the
# reply drifts. A final-norm weight of 4 lets the output become confident.
OUTPUT_GAIN = 4.0

_TOKENIZERS: dict[tuple[tuple[str, ...], int], object] = {}


def tokenizer_for(corpus: list[str], vocab_size: int = 768) -> object:
    """The byte-level BPE tokenizer trained on ``corpus`` (built once per process and corpus)."""
    key = (tuple(corpus), vocab_size)
    if key not in _TOKENIZERS:
        _TOKENIZERS[key] = _tokenizer(corpus, vocab_size)
    return _TOKENIZERS[key]


def _tokenizer(corpus: list[str], vocab_size: int) -> object:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(corpus, trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, eos_token="<|im_end|>", pad_token="<|endoftext|>", bos_token=None
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def create_demo_model(
    path: Path | str,
    seed: int = 0,
    corpus: list[str] | None = None,
    *,
    hidden_size: int = 64,
    num_layers: int = 4,
    vocab_size: int = 768,
) -> Path:
    """Write a tiny llama (random weights, ``seed``) and a BPE tokenizer trained on a built-in
    English/Japanese/Chinese text plus ``corpus`` to ``path``; return the folder."""
    from fmscript.ai.engines import quiet_env

    quiet_env()
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm.models import llama

    folder = Path(path)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    texts = [line for line in CORPUS.splitlines() if line.strip()] * 4 + list(corpus or [])
    tokenizer = tokenizer_for(texts, vocab_size)
    tokenizer.save_pretrained(str(folder))  # type: ignore[attr-defined]
    config = {
        "model_type": "llama",
        "hidden_size": hidden_size,
        "num_hidden_layers": num_layers,
        "intermediate_size": hidden_size * 2,
        "num_attention_heads": max(1, hidden_size // 32),
        "num_key_value_heads": max(1, hidden_size // 32),
        "rms_norm_eps": 1e-5,
        "vocab_size": len(tokenizer),  # type: ignore[arg-type]
        "max_position_embeddings": 2048,
        "rope_theta": 10000.0,
        "tie_word_embeddings": True,
        "eos_token_id": tokenizer.convert_tokens_to_ids("<|im_end|>"),  # type: ignore[attr-defined]
        "fmscript_demo": {"seed": seed},
    }
    mx.random.seed(seed)
    model = llama.Model(llama.ModelArgs.from_dict(config))
    _sharpen(model)
    weights = dict(tree_flatten(model.parameters()))
    mx.eval(weights)
    mx.save_safetensors(str(folder / "model.safetensors"), weights, metadata={"format": "mlx"})
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    return folder


def _sharpen(model: Any) -> None:
    """Scale the random attention queries and keys by QK_GAIN and set the final norm to OUTPUT_GAIN."""
    import mlx.core as mx

    for layer in model.layers:
        layer.self_attn.q_proj.weight = layer.self_attn.q_proj.weight * QK_GAIN
        layer.self_attn.k_proj.weight = layer.self_attn.k_proj.weight * QK_GAIN
    model.model.norm.weight = mx.full(model.model.norm.weight.shape, OUTPUT_GAIN)
