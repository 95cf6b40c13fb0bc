// End-to-end test of the web app: Debian's Chromium (headless, offline flags) driven by
// playwright-core against a running `sensorlake serve`. Opens every page, a signal plot
// (and zooms it), runs SQL in DuckDB-Wasm, asserts what is shown, saves screenshots.
// Usage: node e2e/e2e.mjs BASE_URL SCREENSHOT_DIR
import { chromium } from "playwright-core";
import fs from "node:fs";
import path from "node:path";
import assert from "node:assert/strict";

const [base, outDir] = process.argv.slice(2);
if (!base || !outDir) { console.error("usage: node e2e/e2e.mjs BASE_URL SCREENSHOT_DIR"); process.exit(2); }
fs.mkdirSync(outDir, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-dev-shm-usage"],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(String(e)));
// Offline means offline: any request that is not to the server under test fails the test.
const foreign = [];
await page.route("**/*", (route) => {
  const url = route.request().url();
  if (url.startsWith(base) || url.startsWith("blob:") || url.startsWith("data:")) return route.continue();
  foreign.push(url);
  return route.abort();
});
// DuckDB-Wasm must read the Parquet with range requests (206), not whole files.
const dataAnswers = [];
page.on("response", (r) => { if (r.url().includes("/data/")) dataAnswers.push(r.status()); });
const shot = (name) => page.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: true });
const step = (s) => console.log(`e2e: ${s}`);
const dataset = await (await fetch(`${base}/api/dataset`)).json();
const total = dataset.folders.reduce((s, f) => s + f.rows.flat().reduce((a, b) => a + b, 0), 0);

// Runs: the history, then a run's detail.
await page.goto(`${base}/#/runs`);
await page.waitForSelector("#runs-table tr td");
const firstRun = page.locator("#runs-table tr").nth(1);
assert.match(await firstRun.innerText(), /succeeded/);
assert.match(await firstRun.innerText(), /passed/);
await shot("runs");
step("runs page lists the run");
await firstRun.locator("a").click();
await page.waitForSelector("#stage-timeline .stage");
assert.equal(await page.locator("#stage-timeline .stage").count(), 5);
assert.equal(await page.locator("#run-outcome").innerText(), "succeeded");
assert.ok(await page.locator("#quality-checks tr").count() > 10);
assert.ok(await page.locator("#lineage rect").count() >= 5);
assert.match(await page.locator("#stage-metrics").innerText(), /transform/);
assert.equal(await page.locator("#transform-folders tr").count(), 5);
assert.match(await page.locator("#transform-folders").innerText(), /phone\/accel/);
await shot("run-detail");
step("run detail: 5 stages, quality checks, lineage");

