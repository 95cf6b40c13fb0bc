// SQL: DuckDB-Wasm in the browser over the published curated Parquet, read from the server
// with HTTP range requests (only the row groups and columns a query needs travel).
// The worker and wasm files are bundled by Vite: nothing comes from a CDN.
import * as duckdb from "@duckdb/duckdb-wasm";
import mvpWasm from "@duckdb/duckdb-wasm/dist/duckdb-mvp.wasm?url";
import mvpWorker from "@duckdb/duckdb-wasm/dist/duckdb-browser-mvp.worker.js?url";
import ehWasm from "@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url";
import ehWorker from "@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js?url";
import { api, errorBox, fmtNum, h } from "./api";

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
  const { files } = await api<{ files: { path: string }[] }>("/api/files");
  for (const f of files) {
    await db.registerFileURL(f.path, new URL(`/data/${f.path}`, location.href).href,
      duckdb.DuckDBDataProtocol.HTTP, false);
  }
  const conn = await db.connect();
  // Offline: no extension may be fetched; Parquet is built into the bundles.
  await conn.query("SET autoinstall_known_extensions=false; SET autoload_known_extensions=false;").catch(() => undefined);
  // The partition columns come from each file's hive path (device=<d>/sensor=<s>/...):
  // DuckDB 0.9's hive_partitioning does not read them from registered file names.
  const selects = files.map((f) => {
    const part = (k: string) => (f.path.match(new RegExp(`${k}=([a-z]+)`)) ?? ["", ""])[1];
    return `SELECT *, '${part("device")}' AS device, '${part("sensor")}' AS sensor FROM read_parquet('${f.path}')`;
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

// A bar chart of the first numeric column against the first column (labels).
function quickChart(cols: string[], rows: unknown[][]): HTMLElement | null {
  const numCol = cols.findIndex((_, i) => i > 0 && rows.every((r) => typeof r[i] === "number" || typeof r[i] === "bigint"));
  if (numCol < 0 || rows.length === 0) return null;
  const data = rows.slice(0, 50).map((r) => ({ label: cellText(r[0]), v: Number(r[numCol]) }));
  const max = Math.max(...data.map((d) => d.v), 1e-12);
  const box = h("div", { class: "chart", id: "sql-chart" }, h("div", { class: "small" }, `${cols[numCol]} by ${cols[0]}`));
  for (const d of data) {
    box.append(h("div", { class: "bar-row" }, h("span", { class: "bar-label" }, d.label),
      h("span", { class: "bar", style: `width:${Math.max(0, (70 * d.v) / max)}%` }), h("span", { class: "bar-value" }, cellText(d.v))));
  }
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
      const rows: unknown[][] = table.toArray().map((r: any) => cols.map((c) => r[c]));
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
