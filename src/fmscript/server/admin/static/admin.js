// fmscript admin page. Plain ES2020, no dependencies: every request goes to this server.
// The API key lives in sessionStorage only (this tab; gone when it closes).
"use strict";

const KEY_STORE = "fmscript-admin-key";
const POLL_MS = 1000;
const ACTIVE = ["validating_files", "queued", "running"];

const $ = (id) => document.getElementById(id);
const state = { key: sessionStorage.getItem(KEY_STORE) || "", timer: null, view: null, jobId: null,
  validated: null, models: [], statuses: new Map() };

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

// ---------------------------------------------------------------- helpers

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c.nodeType ? c : String(c));
  return el;
}

function announce(text) { $("announce").textContent = text; }

async function api(path, options = {}) {
  const headers = Object.assign({ Authorization: "Bearer " + state.key }, options.headers || {});
  let res;
  try {
    res = await fetch(path, Object.assign({}, options, { headers }));
  } catch (err) {
    throw new ApiError(0, "The server cannot be reached (" + err.message + ").");
  }
  const type = res.headers.get("content-type") || "";
  const body = type.includes("json") ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    let message = res.statusText || "request failed";
    if (body && typeof body === "object") {
      const e = body.error || body.detail;
      message = typeof e === "string" ? e : (e && e.message) || (Array.isArray(e) && e.map((d) => d.msg).join("; ")) || message;
    } else if (typeof body === "string" && body) message = body;
    if (res.status === 401 && state.key && path !== "/admin/api/session") signOut("Your API key is no longer accepted. Sign in again.");
    throw new ApiError(res.status, message);
  }
  return body;
}

