"""Training controls peers have and mlx-lm lacks: epochs, checkpoints, early stopping.

* ``n_epochs`` (as OpenAI's): the number of steps is derived from the training set's size,
  ``ceil(n_train × n_epochs / batch_size)``, and reported back (events, card, job object).
* ``save_every`` N: an intermediate adapter every N steps (mlx-lm's ``steps_per_save`` writes
  ``0000050_adapters.safetensors`` beside the final adapter); the checkpoints API lists them.
* ``early_stopping_patience`` P (needs validation data): training stops after P validation reports
  in a row without a better validation loss, and the adapter with the best validation loss is the
  one kept — also when training ran to the end.
* data-parallel ranks (``fmscript worker --ranks-per-host``, mlx.distributed): each rank trains
  its share of every batch, so a batch needs at least one example per rank.

mlx is imported inside the functions only.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import attrs

CHECKPOINT_FILE = re.compile(r"(\d{7})_adapters\.safetensors")


class EarlyStopped(Exception):
    """Raised from the validation report when patience has run out (caught by the training loop)."""


def steps_for_epochs(n_train: int, n_epochs: int, batch_size: int) -> int:
    """Steps that show every training example ``n_epochs`` times (at least one step)."""
    return max(1, math.ceil(n_train * n_epochs / max(1, batch_size)))


def checkpoint_steps(folder: Path) -> list[int]:
    """The steps of the intermediate adapters saved in a model folder, in order."""
    try:
        names = [p.name for p in folder.iterdir()]
    except OSError:
        return []
    return sorted(int(m.group(1)) for name in names if (m := CHECKPOINT_FILE.fullmatch(name)))


@attrs.define
class BestAdapter:
    """Follows the validation loss; keeps the best adapter's weights; stops when patience runs out."""

    patience: int
    best_loss: float = math.inf
    best_step: int = 0
    stopped_at: int | None = None
    _weights: list[tuple[str, Any]] | None = None
    _worse: int = 0

    def observe(self, model: Any, step: int, loss: float) -> None:
        """One validation report; raises :class:`EarlyStopped` when ``patience`` reports in a row
        were no better than the best."""
        from mlx.utils import tree_flatten

        if loss < self.best_loss:
            self.best_loss, self.best_step, self._worse = loss, step, 0
            # mlx arrays are immutable (an optimizer step makes new ones): references are a copy
            flat: list[tuple[str, Any]] = tree_flatten(model.trainable_parameters())  # type: ignore[assignment]
            self._weights = flat
            return
        self._worse += 1
        if self.patience and self._worse >= self.patience:
            self.stopped_at = step
            raise EarlyStopped()

    def restore(self, model: Any, adapter_file: Path) -> bool:
        """Put the best adapter back into the model and ``adapter_file``; False: nothing to restore."""
        import mlx.core as mx
        from mlx.utils import tree_unflatten

        if self._weights is None:
            return False
        model.update(tree_unflatten(self._weights))
        mx.save_safetensors(str(adapter_file), dict(self._weights))
        return True


# -- resume ---------------------------------------------------------------------------------------
# With ``save_every``, every checkpoint also writes a resume point outside the job's model folder
# (which a failed or cancelled job loses): the adapter, the optimizer's state (Adam's moments and
# step count) and the step. `fmscript jobs resume ID` queues a new job with ``resume_from`` = ID;
# it loads the point and trains the remaining steps; the point is removed once a job succeeds.


def resume_dir(home: Path, job_id: str) -> Path:
    return home / "resume" / job_id


@attrs.frozen
class ResumePoint:
    step: int
    adapter: list[tuple[str, Any]]
    optimizer: list[tuple[str, Any]]


def save_resume_point(folder: Path, step: int, adapter: dict[str, Any], optimizer_state: Any) -> None:
    """Write the point into ``folder`` (a complete set or none: the step file is written last)."""
    import json

    import mlx.core as mx
    from mlx.utils import tree_flatten

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "state.json").unlink(missing_ok=True)
    mx.save_safetensors(str(folder / "adapters.safetensors"), adapter)
    flat: list[tuple[str, Any]] = tree_flatten(optimizer_state)  # type: ignore[assignment]
    mx.save_safetensors(str(folder / "optimizer.safetensors"), dict(flat))
    (folder / "state.json").write_text(json.dumps({"step": step}))


def load_resume_point(folder: Path) -> ResumePoint | None:
    """The point saved in ``folder``; None when there is none (or it is incomplete)."""
    import json

    try:
        step = int(json.loads((folder / "state.json").read_text())["step"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    import mlx.core as mx

    adapter = mx.load(str(folder / "adapters.safetensors"))
    optimizer = mx.load(str(folder / "optimizer.safetensors"))
    assert isinstance(adapter, dict) and isinstance(optimizer, dict)
    return ResumePoint(step, list(adapter.items()), list(optimizer.items()))


def training_world(batch_size: int) -> tuple[int, int]:
    """(rank, number of ranks) of mlx.distributed's group for this training ((0, 1) alone); a
    ``batch_size`` below the number of ranks would leave ranks without examples: refused."""
    import mlx.core as mx

    from fmscript.ai.errors import BAD_PARAMETER, ai_error

    world = mx.distributed.init()
    if world.size() > batch_size:
        raise ai_error(
            f"batch_size {batch_size} is smaller than the {world.size()} training processes: "
            "each needs at least one example of every batch",
            BAD_PARAMETER,
        )
    return int(world.rank()), int(world.size())
