// The analysis features through the TypeScript client, against a live
// indicators-server on 127.0.0.1 (port 0) over the frozen innovation dataset
// in $INDICATORS_INNOVATION_DATA: conversion with the rate attached and the
// seed's own conversion flagged, derived figures with their inputs, growth,
// aggregates and search.

import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";

import {
  Code,
  ConnectError,
  SourceMode,
  ValueTransform,
  createIndicatorClient,
  errorInfo,
  queryAll,
  queryWithWarnings,
  warningName,
  type IndicatorClient,
} from "../src/client.js";

let server: ChildProcess;
let client: IndicatorClient;

before(async () => {
  const binary = process.env.INDICATORS_SERVER;
  assert.ok(binary, "set INDICATORS_SERVER to the indicators-server binary");
  const data = process.env.INDICATORS_INNOVATION_DATA;
  assert.ok(data, "set INDICATORS_INNOVATION_DATA to the innovation test dataset");
  server = spawn(binary, ["--listen=127.0.0.1:0", `--data=${data}`], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: server.stdout! });
  const first: string = await new Promise((resolve) => lines.once("line", resolve));
  const match = /listening on (127\.0\.0\.1:\d+);/.exec(first);
  assert.ok(match, `server did not start: ${first}`);
  client = createIndicatorClient(match[1]);
});

after(() => {
  server?.kill("SIGTERM");
});

test("dollars carry the rate, and the seed's own conversion is flagged", async () => {
  const [rate] = await queryAll(client, {
    indicatorIds: ["exchange_rate_cny_per_usd"],
    regionCodes: ["CN"],
    startPeriod: "2023",
    endPeriod: "2023",
    sourceMode: SourceMode.PREFERRED,
  });
  const { observations, warnings } = await queryWithWarnings(
    client,
    {
      indicatorIds: ["rd_expenditure", "rd_expenditure_usd"],
      regionCodes: ["CN-GD"],
      startPeriod: "2023",
      endPeriod: "2023",
      sourceIds: ["SEED", "S56"],
    },
    { currency: "USD" },
  );
  const final = observations.find((o) => o.sourceIds.join() === "S56")!;
  assert.equal(final.value, 480.26 / rate.value);
  assert.equal(final.unit, "USD");
  assert.equal(final.conversion?.originalValue, 480.26);
  assert.deepEqual(final.conversion?.rate?.sourceIds, ["S62"]);
  const seed = observations.find((o) => o.indicatorId === "rd_expenditure" && o.sourceIds.join() === "SEED")!;
  assert.ok(Math.abs(seed.value - 64.9) < 0.05, String(seed.value));
  assert.ok(warnings.map((w) => warningName(w.code)).includes("DIFFERENT_RATES"));

  const [yi] = await queryAll(
    client,
    { indicatorIds: ["rd_expenditure"], regionCodes: ["CN-GD"], startPeriod: "2023", endPeriod: "2023", sourceIds: ["S56"] },
    1000,
    { unitMultiplier: 8 },
  );
  assert.ok(Math.abs(yi.value - 4802.6) < 1e-9);
  await assert.rejects(
    queryAll(client, { indicatorIds: ["rd_intensity"], regionCodes: ["CN-GD"] }, 1000, { currency: "USD" }),
    (err: unknown) => {
      const e = ConnectError.from(err);
      return e.code === Code.InvalidArgument && errorInfo(e)?.reason === "UNCONVERTIBLE_VALUE";
    },
  );
});

test("derived intensity and growth name their inputs", async () => {
  const listed = await client.listIndicators({ pageSize: 1000, includeDerived: true });
  const derived = listed.indicators.find((i) => i.id === "rd_intensity_derived");
  assert.deepEqual(derived?.derivation?.inputIndicatorIds, ["rd_expenditure", "gdp"]);
  const [o] = await queryAll(client, {
    indicatorIds: ["rd_intensity_derived"],
    regionCodes: ["CN-GD"],
    startPeriod: "2023",
    endPeriod: "2023",
  });
  assert.equal(o.derived, true);
  const [expenditure, gdp] = o.derivation!.inputs.map((i) => i.observation!);
  assert.equal(expenditure.value, 480.26);
  assert.equal(o.value, (expenditure.value / gdp.value) * 100);

  const [growth] = await queryAll(
    client,
    { indicatorIds: ["rd_expenditure"], regionCodes: ["CN-GD"], startPeriod: "2023", endPeriod: "2023", sourceMode: SourceMode.PREFERRED },
    1000,
    { transform: ValueTransform.GROWTH },
  );
  const [current, previous] = growth.derivation!.inputs.map((i) => i.observation!);
  assert.deepEqual([current.value, previous.value, previous.period], [480.26, 441.19, "2022"]);
});

test("the provinces add up to the national total, and search forgives a typo", async () => {
  const sums = await client.aggregateObservations({
    indicatorId: "rd_expenditure",
    parentRegionCode: "CN",
    startPeriod: "2012",
    endPeriod: "2023",
  });
  assert.equal(sums.aggregates.length, 12);
  for (const a of sums.aggregates) {
    assert.equal(`${a.reportingRegions}/${a.expectedRegions}`, "31/31");
    assert.ok(Math.abs(a.shareOfPublishedTotal - 1) < 0.001, String(a.shareOfPublishedTotal));
  }
  const found = await client.searchCatalog({ query: "guangdon" });
  const regions = found.results.flatMap((r) => (r.item.case === "region" ? [r.item.value.code] : []));
  assert.equal(regions[0], "CN-GD");
});