const pad = (n) => String(n).padStart(2, "0");
function toMs(t) { return t && t < 1e12 ? t * 1000 : t; } // OpenAI routes use seconds, the store ms
function fmtTime(t, withDate = true) {
  if (!t) return "—";
  const d = new Date(toMs(t));
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withDate ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}` : time;
}
function fmtDuration(ms) {
  if (ms === null || ms === undefined) return "—";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${pad(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${pad(m % 60)} min`;
}
function fmtLoss(x) { return x === null || x === undefined ? "—" : Number(x).toFixed(4); }
function fmtBytes(n) {
  if (n === null || n === undefined) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0; let v = n;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${v < 10 && i ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}
function fmtCount(n) {
  if (n === null || n === undefined) return "—";
  if (n >= 1e9) return (n / 1e9).toFixed(2) + " B";
  if (n >= 1e6) return (n / 1e6).toFixed(2) + " M";
  if (n >= 1e3) return (n / 1e3).toFixed(1) + " K";
  return String(n);
}
function statusLabel(s) { return (s || "").replace("_", " "); }
function badge(status, extra) { return h("span", { class: "badge " + status, text: statusLabel(status) + (extra || "") }); }

// ---------------------------------------------------------------- sign-in and routing

function signOut(message) {
  state.key = "";
  sessionStorage.removeItem(KEY_STORE);
  location.hash = "#/signin";
  route();
  if (message) $("signin-error").textContent = message;
}

async function signIn(event) {
  event.preventDefault();
  const input = $("api-key");
  const key = input.value.trim();
  $("signin-error").textContent = "";
  if (!key) { $("signin-error").textContent = "Enter an API key."; input.focus(); return; }
  state.key = key;
  try {
    await api("/admin/api/session");
  } catch (err) {
    state.key = "";
    $("signin-error").textContent = err.status === 401 || err.status === 403
      ? "That API key is not accepted by this server." : err.message;
    input.focus();
    return;
  }
  sessionStorage.setItem(KEY_STORE, key);
  input.value = "";
  location.hash = "#/jobs";
}

function stopPolling() { clearTimeout(state.timer); state.timer = null; }
function poll(fn) {
  stopPolling();
  const tick = async () => {
    let again = true;
    if (!document.hidden) {
      try { again = (await fn()) !== false; } catch (err) { if (err.status === 401) return; }
    }
    if (again && state.key) state.timer = setTimeout(tick, POLL_MS);
  };
  state.timer = setTimeout(tick, POLL_MS);
}

function show(view) {
  for (const el of document.querySelectorAll(".view")) el.hidden = el.id !== "view-" + view;
  const section = view === "job" ? "jobs" : view;
  for (const a of document.querySelectorAll("#nav a")) {
    if (a.dataset.section === section) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  $("nav").hidden = view === "signin";
  $("sign-out").hidden = view === "signin";
  if (state.view !== view) {
    const h1 = document.querySelector("#view-" + view + " h1");
    document.title = (h1 ? h1.textContent + " · " : "") + "fmscript AI Model Server";
  }
  state.view = view;
}

function route() {
  stopPolling();
  const hash = location.hash || "#/jobs";
  if (!state.key) { show("signin"); $("api-key").focus(); return; }
  const [path, query] = hash.split("?");
  const [, section, id] = path.split("/");
  const focusMain = state.view !== null;
  if (section === "jobs" && id) openJob(decodeURIComponent(id));
  else if (section === "models") openModels(new URLSearchParams(query || "").get("try"));
  else if (section === "create") openCreate();
  else openJobs();
  if (focusMain) $("main").focus({ preventScroll: true });
}

// ---------------------------------------------------------------- jobs table

const JOB_COLUMNS = ["Job", "Status", "Base model", "Fine-tuned model", "Created", "Duration", "Progress", "Last loss"];

function progressCell(job) {
  const max = job.max_steps || 0;
  const step = Math.min(job.step || 0, max || job.step || 0);
  const text = max ? `${step} / ${max}` : "—";
  return h("div", { class: "progress" },
    max ? h("progress", { max: String(max), value: String(step), "aria-label": `Progress of ${job.id}: step ${step} of ${max}` }) : null,
    h("span", { text }));
}

function jobCells(job) {
  const loss = job.last_train_loss !== null ? fmtLoss(job.last_train_loss) : "—";
  return [
    h("a", { href: "#/jobs/" + encodeURIComponent(job.id), class: "mono", text: job.id }),
    badge(job.status, job.cancel_requested && job.active ? " (cancelling)" : ""),
    h("span", { class: "mono", text: job.model }),
    h("span", { class: "mono", text: job.fine_tuned_model }),
    fmtTime(job.created_at),
    fmtDuration(job.duration_ms),
    progressCell(job),
    h("span", { title: job.last_val_loss !== null ? "validation loss " + fmtLoss(job.last_val_loss) : null, text: loss }),
  ];
}

function renderJobs(jobs) {
  const tbody = document.querySelector("#jobs-table tbody");
  const rows = new Map([...tbody.rows].map((tr) => [tr.dataset.id, tr]));
  let previous = null;
  for (const job of jobs) {
    let tr = rows.get(job.id);
    const cells = jobCells(job);
    if (!tr) {
      tr = h("tr", { "data-id": job.id });
      cells.forEach((c, i) => tr.append(h("td", { "data-label": JOB_COLUMNS[i], class: i === 7 ? "num" : null }, c)));
      if (previous) previous.after(tr); else tbody.prepend(tr);
    } else {
      // update cell contents only when they changed, so focus and selection survive the poll
      cells.forEach((c, i) => {
        const td = tr.cells[i];
        const fresh = h("td", {}, c);
        if (td.innerHTML !== fresh.innerHTML) td.replaceChildren(...fresh.childNodes);
      });
      rows.delete(job.id);
    }
    tr.dataset.status = job.status;
    const before = state.statuses.get(job.id);
    if (before && before !== job.status) announce(`Job ${job.id} is ${statusLabel(job.status)}.`);
    state.statuses.set(job.id, job.status);
    previous = tr;
  }
  for (const tr of rows.values()) tr.remove();
  $("jobs-empty").hidden = jobs.length > 0;
  $("jobs-table").hidden = jobs.length === 0;
}

const WORKER_COLUMNS = ["Worker", "State", "Device", "Free memory", "Job", "Last heartbeat"];

function workerCells(w) {
  return [
    h("span", { class: "mono", text: w.id }),
    h("span", { class: "badge " + w.state, text: w.state }),
    w.device + (w.world_size > 1 ? ` × ${w.world_size}` : ""),
    w.free_memory_gb === null ? "—" : `${Number(w.free_memory_gb).toFixed(1)} GB`,
    w.job_id ? h("a", { href: "#/jobs/" + encodeURIComponent(w.job_id), class: "mono", text: w.job_id }) : "—",
    fmtTime(w.stopped_at || w.seen_at),
  ];
}

function renderWorkers(workers) {
  const rows = workers.map((w) => {
    const tr = h("tr", { "data-id": w.id });
    workerCells(w).forEach((c, i) => tr.append(h("td", { "data-label": WORKER_COLUMNS[i], class: i === 3 ? "num" : null }, c)));
    return tr;
  });
  const tbody = document.querySelector("#workers-table tbody");
  const fresh = h("tbody", {}, ...rows);
  if (tbody.innerHTML !== fresh.innerHTML) tbody.replaceChildren(...fresh.childNodes); // keep focus across polls
  $("workers").hidden = workers.length === 0; // a server that trains its own jobs has none
}

async function refreshJobs() {
  const [{ data }, workers] = await Promise.all([api("/admin/api/jobs"), api("/admin/api/workers")]);
  if (state.view === "jobs") { renderJobs(data); renderWorkers(workers.data); }
  return true;
}

function openJobs() {
  show("jobs");
  refreshJobs().catch((err) => announce(err.message));
  poll(refreshJobs);
}

// ---------------------------------------------------------------- one job

// the chart is drawn for the width it gets, so its text stays readable on a narrow window
function chartWidth() {
  const width = $("job-chart").clientWidth || 720;
  return Math.max(320, Math.min(1200, Math.round(width / 40) * 40));
}

function fact(label, value, attrs) {
  return h("div", attrs || {}, h("dt", { text: label }), h("dd", {}, value));
}

// DPO figures, early stopping and the intermediate checkpoints, once the job has a result card.
function trainingFacts(job) {
  const r = job.result || {}, p = job.params || {};
  const facts = [fact("Method", p.method === "dpo" ? `DPO (beta ${p.beta})` : "supervised")];
  if (r.method === "dpo") {
    facts.push(fact("Reward margin", fmtLoss(r.reward_margin)),
      fact("Preference accuracy", Math.round(100 * r.preference_accuracy) + " %"));
  }
  if (r.best_step) facts.push(fact("Best validation step", String(r.best_step) + (r.stopped_at ? ` (stopped at ${r.stopped_at})` : "")));
  if ((r.checkpoint_steps || []).length) {
    facts.push(fact("Checkpoints", h("span", { class: "mono", text: r.checkpoint_steps.map((s) => "step " + s).join(", ") })));
  }
  return facts;
}

async function refreshJob() {
  const id = state.jobId;
  const [job, svg] = await Promise.all([
    api("/admin/api/jobs/" + encodeURIComponent(id)),
    api("/admin/api/jobs/" + encodeURIComponent(id) + "/chart.svg?width=" + chartWidth()),
  ]);
  if (state.view !== "job" || state.jobId !== id) return false;
  $("job-title").textContent = "Job " + job.id;
  const status = $("job-status");
  status.className = "badge " + job.status;
  status.textContent = statusLabel(job.status) + (job.cancel_requested && job.active ? " (cancelling)" : "");
  const before = state.statuses.get(job.id);
  if (before && before !== job.status) announce(`Job ${job.id} is ${statusLabel(job.status)}.`);
  state.statuses.set(job.id, job.status);

  const cancel = $("job-cancel");
  cancel.hidden = !job.active || job.cancel_requested;
  const tryIt = $("job-try");
  tryIt.hidden = job.status !== "succeeded";
  tryIt.href = "#/models?try=" + encodeURIComponent(job.fine_tuned_model);

  const err = $("job-error");
  err.hidden = !job.error;
  if (job.error) err.textContent = (job.error.code ? job.error.code + ": " : "") + job.error.message;

  const max = job.max_steps;
  $("job-summary").replaceChildren(
    fact("Base model", h("span", { class: "mono", text: job.model })),
    fact("Fine-tuned model", h("span", { class: "mono", text: job.fine_tuned_model })),
    fact("Training file", job.training_file),
    fact("Created", fmtTime(job.created_at)),
    fact("Started", fmtTime(job.started_at)),
    fact("Finished", fmtTime(job.finished_at)),
    fact("Duration", fmtDuration(job.duration_ms)),
    fact("Progress", progressCell(job)),
    fact("Last training loss", fmtLoss(job.last_train_loss)),
    fact("Last validation loss", fmtLoss(job.last_val_loss)),
    ...trainingFacts(job),
  );

  const chart = $("job-chart");
  if (chart.dataset.svg !== svg) { chart.innerHTML = svg; chart.dataset.svg = svg; }
  chart.dataset.points = String(job.train_losses.length);
  $("job-chart-caption").textContent = job.train_losses.length + job.val_losses.length
    ? `${job.train_losses.length} training loss reports` +
      (job.val_losses.length ? ` and ${job.val_losses.length} validation loss reports` : "") +
      (max ? ` over ${max} steps.` : ".")
    : "The curve appears when the first loss is reported.";
  const byStep = new Map();
  for (const [s, l] of job.train_losses) byStep.set(s, [l, null]);
  for (const [s, l] of job.val_losses) byStep.set(s, [(byStep.get(s) || [null])[0], l]);
  $("job-loss-table").tBodies[0].replaceChildren(...[...byStep.entries()].sort((a, b) => a[0] - b[0]).map(([s, [t, v]]) =>
    h("tr", {}, h("td", { class: "num", text: s }), h("td", { class: "num", text: fmtLoss(t) }), h("td", { class: "num", text: fmtLoss(v) }))));

  const params = job.params || {};
  const names = { max_steps: "Iterations", lora_layers: "LoRA layers", batch_size: "Batch size",
    learning_rate: "Learning rate", fine_tuned_model_name: "Model name", seed: "Seed", n_epochs: "Epochs",
    save_every: "Checkpoint every", early_stopping_patience: "Early stopping patience", validation_file: "Validation file" };
  $("job-params").replaceChildren(...Object.entries(params).map(([k, v]) => fact(names[k] || k, String(v))));

  const tbody = $("job-events").tBodies[0];
  const seen = Number(tbody.dataset.last || 0);
  const fresh = job.events.filter((e) => e.seq > seen);
  if (fresh.length) {
    const box = tbody.closest(".scroll");
    const atEnd = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
    tbody.append(...fresh.map((e) => h("tr", { class: "level-" + e.level },
      h("td", { text: fmtTime(e.created_at, false), title: fmtTime(e.created_at) }),
      h("td", { text: e.level }), h("td", { text: e.message }))));
    tbody.dataset.last = String(fresh[fresh.length - 1].seq);
    if (atEnd) box.scrollTop = box.scrollHeight;
  }
  return job.active;
}

function openJob(id) {
  show("job");
  if (state.jobId !== id) {
    state.jobId = id;
    $("job-title").textContent = "Job " + id;
    $("job-status").textContent = "";
    $("job-status").className = "badge";
    $("job-summary").replaceChildren();
    $("job-chart").replaceChildren();
    delete $("job-chart").dataset.svg;
    $("job-error").hidden = true;
    const tbody = $("job-events").tBodies[0];
    tbody.replaceChildren();
    delete tbody.dataset.last;
  }
  refreshJob().then((active) => { if (active) poll(refreshJob); }).catch((err) => {
    $("job-error").hidden = false;
    $("job-error").textContent = err.message;
  });
}

async function cancelJob() {
  const button = $("job-cancel");
  button.disabled = true;
  try {
    await api("/v1/fine_tuning/jobs/" + encodeURIComponent(state.jobId) + "/cancel", { method: "POST" });
    announce("Cancellation requested.");
    const active = await refreshJob();
    if (active) poll(refreshJob);
  } catch (err) {
    $("job-error").hidden = false;
    $("job-error").textContent = err.message;
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- models

async function loadModels() {
  const { data } = await api("/admin/api/models");
  state.models = data;
  return data;
}

function trainingText(m) {
  const t = m.training;
  if (!t) return "—";
  return [h("span", { text: `${t.max_steps} iterations` }),
    h("span", { class: "sub", text: `${t.lora_layers} LoRA layers · batch ${t.batch_size} · lr ${t.learning_rate}` })];
}

function modelRow(m) {
  const losses = m.losses || {};
  const actions = h("div", { class: "row-actions" },
    h("button", { type: "button", class: "small", "data-try": m.name, "aria-label": "Try " + m.name, text: "Try it" }));
  actions.append(h("button", { type: "button", class: "small danger", "data-delete": m.name,
    "aria-label": "Delete " + m.name, text: "Delete" }));
  const cells = [
    [h("span", { class: "mono", text: m.name }), m.exists ? null : h("span", { class: "sub", text: "folder missing" })],
    badge(m.kind),
    m.base_model ? h("span", { class: "mono", text: m.base_model }) : "—",
    fmtBytes(m.size_bytes),
    [fmtCount(m.parameters), m.kind === "fine-tuned" && m.parameters !== null ? h("span", { class: "sub", text: "LoRA" }) : null],
    trainingText(m),
    m.losses ? [h("span", { text: "train " + fmtLoss(losses.final_train_loss),
      title: "training loss before training: " + fmtLoss(losses.initial_train_loss) }),
    h("span", { class: "sub", text: "val " + fmtLoss(losses.val_loss) })] : "—",
    actions,
  ];
  const labels = ["Model", "Kind", "Base model", "Size on disk", "Parameters", "Training", "Final loss", ""];
  const numeric = [3, 4, 6];
  // one element per cell: on a narrow window each cell is a two-column grid (label, value)
  return h("tr", { "data-name": m.name }, ...cells.map((c, i) => h("td", {
    "data-label": labels[i], class: [numeric.includes(i) ? "num" : "", i === 7 ? "no-label" : ""].join(" ").trim() || null,
  }, i === 7 ? c : h("div", {}, c))));
}

function renderModels(models, tryName) {
  $("models-table").tBodies[0].replaceChildren(...models.map(modelRow));
  $("models-empty").hidden = models.length > 0;
  $("models-table").hidden = models.length === 0;
  const select = $("try-model");
  const current = tryName || select.value;
  select.replaceChildren(...models.map((m) => h("option", { value: m.name, text: m.name + (m.kind === "base" ? " (base)" : "") })));
  const newest = models.filter((m) => m.kind === "fine-tuned").sort((a, b) => b.created_at - a.created_at)[0];
  const wanted = models.some((m) => m.name === current) ? current : (newest || models[0] || {}).name;
  if (wanted) select.value = wanted;
}

function openModels(tryName) {
  show("models");
  $("models-message").textContent = "";
  loadModels().then((models) => {
    renderModels(models, tryName);
    if (tryName) { $("try").scrollIntoView({ block: "start" }); $("try-message").focus(); }
  }).catch((err) => { $("models-message").textContent = err.message; });
}

function askDelete(button) {
  const name = button.dataset.delete;
  const cell = button.closest(".row-actions");
  const keep = h("button", { type: "button", class: "small", text: "Keep" });
  const confirmButton = h("button", { type: "button", class: "small danger solid", text: "Delete " + name });
  const restore = cell.cloneNode(true);
  cell.replaceChildren(h("span", { class: "sub", text: "Delete for good?" }), confirmButton, keep);
  keep.addEventListener("click", () => { cell.replaceWith(restore); restore.querySelector("[data-delete]").focus(); });
  confirmButton.addEventListener("click", async () => {
    confirmButton.disabled = true;
    try {
      await api("/v1/models/" + encodeURIComponent(name), { method: "DELETE" });
      $("models-message").textContent = `Deleted ${name}.`;
      renderModels(await loadModels());
      $("models-title").focus?.();
    } catch (err) {
      $("models-message").textContent = `Could not delete ${name}: ${err.message}`;
      confirmButton.disabled = false;
    }
  });
  confirmButton.focus();
}

const TRY_HINTS = {
  chat: "Sent as one user message to <code>/v1/chat/completions</code>. Ctrl+Enter sends.",
  embeddings: "Sent as the input of <code>/v1/embeddings</code>: the answer is the vector's size and first numbers. Ctrl+Enter sends.",
};

function showTryKind() {
  const kind = $("try-kind").value;
  $("try-hint").innerHTML = TRY_HINTS[kind];
  $("try-send").textContent = kind === "embeddings" ? "Embed" : "Send";
}

async function askChat(model, message) {
  const reply = await api("/v1/chat/completions", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: message }], max_tokens: 128 }),
  });
  const choice = (reply.choices || [])[0] || {};
  const text = (choice.message || {}).content;
  return {
    who: `${reply.model || model} answered` + (choice.finish_reason ? ` (${choice.finish_reason})` : "") + ":",
    answer: text === "" ? "(an empty answer)" : text,
  };
}

