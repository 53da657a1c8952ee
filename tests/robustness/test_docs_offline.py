"""Issue 22 item 13: /docs loaded Swagger UI from a CDN and was blank offline. Every script and
style sheet the page names is served by the server itself (and answers 200)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from fmscript.server.app import create_app  # noqa: E402
from fmscript.server.config import ServerOptions  # noqa: E402
from fmscript.settings import Settings  # noqa: E402


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_need_nothing_from_outside(tmp_path: Path, page: str) -> None:
    app = create_app(Settings(home_override=tmp_path / "home"), ServerOptions(worker=False))
    with TestClient(app) as client:
        html = client.get(page)
        assert html.status_code == 200
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html.text)
        assert assets, html.text
        for url in assets:
            assert url.startswith("/"), f"{page} loads {url} from outside the server"
            assert client.get(url).status_code == 200, url
        assert "/openapi.json" in html.text
        assert client.get("/openapi.json").status_code == 200
