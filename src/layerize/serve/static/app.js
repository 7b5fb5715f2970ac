// layerize page: upload, follow the jobs, show the layers over the plate, edit, download. No build step.
"use strict";

const STAGES = ["queued", "read", "ocr", "text", "inpaint", "objects", "done"];
const POLL_MS = 500;           // how often a running job's status is asked for
const LOW_FIDELITY = 0.6;      // text blocks under this deserve a look (as the CLI says)
const $ = (id) => document.getElementById(id);
const state = { jobs: [], current: null, scene: null, layers: [], urls: {}, hidden: new Set(), selected: null,
                mode: "select", scale: 1 };
let token = new URLSearchParams(location.hash.slice(1)).get("token") || sessionStorage.getItem("layerize-token");

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (token) headers.Authorization = "Bearer " + token;
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401) {
    token = prompt("This server needs its access token:");
    if (token) { sessionStorage.setItem("layerize-token", token); return api(path, options); }
  }
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail || detail; } catch (e) { /* not JSON */ }
    throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
  }
  return response;
}

function say(text, error = false) { $("status").textContent = text; $("status").classList.toggle("error", error); }

async function blobUrl(path) { return URL.createObjectURL(await (await api(path)).blob()); }

// ---------------------------------------------------------------- uploads and jobs

async function upload(files) {
  for (const file of files) {
    const form = new FormData();
    form.append("file", file);
    const job = { id: null, name: file.name, status: "uploading", stage: null, error: null };
    state.jobs.unshift(job);
    drawJobs();
    try {
      job.id = (await (await api("/api/jobs", { method: "POST", body: form })).json()).id;
      job.status = "queued";
      poll(job);
    } catch (e) { job.status = "failed"; job.error = e.message; }
    drawJobs();
  }
}

async function poll(job) {
  try {
    Object.assign(job, await (await api(`/api/jobs/${job.id}`)).json());
  } catch (e) { job.status = "failed"; job.error = e.message; }
  drawJobs();
  if (job.status === "queued" || job.status === "running") { setTimeout(() => poll(job), POLL_MS); return; }
  if (job.status === "done" && !state.current) openJob(job);
}

function drawJobs() {
  const list = $("jobs");
  list.replaceChildren(...state.jobs.map((job) => {
    const li = document.createElement("li");
    li.className = job === state.current ? "current" : "";
    li.dataset.status = job.status;
    const step = job.status === "done" ? STAGES.length - 1 : Math.max(0, STAGES.indexOf(job.stage || "queued"));
    const label = job.status === "running" ? `running: ${job.stage || "starting"}` : job.status;
    li.innerHTML = `<div class="name"></div><div class="state ${job.status}"></div>
      <div class="progress ${job.status}"><div style="width:${(100 * step) / (STAGES.length - 1)}%"></div></div>`;
    li.querySelector(".name").textContent = job.name || job.filename;
    li.querySelector(".state").textContent = job.error ? `failed: ${job.error}` : label;
    li.onclick = () => job.status === "done" && openJob(job);
    return li;
  }));
}

// ---------------------------------------------------------------- the result: plate, layers, marks

async function openJob(job) {
  state.current = job; state.hidden.clear(); state.selected = null;
  drawJobs();
  say(`Loading ${job.name}…`);
  state.scene = await (await api(`/api/jobs/${job.id}/scene`)).json();
  const [plate, original] = await Promise.all([blobUrl(`/api/jobs/${job.id}/plate.png`),
                                               blobUrl(`/api/jobs/${job.id}/original.png`)]);
  $("plate").src = plate; $("original").src = original;
  const { width, height } = state.scene.canvas;
  for (const el of [$("stage"), $("plate"), $("original")]) { el.style.width = width + "px"; el.style.height = height + "px"; }
  $("empty").hidden = true; $("viewport").hidden = false; $("tools").hidden = false; $("downloads").hidden = false;
  fit();
  await refreshLayers();
  say(`${job.name}: ${state.scene.nodes.length} layers. Click a text to edit it; drag with + Text or + Object to add one.`);
}

function fit() {
  if (!state.scene) return;
  const box = $("viewport").getBoundingClientRect();
  const { width, height } = state.scene.canvas;
  state.scale = Math.min(1, (box.width - 48) / width, (box.height - 48) / height);
  $("stage").style.transform = `scale(${state.scale})`;
  $("stage").style.marginRight = `${width * (state.scale - 1)}px`;
  $("stage").style.marginBottom = `${height * (state.scale - 1)}px`;
}

async function refreshLayers(changed = null) {
  const job = state.current;
  state.layers = await (await api(`/api/jobs/${job.id}/layers`)).json();
  const wanted = changed ? [changed] : state.layers.map((l) => l.id);
  await Promise.all(wanted.map(async (id) => {
    if (state.urls[id]) URL.revokeObjectURL(state.urls[id]);
    state.urls[id] = await blobUrl(`/api/jobs/${job.id}/layers/${encodeURIComponent(id)}.png?v=${Date.now()}`);
  }));
  drawLayers();
}