async function askEmbedding(model, message) {
  const reply = await api("/v1/embeddings", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ model, input: message }),
  });
  const vector = ((reply.data || [])[0] || {}).embedding || [];
  const head = vector.slice(0, 4).map((x) => Number(x).toFixed(4)).join(", ");
  return {
    who: `${reply.model || model} embedded the text: a vector of ${vector.length} numbers`,
    answer: vector.length ? `[${head}${vector.length > 4 ? ", …" : ""}]` : "(an empty vector)",
  };
}

async function sendTry(event) {
  event.preventDefault();
  const model = $("try-model").value;
  const message = $("try-message").value.trim();
  const kind = $("try-kind").value;
  $("try-error").textContent = "";
  if (!model || !message) { $("try-error").textContent = "Choose a model and write a message."; return; }
  const button = $("try-send");
  button.disabled = true;
  button.textContent = "Sending…";
  try {
    const shown = kind === "embeddings" ? await askEmbedding(model, message) : await askChat(model, message);
    $("try-who").textContent = shown.who;
    $("try-answer").textContent = shown.answer;
    $("try-result").hidden = false;
  } catch (err) {
    $("try-error").textContent = err.message;
  } finally {
    button.disabled = false;
    showTryKind();
  }
}

// ---------------------------------------------------------------- create

