"""AI accounts (Configure AI Account): they live for one run, as in FileMaker, where an account
exists only in the current file until it closes. API keys never appear in output or errors."""

from __future__ import annotations

import attrs


@attrs.frozen
class Account:
    name: str
    provider: str
    endpoint: str = ""
    verify_ssl: bool = False
    api_key: str = attrs.field(default="", repr=False)

    def key(self) -> str:
        """The API key (Configure AI Account fills in OPENAI_API_KEY's for an OpenAI account without one)."""
        return self.api_key

    def redact(self, text: str) -> str:
        """Remove the key from a message before it is shown anywhere."""
        key = self.key()
        return text.replace(key, "***") if key and len(key) >= 4 else text
