// Tests of the TypeScript client against a live indicators-server started on
// 127.0.0.1 (port 0) from $INDICATORS_SERVER over the frozen test dataset in
// $INDICATORS_TEST_DATA, stopped at the end.

import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import {
  Code,
  ConnectError,
  Qualifier,
  RegionType,
  SourceMode,
  createIndicatorClient,
  errorInfo,
  fieldViolations,
  queryAll,
  type IndicatorClient,
} from "../src/client.js";

const BATCH = 7; // Observations per stream message: many messages per query.
let server: ChildProcess;
let target: string;
let client: IndicatorClient;

before(async () => {
  const binary = process.env.INDICATORS_SERVER;
  assert.ok(binary, "set INDICATORS_SERVER to the indicators-server binary");
  const data = process.env.INDICATORS_TEST_DATA;
  assert.ok(data, "set INDICATORS_TEST_DATA to a test dataset directory");
  server = spawn(binary, ["--listen=127.0.0.1:0", `--data=${data}`, `--stream_batch_size=${BATCH}`], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: server.stdout! });
  const first: string = await new Promise((resolve) => lines.once("line", resolve));
  const match = /listening on (127\.0\.0\.1:\d+);/.exec(first);
  assert.ok(match, `server did not start: ${first}`);
  target = match[1];
  client = createIndicatorClient(target);
});

after(() => {
  server?.kill("SIGTERM");
});

test("seed figures come back exactly with their qualifiers", async () => {
  const rows = await queryAll(client, {
    regionCodes: ["CN-GD"],
    startPeriod: "2023",
    endPeriod: "2023",
    sourceIds: ["SEED"],
  });
  const seed = Object.fromEntries(rows.map((o) => [o.indicatorId, [o.value, o.qualifier]]));
  assert.deepEqual(seed, {
    high_tech_enterprises: [75000, Qualifier.OVER],
    rd_expenditure: [460, Qualifier.EXACT],
    rd_expenditure_usd: [64.8, Qualifier.ABOUT],
    rd_personnel: [1350000, Qualifier.EXACT],
    valid_invention_patents: [665000, Qualifier.OVER],
    pct_applications: [23700, Qualifier.EXACT],
  });
});

test("the preferred value is the final communique's", async () => {
  const rows = await queryAll(client, {
    indicatorIds: ["rd_expenditure"],
    regionCodes: ["CN-GD"],
    startPeriod: "2023",
    endPeriod: "2023",
    sourceMode: SourceMode.PREFERRED,
  });
  assert.equal(rows.length, 1);
  assert.equal(rows[0].value, 480.26);
  assert.equal(rows[0].unit, "CNY");
  assert.equal(rows[0].unitMultiplier, 9);
  assert.deepEqual(rows[0].sourceIds, ["S13"]);
});

test("catalog calls answer", async () => {
  assert.equal((await client.listIndicators({})).indicators.length, 16);
  assert.equal((await client.getIndicator({ id: "rd_personnel" })).unit, "persons");
  const { regions } = await client.listRegions({ parentCode: "CN", type: RegionType.MUNICIPALITY });
  assert.deepEqual(regions.map((r) => r.code), ["CN-BJ", "CN-CQ", "CN-SH", "CN-TJ"]);
  assert.equal((await client.getRegion({ code: "CN-GD" })).name, "Guangdong");
  assert.equal((await client.listSources({ pageSize: 1000 })).sources.length, 64);
  assert.equal((await client.getSource({ id: "SEED" })).publisher, "Xinhua (as republished)");
  const { dataset } = await client.getDatasetInfo({});
  assert.equal(dataset?.observationCount, 416n);
  assert.match(dataset?.version ?? "", /^[0-9a-f]{64}$/);
});

test("an invalid request surfaces the gRPC code", async () => {
  await assert.rejects(client.getIndicator({ id: "no_such_indicator" }), (err) => {
    assert.equal(ConnectError.from(err).code, Code.NotFound);
    assert.equal(errorInfo(err)?.reason, "UNKNOWN_INDICATOR");
    assert.equal(errorInfo(err)?.domain, "indicators.v1");
    assert.equal(errorInfo(err)?.metadata.field, "id");
    return true;
  });
  await assert.rejects(
    client.queryObservations({ filter: { startPeriod: "2023-13" } }),
    (err) => {
      const error = ConnectError.from(err);
      assert.equal(error.code, Code.InvalidArgument);
      assert.match(error.rawMessage, /^filter\.start_period/);
      assert.equal(errorInfo(err)?.reason, "INVALID_PERIOD");
      assert.deepEqual(
        fieldViolations(err).map((v) => v.field),
        ["filter.start_period"],
      );
      return true;
    },
  );
});

test("the stream delivers every row of a query over many messages", async () => {
  const init = { regionCodes: ["CN"], includeSubregions: true };
  const paged = await queryAll(client, init, 50);
  let messages = 0;
  const streamed = [];
  for await (const message of client.streamObservations({ filter: init })) {
    messages++;
    assert.ok(message.observations.length <= BATCH);
    streamed.push(...message.observations);
  }
  assert.ok(paged.length > 100);
  assert.deepEqual(streamed, paged);
  assert.equal(messages, Math.ceil(paged.length / BATCH));
});

test("the example calls every RPC", () => {
  const example = fileURLToPath(new URL("../src/example.js", import.meta.url));
  const run = spawnSync(process.execPath, [example, target], { encoding: "utf8", timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /high_tech_enterprises +CN-GD +2023 +over +75000 .* SEED/);
  assert.match(run.stdout, /an unknown id is NotFound/);
});
