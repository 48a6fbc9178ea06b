// Calls every RPC of the indicator service and prints what comes back.
// Usage: node dist/src/example.js [host:port]

import {
  Code,
  ConnectError,
  ObservationStatus,
  Qualifier,
  RegionType,
  SourceMode,
  createIndicatorClient,
  queryAll,
  streamObservations,
  type Observation,
} from "./client.js";

function show(o: Observation): string {
  return [
    o.indicatorId.padEnd(26),
    o.regionCode.padEnd(6),
    o.period.padEnd(7),
    Qualifier[o.qualifier].toLowerCase().padEnd(7),
    String(o.value).padStart(10),
    `x10^${o.unitMultiplier} ${o.unit}`.padEnd(18),
    ObservationStatus[o.status].toLowerCase().padEnd(11),
    o.sourceIds.join(";"),
  ].join(" ");
}

async function main(target: string): Promise<void> {
  const client = createIndicatorClient(target);

  const { dataset } = await client.getDatasetInfo({});
  console.log(`dataset ${dataset?.version.slice(0, 12)}: ${dataset?.observationCount} observations`);

  const { indicators } = await client.listIndicators({ pageSize: 100 });
  console.log(`${indicators.length} indicators, e.g. ${indicators[0].id}`);
  const rd = await client.getIndicator({ id: "rd_expenditure" });
  console.log(`rd_expenditure is in 10^${rd.unitMultiplier} ${rd.unit}`);

  const { regions } = await client.listRegions({ parentCode: "CN", type: RegionType.PROVINCE });
  console.log(`${regions.length} provinces under CN`);
  console.log(`CN-GD is ${(await client.getRegion({ code: "CN-GD" })).name}`);

  const { sources } = await client.listSources({ pageSize: 1000 });
  const seed = await client.getSource({ id: "SEED" });
  console.log(`${sources.length} sources; SEED: ${seed.publisher}, ${seed.published}`);

  console.log("\nGuangdong 2023, every source (QueryObservations):");
  for (const o of await queryAll(client, {
    regionCodes: ["CN-GD"],
    startPeriod: "2023",
    endPeriod: "2023",
  })) {
    console.log(" ", show(o));
  }

  console.log("\nLatest preferred R&D intensity per province (StreamObservations):");
  for await (const o of streamObservations(client, {
    indicatorIds: ["rd_intensity"],
    regionCodes: ["CN"],
    includeSubregions: true,
    latestOnly: true,
    sourceMode: SourceMode.PREFERRED,
  })) {
    console.log(" ", show(o));
  }

  try {
    await client.getIndicator({ id: "no_such_indicator" });
  } catch (err) {
    const error = ConnectError.from(err);
    console.log(`\nan unknown id is ${Code[error.code]}: ${error.rawMessage}`);
  }
}

main(process.argv[2] ?? "127.0.0.1:50051").catch((err) => {
  console.error(err);
  process.exit(1);
});