// Dataset: the heatmap, then a click on a cell opens its signal.
await page.goto(`${base}/#/dataset`);
await page.waitForSelector("#heatmap td.cell");
assert.equal(await page.locator("#heatmap td.cell").count(), 51 * 18);
assert.match(await page.locator("#dataset-facts").innerText(), new RegExp(total.toLocaleString("en-US")));
// The generator's fast phone streams fail sampling_rate in more blocks than result.json lists.
assert.match(await page.locator("#flags-truncated").innerText(), /sampling_rate failed [0-9,]+ blocks but its result lists 200/);
await shot("dataset");
await page.locator("text=sampling rate").click();
await shot("dataset-rate");
step(`dataset heatmap: 918 cells, ${total} readings, ${await page.locator("#heatmap td.flag").count()} flagged`);
const cell = page.locator('#heatmap td.cell[data-subject="1605"][data-activity="B"]');
await cell.click();
await page.waitForFunction(() => Number(document.getElementById("signal-info")?.dataset.rows) > 0);
assert.match(page.url(), /#\/signal\?device=phone&sensor=accel&subject=1605&activity=B/);
const info = await page.locator("#signal-info").innerText();
assert.match(info, /row groups read 1 of 51/);
const rows = Number(await page.locator("#signal-info").getAttribute("data-rows"));
assert.equal(rows, dataset.folders[0].rows[5][1]);
// Subject 1605's phone streams are fast in the generated data: the quality flag shows.
await page.waitForSelector("#signal-flags p");
assert.match(await page.locator("#signal-flags").innerText(), /jogging: .* readings at .* Hz/);
// The plot drew the three axes: count the coloured pixels on the canvas.
const coloured = await page.evaluate(() => {
  const c = document.getElementById("signal-canvas");
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let red = 0, green = 0, blue = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i] > 180 && d[i + 1] < 80 && d[i + 2] < 80) red++;
    if (d[i + 1] > 130 && d[i] < 80 && d[i + 2] < 80) green++;
    if (d[i + 2] > 150 && d[i] < 80 && d[i + 1] < 160) blue++;
  }
  return { red, green, blue };
});
assert.ok(coloured.red > 100 && coloured.green > 100 && coloured.blue > 100, JSON.stringify(coloured));
await shot("signal");
step(`signal plot: ${rows} readings, x/y/z drawn ${JSON.stringify(coloured)}`);
// Zoom in with the wheel: the server answers a narrower window.
const box = await page.locator("#signal-canvas").boundingBox();
await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
for (let i = 0; i < 4; i++) await page.mouse.wheel(0, -200);
await page.waitForFunction((n) => Number(document.getElementById("signal-info")?.dataset.rows) < n, rows);
await shot("signal-zoomed");
// Pan: drag to the left, the window moves later in time.
await page.waitForFunction(() => document.getElementById("signal-info")?.dataset.from);
const fromBefore = Number(await page.locator("#signal-info").getAttribute("data-from"));
await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2);
await page.mouse.down();
await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2, { steps: 5 });
await page.mouse.up();
await page.waitForFunction((f) => Number(document.getElementById("signal-info")?.dataset.from) > f, fromBefore);
step(`zoomed: ${await page.locator("#signal-info").innerText()}`);

// SQL: DuckDB-Wasm over the curated Parquet via range requests.
await page.goto(`${base}/#/sql`);
await page.locator("#sql-editor").fill("SELECT device, sensor, count(*) AS readings FROM sensor_readings GROUP BY ALL ORDER BY device, sensor");
await page.locator("#sql-run").click();
await page.waitForSelector("#sql-table td, .error", { timeout: 60000 });
if (await page.locator(".error").count()) throw new Error(`SQL failed: ${await page.locator(".error").innerText()}`);
const sqlRows = await page.locator("#sql-table tr").allInnerTexts();
assert.equal(sqlRows.length, 5, sqlRows.join("|"));
const sqlTotal = sqlRows.slice(1).reduce((s, r) => s + Number(r.split("\t")[2]), 0);
assert.equal(sqlTotal, total);
assert.match(sqlRows[1], /^phone\taccel\t/);
assert.equal(await page.locator("#sql-chart .bar").count(), 4);
assert.ok(await page.locator("#sql-csv").getAttribute("download"));
await shot("sql");
const partial = dataAnswers.filter((s) => s === 206).length;
assert.ok(partial > 0, `no range request answered 206 (statuses: ${dataAnswers.join(",")})`);
step(`SQL in DuckDB-Wasm: 4 device/sensor rows summing to ${sqlTotal}; ${partial} of ${dataAnswers.length} /data answers were 206`);
// A numeric first column gets a line chart.
await page.locator("#sql-editor").fill("SELECT subject, avg(x) AS mean_x FROM sensor_readings WHERE device = 'watch' AND sensor = 'gyro' GROUP BY subject ORDER BY subject");
await page.locator("#sql-run").click();
await page.waitForFunction(() => document.querySelectorAll("#sql-table tr").length === 52);
assert.equal(await page.locator("#sql-chart svg path").count(), 1);
await shot("sql-line");

await browser.close();
assert.deepEqual(pageErrors, [], `page errors: ${pageErrors.join("\n")}`);
assert.deepEqual(foreign, [], `requests outside the server: ${foreign.join("\n")}`);
console.log(`e2e: all pages passed; screenshots in ${outDir}`);
