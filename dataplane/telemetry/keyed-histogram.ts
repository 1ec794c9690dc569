// A Prometheus histogram whose series are found by a key the caller already has (the label values
// joined), registered with a prom-client registry and exported exactly as prom-client's Histogram
// exports one (same values, same order, so the /metrics text is the same). prom-client's
// `observe` validates the labels, hashes them (sorting their names) and allocates on every call:
// ~1 µs a request per histogram in the data plane's drain (issue 20); here an observation of a
// known series is a map lookup, a bucket search and two additions.
import type { Registry } from "prom-client";

type Labels = Record<string, string>;

interface Series {
  labels: Labels;
  /** Per upper bound (not cumulative), as prom-client keeps them. */
  counts: number[];
  sum: number;
  count: number;
}

interface ExportedValue {
  labels: Record<string, string | number>;
  sharedLabels: Labels;
  value: number;
  metricName: string;
  exemplar?: null;
}

export class KeyedHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly upperBounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /**
   * One observation of the series `key`; false (nothing recorded) when the histogram has no such
   * series yet: then `open` it with its labels.
   */
  observe(key: string, value: number): boolean {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const series = this.series.get(key);
    if (series === undefined) return false;
    this.add(series, value);
    return true;
  }

  /** The first observation of the series `key`, whose label values are `labels`. */
  open(key: string, labels: Labels, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const series = { labels, counts: this.upperBounds.map(() => 0), sum: 0, count: 0 };
    this.series.set(key, series);
    this.add(series, value);
  }

  private add(series: Series, value: number): void {
    series.sum += value;
    series.count += 1;
    const bounds = this.upperBounds;
    for (let index = 0; index < bounds.length; index++) {
      if (value <= (bounds[index] as number)) {
        (series.counts[index] as number) += 1;
        break;
      }
    }
  }

  /** What prom-client's Histogram gives the registry for the text format. */
  async getForPromString() {
    const bucket = `${this.name}_bucket`;
    const values: ExportedValue[] = [];
    for (const series of this.series.values()) {
      let cumulative = 0;
      this.upperBounds.forEach((bound, index) => {
        cumulative += series.counts[index] as number;
        values.push(exported({ le: bound }, cumulative, bucket, series.labels, null));
      });
      values.push(
        exported({ le: "+Inf" }, series.count, bucket, series.labels, null),
        exported({}, series.sum, `${this.name}_sum`, series.labels),
        exported({}, series.count, `${this.name}_count`, series.labels),
      );
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    };
  }

  /** prom-client's Histogram.get(): the series' labels merged into each value's. */
  async get() {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ sharedLabels, labels, ...value }) => ({
        ...value,
        labels: { ...labels, ...sharedLabels },
      })),
    };
  }

  reset(): void {
    this.series = new Map();
  }
}

function exported(
  labels: Record<string, string | number>,
  value: number,
  metricName: string,
  sharedLabels: Labels,
  exemplar?: null,
): ExportedValue {
  return { labels, sharedLabels, value, metricName, exemplar };
}