async function openCreate() {
  show("create");
  const select = $("create-base");
  try {
    const models = await loadModels();
    const bases = models.filter((m) => m.kind === "base");
    const current = select.value;
    select.replaceChildren(...bases.map((m) => h("option", { value: m.name, text: m.name })));
    if (!bases.length) {
      select.append(h("option", { value: "", text: "No base model — run: fmscript models demo tiny-llama" }));
    } else if (bases.some((m) => m.name === current)) select.value = current;
  } catch (err) {
    $("create-error").textContent = err.message;
  }
}

function showReport(report) {
  const box = $("report");
  box.hidden = false;
  box.className = "report " + (report.ok ? "ok" : "bad");
  const problems = report.problems.length;
  $("report-title").textContent = report.ok
    ? `${report.filename}: OK — ${report.n_examples} examples`
    : `${report.filename}: ${problems} problem${problems === 1 ? "" : "s"} — nothing was queued`;
  $("report-problems").replaceChildren(...report.problems.map((p) => h("li", {},
    h("span", { class: "line", text: p.line === 0 ? "Whole file" : "Line " + p.line }),
    h("span", { class: "why", text: p.reason }))));
  const warnings = report.warnings || [];
  $("report-warnings-box").hidden = !warnings.length;
  $("report-warnings-title").textContent = `${warnings.length} warning${warnings.length === 1 ? "" : "s"}`;
  $("report-warnings").replaceChildren(...warnings.map((p) => h("li", {},
    h("span", { class: "line", text: "Line " + p.line }), h("span", { class: "why", text: p.reason }))));
}

