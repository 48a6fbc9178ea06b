// What the page shows, all of it in the URL (the permalink): the indicator,
// the regions, the years, the ranking's year and whether only preferred
// figures are shown.

export interface ExplorerState {
  indicator: string;
  regions: string[];
  from: string;
  to: string;
  year: string;
  preferred: boolean;
}

export const DEFAULT_STATE: ExplorerState = {
  indicator: "rd_expenditure",
  regions: ["CN-GD"],
  from: "2012",
  to: "2023",
  year: "2023",
  preferred: true,
};

export function stateFromUrl(url: URL): ExplorerState {
  const q = url.searchParams;
  const regions = q.get("regions");
  return {
    indicator: q.get("indicator") ?? DEFAULT_STATE.indicator,
    regions: regions === null ? DEFAULT_STATE.regions : regions.split(",").filter(Boolean),
    from: q.get("from") ?? DEFAULT_STATE.from,
    to: q.get("to") ?? DEFAULT_STATE.to,
    year: q.get("year") ?? DEFAULT_STATE.year,
    preferred: q.get("preferred") !== "0",
  };
}

/** The page's address for `state` (same path, the state as the query). */
export function urlOf(state: ExplorerState, base: URL): URL {
  const url = new URL(base.pathname, base);
  url.searchParams.set("indicator", state.indicator);
  url.searchParams.set("regions", state.regions.join(","));
  url.searchParams.set("from", state.from);
  url.searchParams.set("to", state.to);
  url.searchParams.set("year", state.year);
  url.searchParams.set("preferred", state.preferred ? "1" : "0");
  return url;
}

/** The download query (the fields of ObservationFilter) of what is shown. */
export function downloadQuery(state: ExplorerState): string {
  const q = new URLSearchParams();
  q.set("indicator_ids", state.indicator);
  if (state.regions.length) q.set("region_codes", state.regions.join(","));
  if (state.from) q.set("start_period", state.from);
  if (state.to) q.set("end_period", state.to);
  if (state.preferred) q.set("source_mode", "preferred");
  return q.toString();
}
