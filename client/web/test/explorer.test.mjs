// The web explorer in a real browser: Debian's chromium driven by
// playwright-core against a live indicators-server ($INDICATORS_SERVER with
// --http_listen on 127.0.0.1, port 0, the frozen copy of the innovation
// data). Picks
// Guangdong's R&D expenditure 2012-2023 as a person would and checks the
// chart, the tooltip, the download and the permalink against the API's own
// answers; runs axe-core in the page; saves a screenshot.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { chromium } from "playwright-core";

import { startHttpServer } from "../../../tests/testing/http_server_process.mjs";

const require = createRequire(import.meta.url);
let server;
let base;
let browser;
let context;
let dir;
const outside = [];
const consoleErrors = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "indicators-explorer-"));
  ({ server, base } = await startHttpServer(
    process.env.EXPLORER_DIR ? [`--http_explorer_dir=${process.env.EXPLORER_DIR}`] : []));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"],
  });
  // bypassCSP only so that axe-core can be injected; the page's own
  // requests are watched below, and none may leave the server.
  context = await browser.newContext({ acceptDownloads: true, bypassCSP: true, viewport: { width: 1280, height: 900 } });
  context.on("request", (request) => {
    if (!request.url().startsWith(base) && !request.url().startsWith("data:")) outside.push(request.url());
  });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

async function openPage(url) {
  const page = await context.newPage();
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(url);
  await page.waitForFunction(() => Number(document.body.dataset.renders) >= 1);
  return page;
}

// Waits until the page shows `params` (its address, after the last render).
async function shown(page, params) {
  await page.waitForFunction(
    (expected) => {
      const q = new URLSearchParams(document.body.dataset.shown ?? "");
      return Object.entries(expected).every(([k, v]) => q.get(k) === v);
    },
    params,
    { timeout: 10_000 },
  );
}

// The API's answer: every preferred observation of the series, over Connect.
async function apiSeries() {
  const answer = await fetch(`${base}/indicators.v1.IndicatorService/QueryObservations`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      filter: { indicatorIds: ["rd_expenditure"], regionCodes: ["CN-GD"], startPeriod: "2012", endPeriod: "2023", sourceMode: "SOURCE_MODE_PREFERRED" },
      pageSize: 1000,
    }),
  });
  assert.equal(answer.status, 200);
  return (await answer.json()).observations;
}

const chartPoints = (page) =>
  page.evaluate(() => window.explorer.charts().series.data.datasets.map((d) => ({ label: d.label, data: d.data })));

let permalink;
let firstPoints;

