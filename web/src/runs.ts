// Runs: the history of the lake (_runs/*.json: `sensorlake run` and the runs an orchestrator
// records stage by stage) and one run's detail: stage timeline, metrics, quality result and lineage.
import { api, errorBox, fmtNum, h } from "./api";
import type {
  Lineage, QualityResult, RunDetail, RunOrchestrator, RunOutcome, RunsResponse, RunSummary, StageEntry,
  TransformFolder,
  TransformStageEntry,
} from "./api-types";

const outcomeClass = (o: RunOutcome) => (o === "succeeded" ? "ok" : o === "failed" ? "bad" : "warn");

/** The Iceberg snapshot of sensor_readings the run published, or the one its check staged. */
function snapshotCell(r: RunSummary): string {
  if (r.versions.snapshot) return r.versions.snapshot;
  return r.versions.staged_snapshot ? `staged ${r.versions.staged_snapshot}` : "-";
}

function qualityCell(r: RunSummary): string {
  if (!r.quality) return r.failed_stage && r.failed_stage !== "check" ? "not checked" : "-";
  const c = r.quality.counts;
  return `${r.quality.success ? "passed" : "FAILED"} (${c.error ?? 0} errors, ${c.warn ?? 0} warnings)`;
}

export async function renderRuns(app: HTMLElement): Promise<void> {
  app.append(h("h1", {}, "Runs"));
  try {
    const { runs, unreadable } = await api<RunsResponse>("/api/runs");
    for (const u of unreadable) app.append(h("p", { class: "error" }, `unreadable run record ${u.file}: ${u.error}`));
    if (runs.length === 0) {
      app.append(h("p", {}, "No runs in this lake yet: sensorlake run --lake ... records them in _runs/."));
      return;
    }
    const table = h("table", { class: "grid", id: "runs-table" },
      h("tr", {}, ...["run", "started by", "outcome", "started (UTC)", "duration", "rows", "quarantined", "quality", "snapshot"].map((t) => h("th", {}, t))));
    for (const r of runs) {
      const link = h("a", { href: `#/runs/${encodeURIComponent(r.run_id)}` }, r.run_id);
      table.append(h("tr", {},
        h("td", {}, link),
        h("td", { class: "started-by" }, startedBy(r.orchestrator)),
        h("td", { class: outcomeClass(r.outcome) }, r.outcome + (r.failed_stage ? ` at ${r.failed_stage}` : "")),
        h("td", {}, r.started_at),
        h("td", { class: "num" }, `${r.seconds.toFixed(1)} s`),
        h("td", { class: "num" }, r.rows !== undefined ? fmtNum(r.rows) : "-"),
        h("td", { class: "num" }, r.quarantined !== undefined ? fmtNum(r.quarantined) : "-"),
        h("td", { class: r.quality ? (r.quality.success ? "ok" : "bad") : "" }, qualityCell(r)),
        h("td", { class: "snapshot" }, snapshotCell(r))));
    }
    app.append(table);
  } catch (e) { app.append(errorBox(e)); }
}

/** "sensorlake run", or the orchestrator that ran the stages one by one (its DAG and run). */
function startedBy(o: RunOrchestrator): string {
  if (!o.name) return "sensorlake run";
  return [o.name, o.dag_id, o.run_id].filter((x) => typeof x === "string" && x).join(" ");
}

function timeline(stages: StageEntry[]): HTMLElement {
  const total = Math.max(1e-9, stages.reduce((s, x) => s + x.seconds, 0));
  const box = h("div", { class: "timeline", id: "stage-timeline" });
  for (const s of stages) {
    const w = Math.max(0.5, (100 * s.seconds) / total);
    box.append(h("div", { class: `stage ${s.status}`, style: `flex-basis:${w}%`, title: s.message },
      h("b", {}, s.stage), h("span", {}, `${s.status} · ${s.seconds.toFixed(2)} s`)));
  }
  return box;
}

// The numbers of a stage's summary, nested objects flattened ("generated.bytes"); arrays
// and deeper maps are left to their own tables.
function flatNumbers(o: { [key: string]: unknown }, prefix = "", depth = 0): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === "number") out.push(`${prefix}${k}=${Number.isInteger(v) ? fmtNum(v) : +v.toFixed(3)}`);
    else if (typeof v === "boolean") out.push(`${prefix}${k}=${v}`);
    else if (v && typeof v === "object" && !Array.isArray(v) && depth < 1) {
      out.push(...flatNumbers(v as { [key: string]: unknown }, `${prefix}${k}.`, depth + 1));
    }
  }
  return out;
}

function metrics(stages: StageEntry[]): HTMLElement {
  const table = h("table", { class: "grid", id: "stage-metrics" },
    h("tr", {}, ...["stage", "status", "attempts", "seconds", "message", "metrics"].map((t) => h("th", {}, t))));
  for (const s of stages) {
    table.append(h("tr", {}, h("td", {}, s.stage), h("td", {}, s.status), h("td", { class: "num" }, String(s.attempts)),
      h("td", { class: "num" }, s.seconds.toFixed(3)), h("td", {}, s.message),
      h("td", { class: "small" }, flatNumbers(s.summary).join(", "))));
  }
  return table;
}

