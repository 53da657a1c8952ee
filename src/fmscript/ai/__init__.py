"""fmscript.ai: local fine-tuning (mlx-lm), its job store and the models it produces.

Importing this package, ``fmscript.ai.jobs``, ``fmscript.ai.datasets`` or ``fmscript.ai.params``
loads nothing heavy: mlx, mlx_lm, transformers and tokenizers are imported only inside the
functions that train, generate, count tokens or build models.

Modules: ``home`` (where things live), ``params`` (Fine-Tune Model parameters), ``datasets``
(JSONL validation with line numbers, chat token spans), ``jobs`` (the persistent job store and the
worker that runs a job), ``engines.mlx_local`` (training and generation with mlx-lm), ``service``
(:class:`~fmscript.ai.service.LocalFineTuning`, what the script steps call), ``demo_model`` (a tiny
model built in-process) and ``progress`` (the rich progress bar).

A queued job belongs to the process that submitted it: when that process ends without training
it, the next opening of the store fails it. ``LocalFineTuning.release()`` leaves a process's queued
jobs to whoever runs them later (``fmscript jobs wait ID``).

Error codes (``ScriptRuntimeError.code``, what ``Get ( LastError )`` reports); the numbers are
FileMaker's where FileMaker has a fitting one, see :mod:`fmscript.ai.errors`:

====  =====================================================================================
code  meaning
====  =====================================================================================
1     cancelled by the user (Ctrl-C while training; the job ends ``cancelled``, callers report it)
3     local fine-tuning is unavailable (mlx-lm is not installed)
10    unknown model: a base model that cannot be found, a fine-tuned model that is not there
11    ``fine_tuned_model_name`` is not a valid name
14    bad fine-tuning parameter: unknown key, wrong type or a value out of range
100   the training file is missing
101   unknown fine-tuning job id
509   invalid training data (the message lists every bad line with its number)
800   unable to create a file on disk (FMSCRIPT_HOME not writable, copy failed)
802   unable to open or read a file
-1    unexpected error inside the trainer (the job is marked failed with the reason)
====  =====================================================================================
"""
