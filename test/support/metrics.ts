/** The value of one series (`name{labels}` exactly as printed) in a Prometheus text page; NaN when it is absent. */
export function metricValue(page: string, series: string): number {
  return Number(
    page
      .split('\n')
      .find((l) => l.startsWith(`${series} `))
      ?.slice(series.length + 1),
  );
}
