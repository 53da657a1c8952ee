"""Session-wide test settings: no test reaches the real Hugging Face hub.

A hub id that is not local is downloaded on demand; unless a test points ``HF_ENDPOINT`` at its
loopback stand-in (tests/ai/hub_stub.py), the endpoint is a closed local port, so such a download
fails at once (connection refused) instead of going to the internet.
"""

from __future__ import annotations

import os


def pytest_configure() -> None:
    os.environ["HF_ENDPOINT"] = "http://127.0.0.1:9"
    os.environ.pop("HF_TOKEN", None)
    os.environ.pop("HUGGING_FACE_HUB_TOKEN", None)
