"""The admin page's JSON and SVG, without a browser: progress from events, the loss chart, model
sizes and cards, the training-file report, and the key check on every ``/admin/api`` route."""

from __future__ import annotations

import json
import struct
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from fmscript.ai.jobs import SQLiteStore as JobStore
from fmscript.ai.jobs.records import Job, Model, Worker

try:
    from fastapi import Header
except ImportError:  # the server extra is not installed: the route tests skip
    Header = None  # type: ignore[assignment,misc]
from fmscript.server.admin import chart, insights

SVG = "{http://www.w3.org/2000/svg}"


def chat(q: str, a: str) -> str:
    return json.dumps({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]})


GOOD = [chat(f"question {i}", f"answer {i}") for i in range(12)]


def circles(svg: str, series: str) -> list[ET.Element]:
    root = ET.fromstring(svg)  # well-formed XML, or this raises
    return [c for c in root.iter(f"{SVG}circle") if c.get("class") == f"pt {series}"]


# -- the chart -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_train", "n_val", "width"),
    [(1, 0, 720), (60, 6, 720), (200, 11, 1200), (5, 2, 100), (3, 1, 99999)],
)
def test_chart_has_one_point_per_report(n_train: int, n_val: int, width: int) -> None:
    train = [(i + 1, 5.0 - i / 100) for i in range(n_train)]
    val = [(i * 10, 6.0 - i / 10) for i in range(n_val)]
    svg = chart.loss_chart_svg(train, val, total_steps=n_train, width=width)
    assert [int(c.get("data-step") or -1) for c in circles(svg, "train")] == [s for s, _ in train]
    assert [int(c.get("data-step") or -1) for c in circles(svg, "val")] == [s for s, _ in val]
    root = ET.fromstring(svg)
    view_width = float((root.get("viewBox") or "").split()[2])
    assert view_width == max(chart.MIN_WIDTH, min(chart.MAX_WIDTH, width))
    xs = [float(c.get("cx") or 0) for c in circles(svg, "train")]
    assert all(chart.LEFT <= x <= view_width - chart.RIGHT for x in xs)
    assert xs == sorted(xs)
    assert root.find(f"{SVG}desc") is not None


def test_chart_points_keep_their_order_of_loss() -> None:
    svg = chart.loss_chart_svg([(1, 3.0), (2, 1.0), (3, 2.0)])
    ys = [float(c.get("cy") or 0) for c in circles(svg, "train")]
    assert ys[1] > ys[2] > ys[0]  # lower loss is lower on the chart (larger y)


def test_chart_of_one_validation_point_has_an_axis_around_it() -> None:
    import re

    svg = chart.loss_chart_svg([], [(10, 8.0)], 100)
    y_labels = [float(t) for t in re.findall(r">([0-9.]+)</text>", svg)][:5]  # the y axis comes first
    assert min(y_labels) >= 6.5 and max(y_labels) <= 9.5 and 8.0 in y_labels  # was 8–16 (issue 22 item 23)


def test_empty_chart_says_so() -> None:
    svg = chart.loss_chart_svg([], [])
    assert "No loss reported yet" in svg and not circles(svg, "train")


def test_chart_escapes_its_title() -> None:
    svg = chart.loss_chart_svg([(1, 1.0)], title='<script>alert("x")</script>')
    assert "<script>" not in svg
    ET.fromstring(svg)


@pytest.mark.parametrize(
    ("low", "high", "first", "last"),
    [(0, 7.3, 0, 8), (4.2, 8.7, 4, 9), (0, 1000, 0, 1000), (0.01, 0.013, 0.01, 0.013), (5, 5, 5, 10)],
)
def test_nice_ticks_cover_the_range(low: float, high: float, first: float, last: float) -> None:
    ticks = chart.nice_ticks(low, high)
    assert ticks[0] == pytest.approx(first) and ticks[-1] == pytest.approx(last)
    assert ticks[0] <= low and ticks[-1] >= high and ticks == sorted(ticks)


# -- jobs: progress and losses from events ----------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[JobStore]:
    st = JobStore(tmp_path / "home")
    yield st
    st.close()


def make_job(store: JobStore, tmp_path: Path, max_steps: int = 20) -> str:
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(GOOD) + "\n")
    file = store.files.create(path)
    job = store.jobs.create("demo", file.id, "data.jsonl", {"max_steps": max_steps}, status="queued")
    return job.id


