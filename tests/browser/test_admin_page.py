"""The admin page in headless Chromium against a real server: sign in, create a fine-tuned model
from an uploaded JSONL, watch the job queue, run (its curve growing) and succeed, compare the
chart with the reported steps, chat with the model, cancel a job, and refuse a bad file line by line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.ai.conftest import QA, chat_line
from tests.browser.conftest import Server, WriteHold, sign_in

STEPS = 60  # the demo model trains this in seconds; a loss report every step


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def fill_create_form(page: Any, data: Path, name: str, steps: int) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Create Fine-Tuned Model").click()
    page.get_by_label("Training data (JSONL)").set_input_files(data)
    n_lines = len(data.read_text(encoding="utf-8").splitlines())
    expect(page.locator("#report-title")).to_have_text(f"{data.name}: OK — {n_lines} examples")
    page.get_by_label("Fine-tuned model name").fill(name)
    page.get_by_label("Base model").select_option("demo")
    page.get_by_label("Iterations").fill(str(steps))
    page.get_by_label("LoRA layers").fill("2")
    page.get_by_label("Batch size").fill("1")
    page.get_by_label("Learning rate").fill("0.001")
    page.get_by_role("button", name="Create Fine-Tuned Model").click()
    page.wait_for_url(re.compile(r"#/jobs/fm-ftjob-\d+$"))


def drawn_steps(page: Any, series: str) -> list[int]:
    return [
        int(s)
        for s in page.locator(f"#job-chart circle.pt.{series}").evaluate_all(
            "cs => cs.map(c => c.dataset.step)"
        )
    ]


def test_sign_in_refuses_a_wrong_key_and_keeps_the_key_in_this_tab_only(page: Any, server: Server) -> None:
    page.goto(server.url + "/admin/")
    page.get_by_label("API key").fill("fmk-not-a-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signin-error")).to_have_text("That API key is not accepted by this server.")
    expect(page.get_by_role("navigation")).to_be_hidden()
    sign_in(page, server)
    assert page.evaluate("sessionStorage.getItem('fmscript-admin-key')") == server.key
    assert page.evaluate("localStorage.length") == 0 and server.key not in page.url
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('fmscript-admin-key')") is None


def test_create_watch_the_loss_curve_and_try_the_model(page: Any, server: Server, tmp_path: Path) -> None:
    # 24 examples: enough for the trainer to hold some out for a validation loss
    data = write(tmp_path / "support-qa.jsonl", [chat_line(q, a) for q, a in QA * 2])
    sign_in(page, server)
    fill_create_form(page, data, "browser test", STEPS)
    job_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("#job-status")).to_have_text("queued")

    # the jobs table: the new job, queued (the server's queue has not started yet)
    page.get_by_role("navigation").get_by_role("link", name="Jobs").click()
    row = page.locator(f'#jobs-table tr[data-id="{job_id}"]')
    expect(row).to_have_attribute("data-status", "queued")
    for text in ("fm-mlx-browser-test", "demo", f"0 / {STEPS}"):
        expect(row).to_contain_text(text)

    # running: hold the trainer right after it claimed the job, and see the table say so
    server.state.queue.start()
    with WriteHold(server, job_id, "running"):
        expect(row).to_have_attribute("data-status", "running")

    # halfway: a few loss reports in, hold the trainer again; the curve has exactly those points
    with WriteHold(server, job_id, "running", loss_reports=3):
        reported = server.loss_events(job_id)
        assert server.job_status(job_id) == "running"
        row.get_by_role("link", name=job_id).click()
        expect(page.locator("#job-status")).to_have_text("running")
        expect(page.get_by_role("button", name="Cancel job")).to_be_visible()
        expect(page.locator("#job-chart circle.pt.train")).to_have_count(len(reported))
        assert drawn_steps(page, "train") == [e["data"]["step"] for e in reported]
        expect(page.locator("#job-summary")).to_contain_text(f"{reported[-1]['data']['step']} / {STEPS}")

    # succeeded: every reported step is a point of the curve, validation too
    expect(page.locator("#job-status")).to_have_text("succeeded", timeout=180_000)
    train, val = server.loss_events(job_id), server.loss_events(job_id, "val_loss")
    assert train and val
    expect(page.locator("#job-chart circle.pt.train")).to_have_count(len(train))
    expect(page.locator("#job-chart circle.pt.val")).to_have_count(len(val))
    assert drawn_steps(page, "train") == [e["data"]["step"] for e in train]
    assert drawn_steps(page, "val") == [e["data"]["step"] for e in val]
    expect(page.locator("#job-summary")).to_contain_text(f"{STEPS} / {STEPS}")
    expect(page.locator("#job-summary")).to_contain_text(f"{train[-1]['data']['train_loss']:.4f}")
    expect(page.locator("#job-params")).to_contain_text(f"Iterations{STEPS}")
    expect(page.locator("#job-events")).to_contain_text("Fine-tuning succeeded: fm-mlx-browser-test")
    expect(page.get_by_role("button", name="Cancel job")).to_be_hidden()
    page.screenshot(path=str(tmp_path / "admin-job.png"))

    # "Try this model" opens Models with the new model chosen in the Try it box
    page.get_by_role("link", name="Try this model").click()
    expect(page.get_by_role("heading", name="Models")).to_be_visible()
    expect(page.get_by_label("Model", exact=True)).to_have_value("fm-mlx-browser-test")
    expect(page.get_by_label("Message")).to_be_focused()

    # the jobs table agrees
    page.get_by_role("navigation").get_by_role("link", name="Jobs").click()
    expect(row).to_have_attribute("data-status", "succeeded")
    expect(row).to_contain_text(f"{STEPS} / {STEPS}")
    expect(row).to_contain_text(f"{train[-1]['data']['train_loss']:.4f}")

    # models: size, LoRA parameters and the card's losses; then "Try it" through /v1/chat/completions
    page.get_by_role("navigation").get_by_role("link", name="Models").click()
    model_row = page.locator('#models-table tr[data-name="fm-mlx-browser-test"]')
    expect(model_row).to_contain_text("fine-tuned")
    expect(model_row).to_contain_text("KB")
    expect(model_row).to_contain_text("LoRA")
    expect(model_row).to_contain_text(f"{STEPS} iterations")
    expect(model_row).to_contain_text(re.compile(r"train \d+\.\d{4}"))
    page.get_by_label("Model", exact=True).select_option("demo")
    model_row.get_by_role("button", name="Try fm-mlx-browser-test").click()
    expect(page.get_by_label("Model", exact=True)).to_have_value("fm-mlx-browser-test")
    expect(page.get_by_label("Message")).to_be_focused()
    page.keyboard.type("What is the capital of France?")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#try-result")).to_be_visible(timeout=120_000)
    expect(page.locator("#try-who")).to_contain_text("fm-mlx-browser-test answered")
    expect(page.locator("#try-error")).to_be_empty()
    # the same request straight to the API (greedy decoding) gives the answer the page shows
    direct = server.post(
        "/v1/chat/completions",
        {"model": "fm-mlx-browser-test", "max_tokens": 128,
         "messages": [{"role": "user", "content": "What is the capital of France?"}]},
    )["choices"][0]["message"]["content"]  # fmt: skip
    expect(page.locator("#try-answer")).to_have_text(direct or "(an empty answer)")
    page.screenshot(path=str(tmp_path / "admin-models.png"), full_page=True)

    # a narrow window: nothing wider than the screen
    page.set_viewport_size({"width": 390, "height": 844})
    for view in ("#/jobs", f"#/jobs/{job_id}", "#/models", "#/create"):
        page.goto(server.url + "/admin/" + view)
        expect(page.locator("main h1:visible")).to_be_visible()
        page.wait_for_timeout(300)  # one render after the first poll
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, view
    page.screenshot(path=str(tmp_path / "admin-narrow.png"), full_page=True)

    # Delete asks first, then the model is gone from the table and from the API
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(server.url + "/admin/#/models")
    delete = model_row.get_by_role("button", name="Delete fm-mlx-browser-test")
    delete.click()
    model_row.get_by_role("button", name="Keep").click()
    expect(delete).to_be_focused()
    delete.click()
    expect(model_row).to_contain_text("Delete for good?")
    expect(delete).to_be_focused()  # the confirming button, so Enter deletes
    page.keyboard.press("Enter")
    expect(page.locator("#models-message")).to_have_text("Deleted fm-mlx-browser-test.")
    expect(model_row).to_have_count(0)
    assert "fm-mlx-browser-test" not in [m["id"] for m in server.get("/v1/models")["data"]]


def test_cancel_a_running_job(page: Any, server: Server, tmp_path: Path) -> None:
    data = write(tmp_path / "long.jsonl", [chat_line(q, a) for q, a in QA])
    sign_in(page, server)
    server.state.queue.start()
    fill_create_form(page, data, "to cancel", 100_000)
    job_id = page.url.rsplit("/", 1)[1]
    server.wait_status(job_id, "running")
    page.get_by_role("button", name="Cancel job").click()
    expect(page.locator("#job-status")).to_have_text("cancelled", timeout=60_000)
    expect(page.get_by_role("button", name="Cancel job")).to_be_hidden()
    expect(page.locator("#job-events")).to_contain_text("Cancellation requested")
    assert server.job_status(job_id) == "cancelled"


def test_a_bad_training_file_shows_every_bad_line_and_queues_nothing(
    page: Any, server: Server, tmp_path: Path
) -> None:
    lines = [chat_line(q, a) for q, a in QA * 2]
    lines[1] = '{"messages": [ oops'
    lines[4] = json.dumps({"messages": [{"role": "user", "content": "no answer"}]})
    lines[8] = "[1, 2]"
    bad = write(tmp_path / "bad.jsonl", lines)
    jobs_before = len(server.get("/v1/fine_tuning/jobs?limit=100")["data"])
    files_before = len(server.get("/v1/files")["data"])

    sign_in(page, server)
    # keyboard only: Tab from the top of the page to the Create link, Enter
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Create Fine-Tuned Model":
            break
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Create Fine-Tuned Model")).to_be_visible()

    page.get_by_label("Training data (JSONL)").set_input_files(bad)
    expect(page.locator("#report-title")).to_have_text("bad.jsonl: 3 problems — nothing was queued")
    assert page.locator("#report-problems .line").all_inner_texts() == ["Line 2", "Line 5", "Line 9"]
    expect(page.locator("#report-problems")).to_contain_text("not valid JSON")
    page.get_by_role("button", name="Create Fine-Tuned Model").click()
    expect(page.locator("#report")).to_be_focused()
    page.screenshot(path=str(tmp_path / "admin-bad-file.png"), full_page=True)
    assert len(server.get("/v1/fine_tuning/jobs?limit=100")["data"]) == jobs_before
    assert len(server.get("/v1/files")["data"]) == files_before

    # every control on the page has a label (or an accessible name)
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('input, select, textarea, button')]
             .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
             .map(e => e.id || e.outerHTML)"""
    )
    assert unlabelled == []