async function validateFile() {
  const file = $("create-file").files[0];
  state.validated = null;
  $("report").hidden = true;
  if (!file) return null;
  $("create-busy").textContent = "Checking " + file.name + "…";
  try {
    const report = await api("/admin/api/files?filename=" + encodeURIComponent(file.name), {
      method: "POST", headers: { "Content-Type": "application/octet-stream" }, body: file });
    if ($("create-file").files[0] !== file) return null; // another file was chosen meanwhile
    state.validated = { file, report };
    showReport(report);
    return report;
  } finally {
    $("create-busy").textContent = "";
  }
}

function formValues() {
  const name = $("create-name").value.trim();
  const numbers = {
    max_steps: ["create-iters", "Iterations", true],
    lora_layers: ["create-layers", "LoRA layers", true],
    batch_size: ["create-batch", "Batch size", true],
    learning_rate: ["create-lr", "Learning rate", false],
  };
  const values = {};
  for (const [key, [id, label, whole]] of Object.entries(numbers)) {
    const raw = $(id).value.trim();
    const value = Number(raw);
    const bad = raw === "" || !Number.isFinite(value) || value <= 0 || (whole && !Number.isInteger(value)) || (!whole && value > 1);
    if (bad) {
      return { error: `${label} must be ${whole ? "a whole number of at least 1" : "a number more than 0 and at most 1"}.`, field: id };
    }
    values[key] = value;
  }
  if (name && !/^[A-Za-z0-9_. -]+$/.test(name)) {
    return { error: "The model name may hold only letters, digits, spaces, '-', '_' and '.'.", field: "create-name" };
  }
  if (name) values.fine_tuned_model_name = name;
  return { values };
}