def test_job_summary_follows_the_events(store: JobStore, tmp_path: Path) -> None:
    job_id = make_job(store, tmp_path)
    cache = insights.CurveCache()
    row = insights.job_summary(store.jobs.get(job_id), cache.curve(store, job_id))
    assert (row["status"], row["step"], row["max_steps"], row["last_train_loss"]) == ("queued", 0, 20, None)
    assert row["duration_ms"] is None and row["active"]

    store.jobs.claim(job_id)
    store.jobs.add_event(
        job_id, "info", "Step 0/10: validation loss=7", {"step": 0, "val_loss": 7.0, "total_steps": 10}
    )
    row = insights.job_summary(store.jobs.get(job_id), cache.curve(store, job_id))
    assert (row["step"], row["max_steps"], row["last_val_loss"]) == (0, 10, 7.0)  # the trainer's total wins

    for step, loss in ((1, 6.5), (2, 6.0), (3, float("nan")), (4, 5.5)):
        store.jobs.add_event(
            job_id, "info", f"Step {step}", {"step": step, "train_loss": loss, "total_steps": 10}
        )
    curve = cache.curve(store, job_id)
    assert curve.train == [(1, 6.5), (2, 6.0), (4, 5.5)]  # a NaN report is not drawn
    row = insights.job_summary(store.jobs.get(job_id), curve)
    assert (row["step"], row["last_train_loss"], row["status"]) == (4, 5.5, "running")
    assert row["duration_ms"] is not None

    store.jobs.set_status(job_id, "succeeded", expect=("running",))
    detail = insights.job_detail(store, store.jobs.get(job_id), cache.curve(store, job_id))
    assert (detail["step"], detail["active"]) == (10, False)
    assert detail["train_losses"] == [[1, 6.5], [2, 6.0], [4, 5.5]]
    assert detail["val_losses"] == [[0, 7.0]]
    assert detail["params"] == {"max_steps": 20}
    assert [e["message"] for e in detail["events"]][-1] == "Job succeeded"


def test_duration_runs_until_finished() -> None:
    job = Job("fm-ftjob-1", "f", "demo", 0, "fm-mlx-x", "running", "t.jsonl", [], started_at=1_000)
    assert insights.duration_ms(job, now_ms=4_500) == 3_500
    assert insights.duration_ms(attrs.evolve(job, finished_at=2_000), now_ms=9_999) == 1_000
    assert insights.duration_ms(attrs.evolve(job, started_at=None)) is None


# -- models ------------------------------------------------------------------------------------


def write_safetensors(path: Path, shapes: dict[str, list[int]]) -> None:
    header: dict[str, object] = {"__metadata__": {"format": "mlx"}}
    offset = 0
    for name, shape in shapes.items():
        size = 4
        for n in shape:
            size *= n
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"\0" * offset)


