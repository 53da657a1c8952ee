"""The fine-tuning fixtures (private FMSCRIPT_HOME, demo model) shared with tests/ai."""

from tests.ai.conftest import demo_dir, demo_home, home, train_file  # noqa: F401