async function createModel(event) {
  event.preventDefault();
  const error = $("create-error");
  error.textContent = "";
  const file = $("create-file").files[0];
  if (!file) { error.textContent = "Choose a training data file."; $("create-file").focus(); return; }
  const base = $("create-base").value;
  if (!base) { error.textContent = "Choose a base model."; $("create-base").focus(); return; }
  const form = formValues();
  if (form.error) { error.textContent = form.error; $(form.field).focus(); return; }
  const button = $("create-submit");
  button.disabled = true;
  try {
    let report = state.validated && state.validated.file === file ? state.validated.report : await validateFile();
    if (!report) return;
    if (!report.ok) { $("report").focus(); return; }
    $("create-busy").textContent = "Uploading " + file.name + "…";
    const upload = new FormData();
    upload.append("purpose", "fine-tune");
    upload.append("file", file, file.name);
    const uploaded = await api("/v1/files", { method: "POST", body: upload });
    $("create-busy").textContent = "Queuing the job…";
    const job = await api("/v1/fine_tuning/jobs", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      // the AI Model Server's own parameter names, as FileMaker's Fine-Tune Model step sends them
      body: JSON.stringify(Object.assign({ model: base, training_file: uploaded.id }, form.values)),
    });
    announce(`Job ${job.id} queued.`);
    $("create-form").reset();
    $("report").hidden = true;
    state.validated = null;
    location.hash = "#/jobs/" + encodeURIComponent(job.id);
  } catch (err) {
    error.textContent = err.message;
  } finally {
    button.disabled = false;
    $("create-busy").textContent = "";
  }
}

// ---------------------------------------------------------------- wiring

document.addEventListener("DOMContentLoaded", () => {
  $("signin-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", () => signOut());
  $("job-cancel").addEventListener("click", cancelJob);
  $("try-form").addEventListener("submit", sendTry);
  $("try-kind").addEventListener("change", showTryKind);
  $("try-message").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $("try-form").requestSubmit(); }
  });
  $("models-table").addEventListener("click", (e) => {
    const tryButton = e.target.closest("[data-try]");
    if (tryButton) { $("try-model").value = tryButton.dataset.try; $("try-message").focus(); return; }
    const del = e.target.closest("[data-delete]");
    if (del) askDelete(del);
  });
  $("create-file").addEventListener("change", () => { validateFile().catch((err) => { $("create-error").textContent = err.message; }); });
  $("create-form").addEventListener("submit", createModel);
  document.addEventListener("visibilitychange", () => { if (!document.hidden && state.timer === null && state.view !== "signin") route(); });
  window.addEventListener("hashchange", route);
  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => { if (state.view === "job") refreshJob().catch(() => {}); }, 250);
  });
  route();
});
