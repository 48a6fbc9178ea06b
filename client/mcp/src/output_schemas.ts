// The output schema of each tool (JSON Schema of its structured content):
// MCP clients validate answers against it, and an assistant learns from it
// what each figure carries. The shapes are those src/figures.ts and
// src/tools.ts build.

const str = { type: "string" };
const num = { type: "number" };
const int = { type: "integer" };
const bool = { type: "boolean" };
const strings = { type: "array", items: str };

function object(properties: Record<string, unknown>, optional: string[] = []) {
  return {
    type: "object",
    properties,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
  };
}

const source = object({
  id: str,
  publisher: str,
  title: str,
  published: { type: "string", description: "YYYY-MM-DD, YYYY-MM or YYYY; empty when the source states none." },
  url: str,
  reliability: { type: "string", enum: ["official", "official_mirror", "aggregator", "news", "unverified", "unspecified", "unknown"] },
});

const observation = object(
  {
    indicatorId: str,
    indicatorName: str,
    regionCode: str,
    regionName: str,
    period: str,
    value: { type: "number", description: "The figure as stated, before scaling: the amount is value × 10^unitMultiplier unit." },
    qualifier: {
      type: "string",
      enum: ["exact", "about", "over", "under", "nearly"],
      description: "How the source hedged the figure: an 'over' figure is a lower bound, never the exact amount.",
    },
    unit: str,
    unitMultiplier: int,
    asStated: { type: "string", description: "The value as it may be quoted: qualifier, number, scale and unit ('over 75,000 enterprises')." },
    status: { type: "string", enum: ["final", "preliminary", "estimate"] },
    reliability: str,
    derived: { type: "boolean", description: "Computed by the service from other figures, never published by a source." },
    note: str,
    sources: { type: "array", items: source },
    conversion: object(
      { originalValue: num, originalUnit: str, originalUnitMultiplier: int, originalAsStated: str, rate: object({ asStated: str, period: str, sourceIds: strings }) },
      ["rate"],
    ),
    derivation: object({
      formula: str,
      inputs: {
        type: "array",
        items: object({ role: str, indicatorId: str, regionCode: str, period: str, asStated: str, status: str, sourceIds: strings }),
      },
    }),
  },
  ["conversion", "derivation"],
);

const warnings = { type: "array", items: object({ code: str, message: str, figureCount: int }) };

const indicator = object(
  {
    id: str,
    name: str,
    unit: str,
    unitMultiplier: int,
    unitAsStated: str,
    description: str,
    aggregation: { type: "string", enum: ["sum", "none"] },
    derivation: object({ formula: str, inputIndicatorIds: strings, publishedEquivalentId: str }),
  },
  ["derivation"],
);

const region = object({ code: str, name: str, type: str, parentCode: str });

const coverage = object({ indicatorId: str, observationCount: int, regionCount: int, firstPeriod: str, lastPeriod: str, sourceCount: int });

export const OUTPUT_SCHEMAS: Record<string, Record<string, unknown>> = {
  query_observations: object({
    datasetVersion: str,
    observations: { type: "array", items: observation },
    returned: int,
    remaining: int,
    remainingIsExact: bool,
    nextPageToken: str,
    warnings,
  }),
  aggregate_regions: object({
    datasetVersion: str,
    aggregates: {
      type: "array",
      items: object(
        {
          period: str,
          aggregate: observation,
          expectedRegions: int,
          reportingRegions: int,
          missingRegionCodes: strings,
          publishedTotal: observation,
          shareOfPublishedTotal: num,
        },
        ["publishedTotal"],
      ),
    },
    warnings,
  }),
  figure_history: object({
    datasetVersion: str,
    vintages: {
      type: "array",
      items: object({ observation, knownFrom: str, recordedIn: int, supersededIn: int, withdrawn: bool }),
    },
  }),
  search_catalog: object({
    datasetVersion: str,
    results: {
      type: "array",
      items: object(
        { kind: { type: "string", enum: ["indicator", "region", "source", "unknown"] }, score: num, matchedTerms: strings, indicator, region, source },
        ["indicator", "region", "source"],
      ),
    },
  }),
  describe_indicator: object({
    datasetVersion: str,
    indicator: {
      ...indicator,
      properties: {
        ...indicator.properties,
        coverage: object({ observationCount: int, regionCount: int, firstPeriod: str, lastPeriod: str, sourceCount: int }),
      },
    },
  }),
  describe_region: object({ datasetVersion: str, region }),
  describe_source: object({ datasetVersion: str, source: { ...source, properties: { ...source.properties, note: str } } }),
  list_indicators: object({ datasetVersion: str, indicators: { type: "array", items: indicator }, nextPageToken: str }),
  list_regions: object({ datasetVersion: str, regions: { type: "array", items: region }, nextPageToken: str }),
  dataset_info: object({
    datasetVersion: str,
    loadTime: str,
    revision: int,
    source: str,
    staleSince: str,
    indicatorCount: int,
    regionCount: int,
    sourceCount: int,
    observationCount: int,
    coverage: { type: "array", items: coverage },
  }),
};
