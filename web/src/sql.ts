// SQL: DuckDB-Wasm in the browser over the published curated Parquet, read from the server
// with HTTP range requests (only the row groups and columns a query needs travel).
// The worker and wasm files are bundled by Vite: nothing comes from a CDN.
import * as duckdb from "@duckdb/duckdb-wasm";
import mvpWasm from "@duckdb/duckdb-wasm/dist/duckdb-mvp.wasm?url";
import mvpWorker from "@duckdb/duckdb-wasm/dist/duckdb-browser-mvp.worker.js?url";
import ehWasm from "@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url";
import ehWorker from "@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js?url";
import { api, errorBox, fmtNum, h } from "./api";
import type { FilesResponse } from "./api-types";

const EXAMPLE = `SELECT device, sensor, activity_name, count(*) AS readings
FROM sensor_readings
GROUP BY ALL
ORDER BY readings DESC
LIMIT 20`;

let dbPromise: Promise<duckdb.AsyncDuckDB> | null = null;
let lastQuery = EXAMPLE;

async function openDb(): Promise<duckdb.AsyncDuckDB> {
  const bundle = await duckdb.selectBundle({
    mvp: { mainModule: mvpWasm, mainWorker: mvpWorker },
    eh: { mainModule: ehWasm, mainWorker: ehWorker },
  });
  const worker = new Worker(bundle.mainWorker!);
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate(bundle.mainModule, bundle.pthreadWorker);
  const { files } = await api<FilesResponse>("/api/files");
  for (const f of files) {
    await db.registerFileURL(f.path, new URL(`/data/${f.path}`, location.href).href,
      duckdb.DuckDBDataProtocol.HTTP, false);
  }
  const conn = await db.connect();
  // Offline: no extension may be fetched; Parquet is built into the bundles.
  await conn.query("SET autoinstall_known_extensions=false; SET autoload_known_extensions=false;").catch(() => undefined);
  // The partition columns come from each folder's hive path (device=<d>/sensor=<s>/...):
  // DuckDB 0.9's hive_partitioning does not read them from registered file names. One
  // read_parquet per folder over its files (one per raw file): a UNION ALL per file
  // (204 of them) overflows DuckDB-Wasm's stack.
  const folders = new Map<string, string[]>();
  for (const f of files) {
    const dir = f.path.substring(0, f.path.lastIndexOf("/"));
    folders.set(dir, [...(folders.get(dir) ?? []), f.path]);
  }
  const selects = [...folders].map(([dir, paths]) => {
    const part = (k: string) => (dir.match(new RegExp(`${k}=([a-z]+)`)) ?? ["", ""])[1];
    const list = paths.map((p) => `'${p}'`).join(", ");
    return `SELECT *, '${part("device")}' AS device, '${part("sensor")}' AS sensor FROM read_parquet([${list}])`;
  });
  await conn.query(`CREATE VIEW sensor_readings AS ${selects.join(" UNION ALL ")}`);
  await conn.close();
  return db;
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toPrecision(6);
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

function toCsv(cols: string[], rows: unknown[][]): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return [cols.map(q).join(","), ...rows.map((r) => r.map((v) => q(cellText(v))).join(","))].join("\n") + "\n";
}

const isNum = (v: unknown) => typeof v === "number" || typeof v === "bigint";

// A line chart when the first column is numeric (x) and another one too (y), else a bar
// chart of the first numeric column labelled by the text columns before it.
function quickChart(cols: string[], rows: unknown[][]): HTMLElement | null {
  if (rows.length === 0) return null;
  const numeric = cols.map((_, i) => rows.every((r) => r[i] === null || isNum(r[i])));
  const y = numeric.findIndex((n, i) => n && i > 0);
  if (y < 0) return null;
  if (numeric[0]) return lineChart(cols[0], cols[y], rows.map((r) => [Number(r[0]), Number(r[y])] as [number, number]));
  const data = rows.slice(0, 50).map((r) => ({ label: r.slice(0, y).filter((v) => !isNum(v)).map(cellText).join(" "), v: Number(r[y]) }));
  const max = Math.max(...data.map((d) => Math.abs(d.v)), 1e-12);
  const box = h("div", { class: "chart", id: "sql-chart" }, h("div", { class: "small" }, `${cols[y]} by ${cols.slice(0, y).join(", ")}`));
  for (const d of data) {
    box.append(h("div", { class: "bar-row" }, h("span", { class: "bar-label" }, d.label),
      h("span", { class: "bar", style: `width:${Math.max(0, (70 * Math.abs(d.v)) / max)}%` }), h("span", { class: "bar-value" }, cellText(d.v))));
  }
  return box;
}

