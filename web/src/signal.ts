// Signal viewer: x, y, z over time for one subject, device, sensor and activity. The server
// prunes row groups and decimates to the canvas width; zoom (wheel) and pan (drag) ask it
// again for the visible window only.
import { api, errorBox, fmtNum, h } from "./api";
import type { Activity, CellFlag, DatasetFolder, DatasetResponse, SignalResponse } from "./api-types";

const COLORS = ["#d62728", "#2ca02c", "#1f77b4"];
const AXES = ["x", "y", "z"] as const;

function select(id: string, options: [string, string][], value: string): HTMLSelectElement {
  const s = h("select", { id });
  for (const [v, label] of options) s.append(h("option", { value: v }, label));
  s.value = value;
  return s;
}

export function renderSignal(app: HTMLElement, params: URLSearchParams): void {
  const device = params.get("device") ?? "phone", sensor = params.get("sensor") ?? "accel";
  const subject = params.get("subject") ?? "1600", activity = params.get("activity") ?? "A";
  const subjects: [string, string][] = Array.from({ length: 51 }, (_, i) => [String(1600 + i), String(1600 + i)]);
  const acts: [string, string][] = "ABCDEFGHIJKLMOPQRS".split("").map((c) => [c, c]);
  const form = h("div", { class: "controls" },
    select("sig-device", [["phone", "phone"], ["watch", "watch"]], device),
    select("sig-sensor", [["accel", "accel"], ["gyro", "gyro"]], sensor),
    select("sig-subject", subjects, subject), select("sig-activity", acts, activity),
    h("button", { id: "sig-reset" }, "reset zoom"));
  form.querySelectorAll("select").forEach((s) => s.addEventListener("change", () => {
    const v = (id: string) => (document.getElementById(id) as HTMLSelectElement).value;
    location.hash = `#/signal?device=${v("sig-device")}&sensor=${v("sig-sensor")}&subject=${v("sig-subject")}&activity=${v("sig-activity")}`;
  }));
  const canvas = h("canvas", { id: "signal-canvas" });
  const info = h("p", { class: "facts", id: "signal-info" }, "loading…");
  const flagsBox = h("div", { id: "signal-flags" });
  app.append(h("h1", {}, `Signal: ${device}/${sensor}, subject ${subject}, activity ${activity}`), form,
    h("div", { class: "plot" }, canvas), info, flagsBox,
    h("p", { class: "small" }, "wheel: zoom at the cursor · drag: pan · x red, y green, z blue"));

  const base = `/api/signal?device=${device}&sensor=${sensor}&subject=${subject}&activity=${activity}`;
  let data: SignalResponse | null = null;
  let view: [number, number] | null = null;  // visible window in ns from first_ns
  let seq = 0;

  const load = async () => {
    const my = ++seq;
    const width = Math.max(16, Math.min(8192, Math.round(canvas.clientWidth)));
    let url = `${base}&width=${width}`;
    if (data && view) url += `&from_ns=${Math.round(data.first_ns + view[0])}&to_ns=${Math.round(data.first_ns + view[1])}`;
    try {
      const t0 = performance.now();
      const s = await api<SignalResponse>(url);
      if (my !== seq) return;
      data = s;
      if (!view) view = [0, s.last_ns - s.first_ns];
      draw();
      const secs = (s.to_ns - s.from_ns) / 1e9;
      info.textContent = `${fmtNum(s.rows_in_window)} readings in ${secs.toFixed(1)} s shown` +
        `${s.decimated ? " (min/max per pixel)" : ""} · row groups read ${s.row_groups_read} of ${s.row_groups_total}` +
        ` · ${(performance.now() - t0).toFixed(0)} ms`;
      info.dataset.rows = String(s.rows_in_window);
      info.dataset.from = String(s.from_ns);
    } catch (e) { info.replaceChildren(errorBox(e)); }
  };

  const draw = () => {
    if (!data || !view) return;
    const dpr = window.devicePixelRatio || 1;
    const W = canvas.clientWidth, H = canvas.clientHeight;
    canvas.width = W * dpr; canvas.height = H * dpr;
    const ctx = canvas.getContext("2d")!;
    ctx.scale(dpr, dpr);
    ctx.clearRect(0, 0, W, H);
    const pad = { l: 50, r: 10, t: 10, b: 24 };
    let lo = Infinity, hi = -Infinity;
    for (const a of AXES) for (const v of data.axes[a].v) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    if (!isFinite(lo)) { lo = -1; hi = 1; }
    if (hi === lo) { hi += 1; lo -= 1; }
    const [v0, v1] = [view[0] / 1e6, view[1] / 1e6];  // ms
    const X = (t: number) => pad.l + ((t - v0) / Math.max(1e-9, v1 - v0)) * (W - pad.l - pad.r);
    const Y = (v: number) => pad.t + (1 - (v - lo) / (hi - lo)) * (H - pad.t - pad.b);
    ctx.strokeStyle = "#ddd"; ctx.fillStyle = "#555"; ctx.font = "11px sans-serif"; ctx.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const v = lo + ((hi - lo) * i) / 4, y = Y(v);
      ctx.beginPath(); ctx.moveTo(pad.l, y); ctx.lineTo(W - pad.r, y); ctx.stroke();
      ctx.fillText(v.toFixed(1), 4, y + 4);
    }
    for (let i = 0; i <= 6; i++) {
      const t = v0 + ((v1 - v0) * i) / 6;
      ctx.fillText(`${(t / 1000).toFixed(1)} s`, X(t) - 12, H - 6);
    }
    AXES.forEach((a, k) => {
      const s = data!.axes[a];
      ctx.strokeStyle = COLORS[k]; ctx.beginPath();
      s.t_ms.forEach((t, i) => (i ? ctx.lineTo(X(t), Y(s.v[i])) : ctx.moveTo(X(t), Y(s.v[i]))));
      ctx.stroke();
    });
  };

  let timer = 0;
  const reload = () => { clearTimeout(timer); timer = window.setTimeout(load, 120); };
  canvas.addEventListener("wheel", (ev) => {
    if (!data || !view) return;
    ev.preventDefault();
    const full = data.last_ns - data.first_ns;
    const frac = (ev.offsetX - 50) / Math.max(1, canvas.clientWidth - 60);
    const at = view[0] + frac * (view[1] - view[0]);
    const k = ev.deltaY < 0 ? 0.7 : 1 / 0.7;
    const span = Math.min(full, Math.max(2e8, (view[1] - view[0]) * k));
    let a = at - frac * span;
    a = Math.max(0, Math.min(full - span, a));
    view = [a, a + span];
    draw(); reload();
  });
  let dragX: number | null = null;
  // Pointer capture keeps the drag on the canvas: no listener outlives the page.
  canvas.addEventListener("pointerdown", (ev) => { dragX = ev.clientX; canvas.setPointerCapture(ev.pointerId); });
  canvas.addEventListener("pointerup", () => { if (dragX !== null) { dragX = null; reload(); } });
  canvas.addEventListener("pointermove", (ev) => {
    if (dragX === null || !data || !view) return;
    const full = data.last_ns - data.first_ns, span = view[1] - view[0];
    const dt = ((dragX - ev.clientX) / Math.max(1, canvas.clientWidth - 60)) * span;
    dragX = ev.clientX;
    const a = Math.max(0, Math.min(full - span, view[0] + dt));
    view = [a, a + span];
    draw();
  });
  form.querySelector("#sig-reset")!.addEventListener("click", () => { view = null; load(); });
  load();
  showCell(flagsBox, device, sensor, Number(subject), activity);
}

// The cell's row in the dataset index: activity name, readings, rate and quality flags.
async function showCell(box: HTMLElement, device: string, sensor: string, subject: number, activity: string) {
  try {
    const d = await api<DatasetResponse>("/api/dataset");
    const f = d.folders.find((x: DatasetFolder) => x.device === device && x.sensor === sensor);
    const si = d.subjects.indexOf(subject), ai = d.activities.findIndex((a: Activity) => a.code === activity);
    if (!f || si < 0 || ai < 0) return;
    const flags = d.flags.filter((x: CellFlag) => x.folder === f.folder && x.subject === subject && x.activity === activity);
    box.replaceChildren(h("p", { class: "small" },
      `${d.activities[ai].name}: ${fmtNum(f.rows[si][ai])} readings at ${f.rate_hz[si][ai]} Hz · quality run ${d.quality_run || "none"}: `,
      flags.length ? h("span", { class: "warn" }, flags.map((x: CellFlag) => `${x.severity} ${x.check}: ${x.what}`).join("; ")) : h("span", { class: "ok" }, "no flags")));
  } catch (e) { box.replaceChildren(errorBox(e)); }
}