// The transform's per-folder counts: lines in, rows out, quarantined, bytes, conservation.
function transformFolders(stages: StageEntry[]): HTMLElement | null {
  const transform = stages.find((s): s is TransformStageEntry => s.stage === "transform");
  const folders: TransformFolder[] = transform?.summary.folders ?? [];
  if (!folders.length) return null;
  const cols: (keyof TransformFolder)[] = ["folder", "files", "lines", "rows", "quarantined", "duplicates_dropped", "reordered", "bytes_in", "bytes_out", "seconds", "conserved"];
  const table = h("table", { class: "grid", id: "transform-folders" }, h("tr", {}, ...cols.map((c) => h("th", {}, c.replace("_", " ")))));
  for (const f of folders) {
    table.append(h("tr", {}, ...cols.map((c) => {
      const v = f[c];
      const text = typeof v === "number" ? (Number.isInteger(v) ? fmtNum(v) : v.toFixed(3)) : String(v ?? "");
      return h("td", { class: typeof v === "number" ? "num" : c === "conserved" ? (v ? "ok" : "bad") : "" }, text);
    })));
  }
  return table;
}

function lineage(l: Lineage): HTMLElement {
  const nodes = l.nodes;
  const W = 190, H = 54, GX = 40;
  const col: Record<string, number> = { source: 0, raw: 1, curated: 2, quality: 3, features: 3, published: 4, snapshot: 4 };
  const row: Record<string, number> = { quality: 0, features: 1, snapshot: 1 };
  const pos = (id: string) => ({ x: 10 + (col[id] ?? 0) * (W + GX), y: 10 + (row[id] ?? 0) * (H + 20) });
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", String(5 * (W + GX))); svg.setAttribute("height", String(2 * (H + 20) + 10));
  svg.id = "lineage";
  for (const e of l.edges) {
    const a = pos(e.from), b = pos(e.to);
    const line = document.createElementNS(ns, "path");
    line.setAttribute("d", `M${a.x + W},${a.y + H / 2} C${a.x + W + GX / 2},${a.y + H / 2} ${b.x - GX / 2},${b.y + H / 2} ${b.x},${b.y + H / 2}`);
    line.setAttribute("class", "edge");
    svg.append(line);
  }
  for (const n of nodes) {
    const p = pos(n.id);
    const g = document.createElementNS(ns, "g");
    g.innerHTML = `<rect x="${p.x}" y="${p.y}" width="${W}" height="${H}" rx="6" class="node"></rect>
      <text x="${p.x + 8}" y="${p.y + 20}" class="kind"></text><text x="${p.x + 8}" y="${p.y + 40}" class="label"></text>`;
    (g.querySelector(".kind") as SVGTextElement).textContent = n.kind;
    (g.querySelector(".label") as SVGTextElement).textContent = n.label.slice(0, 28);
    svg.append(g);
  }
  return h("div", { class: "scroll" }, svg as unknown as Node);
}

export function qualityTable(q: QualityResult): HTMLElement {
  const table = h("table", { class: "grid", id: "quality-checks" },
    h("tr", {}, ...["check", "severity", "status", "failing", "observed"].map((t) => h("th", {}, t))));
  for (const c of q.checks) {
    const cls = c.status === "pass" ? "ok" : c.status === "skipped" ? "" : c.severity === "error" ? "bad" : "warn";
    table.append(h("tr", {}, h("td", {}, c.check), h("td", {}, c.severity), h("td", { class: cls }, c.status),
      h("td", { class: "num" }, `${c.failing} / ${c.evaluated}`), h("td", { class: "small" }, c.observed)));
  }
  return table;
}

export async function renderRun(app: HTMLElement, id: string): Promise<void> {
  app.append(h("p", {}, h("a", { href: "#/runs" }, "← all runs")), h("h1", {}, `Run ${id}`));
  try {
    const d = await api<RunDetail>(`/api/runs/${encodeURIComponent(id)}`);
    const r = d.record, s = d.summary;
    app.append(h("p", { class: "facts" },
      h("span", { class: outcomeClass(r.outcome), id: "run-outcome" }, r.outcome),
      ` · ${startedBy(r.orchestrator)} · ${r.started_at} → ${r.finished_at || "…"} · ${r.seconds.toFixed(2)} s`,
      s.rows !== undefined ? ` · ${fmtNum(s.rows)} rows` : "",
      r.error ? ` · error: ${r.error}` : ""));
    app.append(h("h2", {}, "Stage timeline"), timeline(r.stages));
    app.append(h("h2", {}, "Metrics"), metrics(r.stages));
    const folders = transformFolders(r.stages);
    if (folders) app.append(h("h3", {}, "Transform per folder"), folders);
    app.append(h("h2", {}, "Lineage"), lineage(d.lineage));
    if (d.quality) {
      app.append(h("h2", {}, "Quality ", h("a", { href: `/api/quality/${encodeURIComponent(d.quality.run_id)}/report`, target: "_blank" }, "(full report)")),
        qualityTable(d.quality));
    }
  } catch (e) { app.append(errorBox(e)); }
}
