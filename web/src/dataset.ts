// Dataset: a subject x activity heatmap per device and sensor (readings or sampling rate),
// cells flagged by the latest quality run; a click opens the cell's signal.
import { api, errorBox, fmtNum, h } from "./api";
import type { Activity, CellFlag, DatasetFolder, DatasetResponse, TruncatedFlags } from "./api-types";

let folderChoice = 0;
let metricChoice: "rows" | "rate_hz" = "rows";

function color(t: number): string {
  // Pale to deep blue; t in [0, 1].
  const c = Math.max(0, Math.min(1, t));
  return `hsl(210, 70%, ${92 - 55 * c}%)`;
}

// Sampling rate: blue inside the quality band (15..25 Hz), orange below, red above.
function rateColor(hz: number): string {
  if (hz < 15) return "hsl(30, 90%, 60%)";
  if (hz > 25) return `hsl(0, 75%, ${Math.max(35, 65 - (hz - 25))}%)`;
  return color((hz - 15) / 10);
}

function heatmap(d: DatasetResponse): HTMLElement {
  const f = d.folders[folderChoice];
  const values: number[][] = f[metricChoice];
  const all = values.flat().filter((v) => v > 0);
  const lo = metricChoice === "rate_hz" ? 15 : 0;
  const hi = metricChoice === "rate_hz" ? 25 : Math.max(1, ...all);
  const flags = new Map<string, CellFlag[]>();
  for (const fl of d.flags) {
    if (fl.folder !== f.folder) continue;
    const key = `${fl.subject}/${fl.activity}`;
    flags.set(key, [...(flags.get(key) ?? []), fl]);
  }
  const table = h("table", { class: "heatmap", id: "heatmap" },
    h("tr", {}, h("th", {}, "subject"), ...d.activities.map((a: Activity) => h("th", { title: a.name }, a.code))));
  d.subjects.forEach((subject: number, si: number) => {
    const tr = h("tr", {}, h("th", {}, String(subject)));
    d.activities.forEach((a: Activity, ai: number) => {
      const v = values[si][ai];
      const fl = flags.get(`${subject}/${a.code}`) ?? [];
      const rows = f.rows[si][ai];
      const title = `${f.folder} subject ${subject} ${a.name}: ${fmtNum(rows)} readings, ${f.rate_hz[si][ai]} Hz` +
        fl.map((x) => `\n${x.severity} ${x.check}: ${x.what}`).join("");
      const td = h("td", {
        class: `cell${fl.length ? " flag" : ""}${rows === 0 ? " empty" : ""}`, title,
        "data-subject": String(subject), "data-activity": a.code,
        style: rows ? `background:${metricChoice === "rate_hz" ? rateColor(v) : color((v - lo) / (hi - lo))}` : "",
      });
      if (rows) {
        td.addEventListener("click", () => {
          location.hash = `#/signal?device=${f.device}&sensor=${f.sensor}&subject=${subject}&activity=${a.code}`;
        });
      }
      tr.append(td);
    });
    table.append(tr);
  });
  const swatches = metricChoice === "rate_hz"
    ? ["below 15 Hz ", h("span", { class: "swatch", style: `background:${rateColor(10)}` }), " 15 ",
       h("span", { class: "swatch", style: `background:${color(0)}` }), h("span", { class: "swatch", style: `background:${color(1)}` }),
       " 25 Hz ", h("span", { class: "swatch", style: `background:${rateColor(40)}` }), " above"]
    : ["readings: 0 ", h("span", { class: "swatch", style: `background:${color(0)}` }),
       h("span", { class: "swatch", style: `background:${color(0.5)}` }), h("span", { class: "swatch", style: `background:${color(1)}` }), ` ${fmtNum(hi)}`];
  const legend = h("p", { class: "small" }, ...swatches,
    ` · red outline: flagged by quality run ${d.quality_run || "(none)"} · ${flags.size} flagged cells here · click a cell for its signal`);
  const truncated = d.flags_truncated.map((t: TruncatedFlags) =>
    `${t.check} failed ${fmtNum(t.failing)} blocks but its result lists ${t.listed}: only those are outlined`);
  if (truncated.length) legend.append(h("br"), h("span", { class: "warn", id: "flags-truncated" }, truncated.join("; ")));
  return h("div", {}, legend, h("div", { class: "scroll" }, table));
}

export async function renderDataset(app: HTMLElement): Promise<void> {
  app.append(h("h1", {}, "Dataset"));
  try {
    const d = await api<DatasetResponse>("/api/dataset");
    const total = d.folders.reduce((s: number, f: DatasetFolder) => s + f.rows.flat().reduce((a: number, b: number) => a + b, 0), 0);
    app.append(h("p", { class: "facts", id: "dataset-facts" },
      `curated version ${d.curated_version} · ${fmtNum(total)} readings · quality run ${d.quality_run || "none"} `,
      h("span", { class: d.quality_success ? "ok" : "bad" }, d.quality_success ? "passed" : "not passed")));
    const tabs = h("div", { class: "tabs" });
    const body = h("div");
    const draw = () => {
      tabs.replaceChildren(...d.folders.map((f: DatasetFolder, i: number) => {
        const b = h("button", { class: i === folderChoice ? "active" : "" }, f.folder);
        b.onclick = () => { folderChoice = i; draw(); };
        return b;
      }), ...(["rows", "rate_hz"] as const).map((m) => {
        const b = h("button", { class: `metric ${m === metricChoice ? "active" : ""}` }, m === "rows" ? "readings" : "sampling rate");
        b.onclick = () => { metricChoice = m; draw(); };
        return b;
      }));
      body.replaceChildren(heatmap(d));
    };
    draw();
    app.append(tabs, body);
  } catch (e) { app.append(errorBox(e)); }
}