const nodeOf = (id) => state.scene.nodes.find((n) => n.id === id);
const kindLabel = (node) => node.kind === "text" ? "text" : node.kind === "shape" ? "shape" : "object";

function drawLayers() {
  const nodes = $("nodes"), marks = $("marks");
  nodes.replaceChildren(); marks.replaceChildren();
  const items = [];
  for (const layer of state.layers) {
    const node = nodeOf(layer.id);
    if (!node) continue;  // deleted, not saved yet
    const img = document.createElement("img");
    img.className = "node" + (state.hidden.has(layer.id) ? " hidden" : "");
    img.src = state.urls[layer.id]; img.draggable = false; img.dataset.id = layer.id;
    Object.assign(img.style, { left: layer.left + "px", top: layer.top + "px", width: layer.width + "px", height: layer.height + "px" });
    img.onclick = (e) => { if (state.mode === "select") { e.stopPropagation(); select(layer.id); } };
    nodes.append(img);
    const low = node.kind === "text" && node.fidelity != null && node.fidelity < LOW_FIDELITY;
    if (low || state.selected === layer.id) {
      const mark = document.createElement("div");
      mark.className = "mark" + (low ? " low" : "") + (state.selected === layer.id ? " selected" : "");
      Object.assign(mark.style, { left: layer.left - 4 + "px", top: layer.top - 4 + "px",
                                  width: layer.width + 8 + "px", height: layer.height + 8 + "px" });
      if (low) mark.innerHTML = `<span class="badge">fidelity ${node.fidelity.toFixed(2)}</span>`;
      marks.append(mark);
    }
    const li = document.createElement("li");
    li.className = state.selected === layer.id ? "selected" : "";
    li.dataset.id = layer.id;
    li.innerHTML = `<img class="thumb"><div class="label"><div class="kind"></div><div class="nm"></div></div>
      ${low ? '<span class="low" title="low fidelity">⚠</span>' : ""}<button class="eye" title="Show / hide">👁</button>`;
    li.querySelector(".thumb").src = state.urls[layer.id];
    li.querySelector(".kind").textContent = kindLabel(node);
    li.querySelector(".nm").textContent = layer.name;
    const eye = li.querySelector(".eye");
    eye.classList.toggle("off", state.hidden.has(layer.id));
    eye.onclick = (e) => { e.stopPropagation(); toggle(layer.id); };
    li.onclick = () => select(layer.id);
    items.unshift(li);  // top layer first, as in Photoshop
  }
  const plate = document.createElement("li");
  plate.innerHTML = `<img class="thumb"><div class="label"><div class="kind">plate</div><div class="nm">Background</div></div>`;
  plate.querySelector(".thumb").src = $("plate").src;
  $("layers").replaceChildren(...items, plate);
}

function toggle(id) {
  if (state.hidden.has(id)) state.hidden.delete(id); else state.hidden.add(id);
  drawLayers();
}

// ---------------------------------------------------------------- editing

function select(id) {
  state.selected = id;
  const node = id && nodeOf(id);
  $("inspector").hidden = !(node && node.kind === "text");
  $("objinspector").hidden = !(node && node.kind !== "text");
  if (node && node.kind === "text") {
    $("f-text").value = node.lines.map((l) => l.text).join("\n");
    $("f-font").value = node.style.font_family;
    $("f-size").value = Math.round(node.style.size_px * 10) / 10;
    $("f-color").value = node.style.color;
    $("f-weight").value = String(Math.round(node.style.weight / 100) * 100);
    $("f-align").value = node.style.align;
    $("f-fidelity").textContent = node.fidelity != null ? `Fidelity ${node.fidelity.toFixed(2)}` +
      (node.fidelity < LOW_FIDELITY ? " — low: check this block against the original." : "") : "";
  } else if (node) {
    $("obj-name").textContent = `${kindLabel(node)}: ${node.name}`;
  }
  drawLayers();
}

async function saveScene(changed = null) {
  say("Saving…");
  await api(`/api/jobs/${state.current.id}/scene`, { method: "PUT", body: JSON.stringify(state.scene),
                                                      headers: { "Content-Type": "application/json" } });
  await refreshLayers(changed);
  say("Saved. Downloads use the edited scene.");
}

async function applyText(event) {
  event.preventDefault();
  const node = nodeOf(state.selected);
  const texts = $("f-text").value.split("\n");
  node.lines = texts.map((text, i) => ({ text, box: (node.lines[i] || node.lines[node.lines.length - 1]).box,
                                         confidence: 1.0 }));
  const size = parseFloat($("f-size").value);
  const ratio = node.style.line_height_px / node.style.size_px;
  const family = $("f-font").value.trim() || node.style.font_family;
  const weight = parseInt($("f-weight").value, 10);
  if (family !== node.style.font_family || weight !== node.style.weight) node.style.font_file = null;
  Object.assign(node.style, { font_family: family, size_px: size, line_height_px: size * ratio, weight,
                              color: $("f-color").value, align: $("f-align").value });
  try { await saveScene(node.id); } catch (e) { say(e.message, true); }
}