function lineChart(xName: string, yName: string, pts: [number, number][]): HTMLElement {
  pts = pts.filter(([x, y]) => isFinite(x) && isFinite(y)).sort((a, b) => a[0] - b[0]);
  const W = 900, H = 260, P = 40;
  const [x0, x1] = [pts[0]?.[0] ?? 0, pts[pts.length - 1]?.[0] ?? 1];
  const ys = pts.map((p) => p[1]);
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const X = (x: number) => P + ((x - x0) / (x1 - x0 || 1)) * (W - 2 * P);
  const Y = (v: number) => H - P + (-(v - y0) / (y1 - y0 || 1)) * (H - 2 * P);
  const d = pts.map(([x, v], i) => `${i ? "L" : "M"}${X(x).toFixed(1)},${Y(v).toFixed(1)}`).join("");
  const box = h("div", { class: "chart", id: "sql-chart" }, h("div", { class: "small" }, `${yName} over ${xName} (${fmtNum(pts.length)} points)`));
  box.insertAdjacentHTML("beforeend", `<svg width="${W}" height="${H}" class="line-chart">
    <line x1="${P}" y1="${H - P}" x2="${W - P}" y2="${H - P}" stroke="#999"/><line x1="${P}" y1="${P}" x2="${P}" y2="${H - P}" stroke="#999"/>
    <text x="${P}" y="${H - P + 16}" font-size="11">${cellText(x0)}</text><text x="${W - P}" y="${H - P + 16}" font-size="11" text-anchor="end">${cellText(x1)}</text>
    <text x="4" y="${P}" font-size="11">${cellText(y1)}</text><text x="4" y="${H - P}" font-size="11">${cellText(y0)}</text>
    <path d="${d}" fill="none" stroke="#4a7fc1" stroke-width="1.5"/></svg>`);
  return box;
}

export function renderSql(app: HTMLElement): void {
  const editor = h("textarea", { id: "sql-editor", spellcheck: "false", rows: "8" });
  editor.value = lastQuery;
  const run = h("button", { id: "sql-run" }, "Run (Ctrl+Enter)");
  const status = h("span", { class: "small", id: "sql-status" }, "DuckDB-Wasm loads on the first query");
  const out = h("div", { id: "sql-result" });
  app.append(h("h1", {}, "SQL"),
    h("p", { class: "small" }, "The view sensor_readings is the published curated dataset (columns subject, activity, activity_name, timestamp_ns, x, y, z, block, sample, device, sensor), queried in your browser."),
    editor, h("div", { class: "controls" }, run, status), out);
  const exec = async () => {
    lastQuery = editor.value;
    run.disabled = true;
    status.textContent = "running…";
    try {
      dbPromise ??= openDb();
      const db = await dbPromise;
      const conn = await db.connect();
      const t0 = performance.now();
      const table = await conn.query(editor.value);
      await conn.close();
      const cols: string[] = table.schema.fields.map((f: { name: string }) => f.name);
      const rows: unknown[][] = table.toArray().map((r: Record<string, unknown>) => cols.map((c) => r[c]));
      status.textContent = `${fmtNum(rows.length)} rows in ${(performance.now() - t0).toFixed(0)} ms`;
      const shown = rows.slice(0, 1000);
      const tbl = h("table", { class: "grid", id: "sql-table" }, h("tr", {}, ...cols.map((c) => h("th", {}, c))));
      for (const r of shown) tbl.append(h("tr", {}, ...r.map((v) => h("td", { class: typeof v === "string" ? "" : "num" }, cellText(v)))));
      const csv = URL.createObjectURL(new Blob([toCsv(cols, rows)], { type: "text/csv" }));
      const chart = quickChart(cols, rows);
      out.replaceChildren(h("p", {}, h("a", { href: csv, download: "query.csv", id: "sql-csv" }, "download CSV"),
        rows.length > shown.length ? ` · first ${shown.length} rows shown` : ""), ...(chart ? [chart] : []), h("div", { class: "scroll" }, tbl));
    } catch (e) {
      status.textContent = "failed";
      out.replaceChildren(errorBox(e));
    } finally { run.disabled = false; }
  };
  run.onclick = exec;
  editor.addEventListener("keydown", (e) => { if (e.key === "Enter" && e.ctrlKey) exec(); });
}