def test_try_it_embeddings_shows_the_vector_size(page: Any, server: Server) -> None:
    # issue 25 item 4: the Try it box asks /v1/embeddings too and shows the vector's size
    sign_in(page, server)
    page.get_by_role("navigation").get_by_role("link", name="Models").click()
    page.get_by_label("Model", exact=True).select_option("demo")
    page.get_by_label("Ask for").select_option("embeddings")
    expect(page.locator("#try-hint")).to_contain_text("/v1/embeddings")
    expect(page.locator("#try-send")).to_have_text("Embed")
    page.get_by_label("Message").fill("Gift cards never expire.")
    page.get_by_role("button", name="Embed").click()
    direct = server.post("/v1/embeddings", {"model": "demo", "input": "Gift cards never expire."})
    vector = direct["data"][0]["embedding"]
    expect(page.locator("#try-who")).to_have_text(
        f"demo embedded the text: a vector of {len(vector)} numbers"
    )
    expect(page.locator("#try-answer")).to_have_text("[" + ", ".join(f"{x:.4f}" for x in vector[:4]) + ", …]")
    expect(page.locator("#try-error")).to_be_empty()
    # back to chat: the hint and the button say so again
    page.get_by_label("Ask for").select_option("chat")
    expect(page.locator("#try-hint")).to_contain_text("/v1/chat/completions")
    expect(page.locator("#try-send")).to_have_text("Send")