def test_model_info_counts_parameters_and_reads_the_card(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base.mkdir()
    write_safetensors(base / "model.safetensors", {"a": [3, 4], "b": [5]})
    (base / "config.json").write_text("{}")
    info = insights.model_info(Model("b", "base", str(base), None, None, 0, True))
    assert info["parameters"] == 17
    assert info["size_bytes"] == sum(p.stat().st_size for p in base.iterdir())
    assert info["losses"] is None

    tuned = tmp_path / "fm-mlx-x"
    tuned.mkdir()
    write_safetensors(tuned / "adapters.safetensors", {"lora_a": [2, 8], "lora_b": [8, 2]})
    card = {"parameters": {"max_steps": 30, "lora_layers": 2, "batch_size": 1, "learning_rate": 0.001},
            "final_train_loss": 1.25, "val_loss": 1.5, "initial_train_loss": 3.0, "data": {"n_examples": 12}}  # fmt: skip
    (tuned / "card.json").write_text(json.dumps(card))
    info = insights.model_info(Model("fm-mlx-x", "fine-tuned", str(tuned), "b", None, 0, True))
    assert info["parameters"] == 32  # the LoRA weights, not the base model's
    assert info["losses"]["final_train_loss"] == 1.25 and info["losses"]["val_loss"] == 1.5
    assert info["training"] == card["parameters"] and info["n_examples"] == 12

    gone = insights.model_info(Model("g", "base", str(tmp_path / "gone"), None, None, 0, False))
    assert (gone["size_bytes"], gone["parameters"]) == (None, None)


def test_a_broken_safetensors_header_is_unknown(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"\x05\0\0\0\0\0\0\0{nope")
    assert insights.safetensors_parameters(path) is None
    path.write_bytes(b"\x01")
    assert insights.safetensors_parameters(path) is None


# -- the routes ----------------------------------------------------------------------------------


@pytest.fixture
def client(store: JobStore, tmp_path: Path):  # type: ignore[no-untyped-def]
    pytest.importorskip("fastapi")
    from fastapi import FastAPI, HTTPException
    from fastapi.testclient import TestClient

    from fmscript.server.admin.routes import create_admin_router

    def auth(authorization: str | None = Header(default=None)) -> None:
        if authorization != "Bearer good":
            raise HTTPException(401, "bad key")

    app = FastAPI()
    app.include_router(create_admin_router(lambda: store, auth, tmp_path / "tmp"))
    with TestClient(app) as c:
        yield c


def test_page_and_assets_are_served_with_a_strict_policy(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/admin/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert 'src="/admin/static/admin.js"' in page.text and "http" not in page.text.split("<body>")[0]
    assert client.get("/admin", follow_redirects=False).headers["location"] == "/admin/"
    js = client.get("/admin/static/admin.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "sessionStorage" in js.text and "localStorage" not in js.text
    for bad in (
        "/admin/static/..%2Froutes.py",
        "/admin/static/routes.py",
        "/admin/static/.hidden.js",
        "/admin/static/nope.css",
    ):
        assert client.get(bad).status_code == 404, bad


def test_every_api_route_needs_the_key(client, store: JobStore, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    job_id = make_job(store, tmp_path)
    for path in (
        "/admin/api/session",
        "/admin/api/jobs",
        f"/admin/api/jobs/{job_id}",
        f"/admin/api/jobs/{job_id}/chart.svg",
        "/admin/api/models",
        "/admin/api/workers",
    ):
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers={"Authorization": "Bearer good"}).status_code == 200, path
    assert client.post("/admin/api/files", content=b"{}").status_code == 401


def test_jobs_and_chart_routes(client, store: JobStore, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    key = {"Authorization": "Bearer good"}
    job_id = make_job(store, tmp_path, max_steps=3)
    for step in (1, 2, 3):
        store.jobs.add_event(job_id, "info", "s", {"step": step, "train_loss": 4.0 - step, "total_steps": 3})
    rows = client.get("/admin/api/jobs", headers=key).json()["data"]
    assert [(r["id"], r["step"], r["max_steps"], r["last_train_loss"]) for r in rows] == [(job_id, 3, 3, 1.0)]
    svg = client.get(f"/admin/api/jobs/{job_id}/chart.svg?width=480", headers=key)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert len(circles(svg.text, "train")) == 3
    missing = client.get("/admin/api/jobs/fm-ftjob-1", headers=key)
    assert missing.status_code == 404 and "fm-ftjob-1" in missing.json()["error"]["message"]


def test_validate_reports_every_bad_line(client) -> None:  # type: ignore[no-untyped-def]
    lines = list(GOOD)
    lines[1] = '{"messages": [ broken'
    lines[4] = json.dumps({"messages": [{"role": "user", "content": "no answer"}]})
    body = ("\n".join(lines) + "\n").encode()
    report = client.post(
        "/admin/api/files?filename=dir/../my%20data.jsonl",
        content=body,
        headers={"Authorization": "Bearer good"},
    ).json()
    assert report["ok"] is False and report["filename"] == "my data.jsonl"
    assert [p["line"] for p in report["problems"]] == [2, 5]
    assert "not valid JSON" in report["problems"][0]["reason"]
    assert report["n_examples"] == 10 and report["n_lines"] == 12

    ok = client.post(
        "/admin/api/files", content="\n".join(GOOD).encode(), headers={"Authorization": "Bearer good"}
    ).json()
    assert ok["ok"] is True and ok["problems"] == [] and ok["n_examples"] == 12

    few = client.post(
        "/admin/api/files", content=GOOD[0].encode(), headers={"Authorization": "Bearer good"}
    ).json()
    assert [p["line"] for p in few["problems"]] == [0]  # the whole file: too few examples


def test_workers_route_lists_what_the_store_knows(client, store: JobStore) -> None:  # type: ignore[no-untyped-def]
    key = {"Authorization": "Bearer good"}
    assert client.get("/admin/api/workers", headers=key).json() == {"object": "list", "data": []}
    now = int(time.time() * 1000)
    store.workers.announce(Worker("gpu1:7", "gpu1", 7, "gpu", 61.5, 2, now - 9000, now - 500, "fm-ftjob-9"))
    store.workers.announce(Worker("cpu2:8", "cpu2", 8, "cpu", None, 1, now - 9000, now - 1000))
    store.workers.announce(Worker("old:9", "old", 9, "cpu", 3.0, 1, now - 99000, now - 60000))
    store.workers.announce(
        Worker("gone:5", "gone", 5, "gpu", 1.0, 1, now - 99000, now - 2000, None, now - 2000)
    )
    rows = client.get("/admin/api/workers", headers=key).json()["data"]
    assert [(r["id"], r["state"], r["job_id"]) for r in rows] == [
        ("gpu1:7", "training", "fm-ftjob-9"),
        ("cpu2:8", "idle", None),
        ("gone:5", "stopped", None),
        ("old:9", "silent", None),
    ]
    first = rows[0]
    facts = (first["host"], first["device"], first["free_memory_gb"], first["world_size"])
    assert facts == ("gpu1", "gpu", 61.5, 2)
    assert first["seen_at"] == now - 500 and rows[1]["free_memory_gb"] is None


@pytest.mark.parametrize(
    ("seen_ago", "job_id", "stopped", "state"),
    [(0, None, False, "idle"), (insights.SILENT_AFTER_MS - 1, None, False, "idle"),
     (insights.SILENT_AFTER_MS, None, False, "silent"), (10**9, "fm-ftjob-1", False, "training"),
     (0, "fm-ftjob-1", True, "stopped")],
)  # fmt: skip
def test_worker_state(seen_ago: int, job_id: str | None, stopped: bool, state: str) -> None:
    worker = Worker("h:1", "h", 1, "cpu", None, 1, 0, 10**10 - seen_ago, job_id, 10**10 if stopped else None)
    assert insights.worker_state(worker, 10**10) == state
