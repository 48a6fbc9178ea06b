// "Copy as an API call": what is shown, as a command for curl, Python, R
// or buf curl.

import { downloadQuery, type ExplorerState } from "./state.js";

export type Language = "curl" | "python" | "r" | "buf";

/** The QueryObservations request of the series shown, in JSON. */
export function queryJson(state: ExplorerState): string {
  const filter: Record<string, unknown> = { indicatorIds: [state.indicator] };
  if (state.regions.length) filter.regionCodes = state.regions;
  if (state.from) filter.startPeriod = state.from;
  if (state.to) filter.endPeriod = state.to;
  if (state.preferred) filter.sourceMode = "SOURCE_MODE_PREFERRED";
  return JSON.stringify({ filter, pageSize: 1000 });
}

const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

export function apiCall(language: Language, state: ExplorerState, origin: string): string {
  const method = `${origin}/indicators.v1.IndicatorService/QueryObservations`;
  const json = queryJson(state);
  switch (language) {
    case "curl":
      return `curl -s -H 'Content-Type: application/json' -d ${quote(json)} \\\n  ${method}`;
    case "python":
      return `import pandas as pd\nframe = pd.read_csv("${origin}/v1/observations.csv?${downloadQuery(state)}")`;
    case "r": {
      const args = [`indicators = "${state.indicator}"`];
      if (state.regions.length) args.push(`regions = c(${state.regions.map((r) => `"${r}"`).join(", ")})`);
      if (state.from) args.push(`start = "${state.from}"`);
      if (state.to) args.push(`end = "${state.to}"`);
      if (state.preferred) args.push("preferred = TRUE");
      return `library(indicators)\nframe <- indicators_query(indicators_client("${origin}"),\n  ${args.join(",\n  ")})`;
    }
    case "buf":
      return `buf curl --protocol connect --schema proto -d ${quote(json)} \\\n  ${method}`;
  }
}