async function removeSelected() {
  state.scene.nodes = state.scene.nodes.filter((n) => n.id !== state.selected);
  select(null);
  try { await saveScene(); } catch (e) { say(e.message, true); }
}

function freshId(prefix) {
  let i = 1;
  while (nodeOf(`${prefix}-${i}`)) i += 1;
  return `${prefix}-${i}`;
}

function cropOriginal(box) {
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(box.x1 - box.x0)); canvas.height = Math.max(1, Math.round(box.y1 - box.y0));
  canvas.getContext("2d").drawImage($("original"), box.x0, box.y0, canvas.width, canvas.height, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL("image/png");
}

async function addNode(box) {
  const provenance = { engine: "user", confidence: 1.0 };
  let node;
  if (state.mode === "text") {
    const size = Math.max(8, (box.y1 - box.y0) * 0.75);
    node = { kind: "text", id: freshId("text"), lines: [{ text: "New text", box }], x: box.x0, baseline: box.y0 + size * 0.9,
             style: { font_family: "DejaVu Sans", font_postscript: "DejaVuSans", size_px: size, weight: 400,
                      color: "#000000", align: "left", line_height_px: size * 1.2 }, provenance };
  } else {
    node = { kind: "object", id: freshId("object"), name: "Object", label: "object", box, image: cropOriginal(box),
             in_plate: true, provenance };
  }
  state.scene.nodes.push(node);
  setMode("select");
  try { await saveScene(); select(node.id); } catch (e) { state.scene.nodes.pop(); say(e.message, true); }
}

function setMode(mode) {
  state.mode = mode;
  for (const b of document.querySelectorAll(".tool")) b.classList.toggle("active", b.dataset.mode === mode);
  $("stage").classList.toggle("drawing", mode !== "select");
}

function stagePoint(e) {
  const r = $("stage").getBoundingClientRect();
  return [(e.clientX - r.left) / state.scale, (e.clientY - r.top) / state.scale];
}

function drawing() {
  let start = null;
  const stage = $("stage"), box = $("drawbox");
  stage.addEventListener("mousedown", (e) => { if (state.mode !== "select") { start = stagePoint(e); e.preventDefault(); } });
  window.addEventListener("mousemove", (e) => {
    if (!start) return;
    const [x, y] = stagePoint(e);
    Object.assign(box.style, { left: Math.min(x, start[0]) + "px", top: Math.min(y, start[1]) + "px",
                               width: Math.abs(x - start[0]) + "px", height: Math.abs(y - start[1]) + "px" });
    box.hidden = false;
  });
  window.addEventListener("mouseup", (e) => {
    if (!start) return;
    const [x, y] = stagePoint(e);
    const b = { x0: Math.min(x, start[0]), y0: Math.min(y, start[1]), x1: Math.max(x, start[0]), y1: Math.max(y, start[1]) };
    start = null; box.hidden = true;
    if (b.x1 - b.x0 > 4 && b.y1 - b.y0 > 4) addNode(b);
  });
  stage.addEventListener("click", () => { if (state.mode === "select") select(null); });
}

async function download(fmt) {
  say(`Exporting ${fmt.toUpperCase()}…`);
  try {
    const response = await api(`/api/jobs/${state.current.id}/export/${fmt}`);
    const name = (response.headers.get("content-disposition") || "").match(/filename="?([^";]+)"?/);
    const a = document.createElement("a");
    a.href = URL.createObjectURL(await response.blob());
    a.download = name ? name[1] : `design.${fmt}`;
    document.body.append(a); a.click(); a.remove();
    say(`Downloaded ${a.download}.`);
  } catch (e) { say(e.message, true); }
}

// ---------------------------------------------------------------- wiring

function init() {
  const drop = $("drop");
  $("pick").onchange = (e) => { upload([...e.target.files]); e.target.value = ""; };
  for (const name of ["dragenter", "dragover"]) drop.addEventListener(name, (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); upload([...e.dataTransfer.files]); });
  $("compare").oninput = (e) => { $("original").style.clipPath = `inset(0 0 0 ${e.target.value}%)`; };
  $("original").style.clipPath = "inset(0 0 0 100%)";
  $("inspector").onsubmit = applyText;
  $("delete").onclick = removeSelected;
  $("delete-obj").onclick = removeSelected;
  for (const b of document.querySelectorAll(".tool")) b.onclick = () => setMode(b.dataset.mode);
  for (const b of document.querySelectorAll("[data-fmt]")) b.onclick = () => download(b.dataset.fmt);
  window.addEventListener("resize", fit);
  drawing();
}

init();