test("picking Guangdong's R&D expenditure 2012-2023 charts exactly the API's figures", async () => {
  const page = await openPage(`${base}/?indicator=high_tech_enterprises&regions=CN-BJ&from=2016&to=2018`);
  await shown(page, { indicator: "high_tech_enterprises", regions: "CN-BJ" });
  // Search as you type, then pick from the results.
  await page.fill("#search", "Guangdong");
  const result = page.locator("#search-results button", { hasText: "Region: Guangdong (CN-GD)" });
  await result.waitFor();
  await page.selectOption("#regions", []);
  await result.click();
  await page.selectOption("#indicator", "rd_expenditure");
  await page.fill("#from", "2012");
  await page.dispatchEvent("#from", "change");
  await page.fill("#to", "2023");
  await page.dispatchEvent("#to", "change");
  await shown(page, { indicator: "rd_expenditure", regions: "CN-GD", from: "2012", to: "2023", preferred: "1" });

  const api = await apiSeries();
  assert.ok(api.length >= 10, `the API gave ${api.length} figures`);
  const points = await chartPoints(page);
  assert.equal(points.length, 1);
  assert.equal(points[0].label, "Guangdong");
  assert.deepEqual(points[0].data, api.map((o) => ({ x: o.period, y: o.value })));
  const axis = await page.evaluate(() => window.explorer.charts().series.options.scales.y.title.text);
  assert.equal(axis, "CNY, billions (× 10^9)");
  // The table beneath holds the same figures.
  const table = await page.$$eval("#table tbody tr", (rows) => rows.map((r) => [r.dataset.period, Number(r.dataset.value)]));
  assert.deepEqual(table, api.map((o) => [o.period, o.value]));

  // Hovering a point shows its unit, qualifier, status and source.
  const index = api.length - 1;
  await page.locator("#series-chart").scrollIntoViewIfNeeded();
  const at = await page.evaluate((i) => {
    const chart = window.explorer.charts().series;
    const point = chart.getDatasetMeta(0).data[i];
    const box = chart.canvas.getBoundingClientRect();
    return { x: box.left + point.x, y: box.top + point.y };
  }, index);
  await page.mouse.move(at.x - 20, at.y - 20);
  await page.mouse.move(at.x, at.y, { steps: 4 });
  await page.locator("#tooltip").waitFor({ state: "visible", timeout: 5_000 });
  const tip = await page.textContent("#tooltip");
  const o = api[index];
  assert.match(tip, new RegExp(`Guangdong ${o.period}`));
  assert.match(tip, /CNY, billions \(× 10\^9\)/);
  assert.match(tip, new RegExp(`Qualifier: ${(o.qualifier ?? "QUALIFIER_UNSPECIFIED").replace("QUALIFIER_", "").toLowerCase()}`));
  assert.match(tip, new RegExp(`status: ${o.status.replace("OBSERVATION_STATUS_", "").toLowerCase()}`));
  for (const id of o.sourceIds) assert.ok(tip.includes(`${id}: `), `${id} in ${tip}`);

  // The CSV download is what is shown.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-csv")]);
  const csv = readFileSync(await download.path(), "utf8").trim().split("\n");
  assert.equal(csv[0], "indicator_id,region_code,period,value,qualifier,status,source_ids,note");
  const rows = csv.slice(1).map((line) => line.split(","));
  assert.deepEqual(
    rows.map((r) => [r[0], r[1], r[2], Number(r[3]), r[4], r[5], r[6]]),
    api.map((o) => [o.indicatorId, o.regionCode, o.period, o.value,
      (o.qualifier ?? "").replace("QUALIFIER_", "").toLowerCase(),
      o.status.replace("OBSERVATION_STATUS_", "").toLowerCase(), o.sourceIds.join(";")]),
  );
  assert.match(download.suggestedFilename(), /^observations-[0-9a-f]{12}\.csv$/);

  // The ranking has the provinces, Guangdong among them, largest first.
  const ranking = await page.evaluate(() => {
    const chart = window.explorer.charts().ranking;
    return { labels: chart.data.labels, values: chart.data.datasets[0].data };
  });
  assert.ok(ranking.labels.some((l) => l.startsWith("Guangdong (")), ranking.labels.join());
  assert.deepEqual([...ranking.values].sort((a, b) => b - a), ranking.values);
  // Each label carries the rank range the service gives for that year.
  const year = await page.inputValue("#year");
  const ranks = await (await fetch(`${base}/indicators.v1.IndicatorService/RankRegions`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ indicatorId: "rd_expenditure", parentRegionCode: "CN", period: year }),
  })).json();
  assert.equal(ranking.labels.length, ranks.regions.length);
  ranks.regions.forEach((r, i) => {
    const range = r.bestRank === r.worstRank ? `${r.bestRank}` : `${r.bestRank}–${r.worstRank}`;
    assert.ok(ranking.labels[i].endsWith(`(${range})`), `${ranking.labels[i]} against ${range}`);
    assert.ok(r.bestRank <= i + 1 && i + 1 <= r.worstRank, ranking.labels[i]);
  });


  permalink = await page.getAttribute("#permalink", "href");
  firstPoints = points;
  const call = await page.textContent("#api-call");
  assert.match(call, /QueryObservations/);
  assert.match(call, /"regionCodes":\["CN-GD"\]/);
  await page.close();
});

test("the permalink opens the same state in a fresh page", async () => {
  assert.ok(permalink, "the first test left a permalink");
  const page = await openPage(permalink);
  await shown(page, { indicator: "rd_expenditure", regions: "CN-GD", from: "2012", to: "2023" });
  assert.equal(await page.inputValue("#indicator"), "rd_expenditure");
  assert.equal(await page.inputValue("#from"), "2012");
  assert.equal(await page.inputValue("#to"), "2023");
  assert.deepEqual(await chartPoints(page), firstPoints);
  await page.close();
});

test("regions whose bounds overlap share a rank range", async () => {
  // R&D intensity of 2023: figures rounded to 0.01 whose bounds overlap
  // share a range, and the note says how many pairs cannot be ordered.
  const page = await openPage(`${base}/?indicator=rd_intensity&regions=CN-GD&year=2023`);
  await shown(page, { indicator: "rd_intensity", regions: "CN-GD" });
  const labels = await page.evaluate(() => window.explorer.charts().ranking.data.labels);
  const shared = labels.filter((l) => /\(\d+–\d+\)$/.test(l));
  assert.ok(shared.length >= 2, labels.join());
  assert.match(await page.textContent("#ranking-note"), /^\d+ pair\(s\) of regions cannot be ordered/);
  assert.match(await page.getAttribute("#ranking-chart", "aria-label"), /share a rank range/);
  await page.close();
});

test("no serious accessibility violation, nothing from elsewhere, a chart that is drawn", async () => {
  const page = await openPage(`${base}/`);
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(serious, [], JSON.stringify(violations));

  const colors = await page.evaluate(() => {
    const canvas = document.getElementById("series-chart");
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    const seen = new Set();
    for (let i = 0; i < data.length; i += 4) seen.add(`${data[i]},${data[i + 1]},${data[i + 2]},${data[i + 3]}`);
    return seen.size;
  });
  assert.ok(colors > 20, `the chart has ${colors} colors: blank`);
  const shot = join(dir, "explorer.png");
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(statSync(shot).size > 30_000, `screenshot of ${statSync(shot).size} bytes`);
  const version = await page.getAttribute("#freshness", "data-version");
  assert.match(version, /^[0-9a-f]{64}$/);
  assert.match(await page.textContent("#freshness"), /Dataset [0-9a-f]{12} · revision \d+/);
  assert.deepEqual(outside, []);
  assert.deepEqual(consoleErrors, []);
  await page.close();
});
