// The names behind the ids a figure carries (indicators, regions, sources),
// read from the service once per dataset version and kept until a response
// names another version, so that every answer can spell out its sources
// without a call per source.

import type { Indicator, IndicatorClient, Region, Source } from "indicators-client";
import type { Names } from "./figures.js";

export class Catalog implements Names {
  private version = "";
  private loading: Promise<void> | undefined;
  private indicators = new Map<string, Indicator>();
  private regions = new Map<string, Region>();
  private sources = new Map<string, Source>();

  constructor(private readonly client: IndicatorClient) {}

  /** Makes sure the names are those of `datasetVersion` (or newer). */
  async ensure(datasetVersion: string): Promise<Names> {
    if (datasetVersion !== this.version || this.version === "") {
      this.loading ??= this.load().finally(() => (this.loading = undefined));
      await this.loading;
    }
    return this;
  }

  indicator(id: string): Indicator | undefined {
    return this.indicators.get(id);
  }
  regionName(code: string): string {
    return this.regions.get(code)?.name ?? "";
  }
  source(id: string): Source | undefined {
    return this.sources.get(id);
  }
  allIndicators(): Indicator[] {
    return [...this.indicators.values()];
  }
  allRegions(): Region[] {
    return [...this.regions.values()];
  }
  allSources(): Source[] {
    return [...this.sources.values()];
  }

  private async load(): Promise<void> {
    const indicators = new Map<string, Indicator>();
    const regions = new Map<string, Region>();
    const sources = new Map<string, Source>();
    let version = "";
    for (let token = ""; ; ) {
      const page = await this.client.listIndicators({ pageSize: 1000, pageToken: token, includeDerived: true });
      for (const i of page.indicators) indicators.set(i.id, i);
      version = page.datasetVersion;
      if ((token = page.nextPageToken) === "") break;
    }
    for (let token = ""; ; ) {
      const page = await this.client.listRegions({ pageSize: 1000, pageToken: token });
      for (const r of page.regions) regions.set(r.code, r);
      if ((token = page.nextPageToken) === "") break;
    }
    for (let token = ""; ; ) {
      const page = await this.client.listSources({ pageSize: 1000, pageToken: token });
      for (const s of page.sources) sources.set(s.id, s);
      if ((token = page.nextPageToken) === "") break;
    }
    this.indicators = indicators;
    this.regions = regions;
    this.sources = sources;
    this.version = version;
  }
}
