// Per-request metric primitives. prom-client's labelled inc()/observe()
// validate and hash the label object on every call, a cost paid per request
// on the hot path; these keep plain numbers per
// label set behind a child handle the caller caches, and are rendered by a
// prom-client Registry at scrape time (they implement the shape its
// registerMetric() takes: name, help, type, get()). Failure-path metrics stay
// ordinary prom-client metrics.
import type { Registry } from 'prom-client';

type Labels = Readonly<Record<string, string>>;

interface MetricValue {
  labels: Labels;
  value: number;
  metricName?: string;
}

interface CollectedMetric {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: MetricValue[];
  aggregator: 'sum';
}

abstract class FastMetric<Child> {
  readonly aggregator = 'sum';
  abstract readonly type: 'counter' | 'histogram';
  readonly #children = new Map<string, { labels: Labels; child: Child }>();

  constructor(
    readonly name: string,
    readonly help: string,
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The child for these label values; cache it where it is used on every request. */
  child(labels: Labels): Child {
    const id = JSON.stringify(labels);
    let entry = this.#children.get(id);
    if (!entry) this.#children.set(id, (entry = { labels, child: this.newChild() }));
    return entry.child;
  }

  protected abstract newChild(): Child;
  protected abstract values(labels: Labels, child: Child): MetricValue[];

  get(): CollectedMetric {
    const values: MetricValue[] = [];
    for (const { labels, child } of this.#children.values()) values.push(...this.values(labels, child));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }

  reset(): void {
    this.#children.clear();
  }
}

export interface CounterChild {
  value: number;
}

export class FastCounter extends FastMetric<CounterChild> {
  readonly type = 'counter';
  protected newChild(): CounterChild {
    return { value: 0 };
  }
  protected values(labels: Labels, child: CounterChild): MetricValue[] {
    return [{ labels, value: child.value }];
  }
}

export class HistogramChild {
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; the last slot is above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > (this.bounds[i] as number)) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

export class FastHistogram extends FastMetric<HistogramChild> {
  readonly type = 'histogram';
  constructor(
    name: string,
    help: string,
    registry: Registry,
    private readonly bounds: readonly number[],
  ) {
    super(name, help, registry);
  }
  protected newChild(): HistogramChild {
    return new HistogramChild(this.bounds);
  }
  protected values(labels: Labels, child: HistogramChild): MetricValue[] {
    const values: MetricValue[] = [];
    let cumulative = 0;
    this.bounds.forEach((bound, i) => {
      cumulative += child.counts[i] as number;
      values.push({ labels: { ...labels, le: String(bound) }, value: cumulative, metricName: `${this.name}_bucket` });
    });
    values.push({ labels: { ...labels, le: '+Inf' }, value: child.count, metricName: `${this.name}_bucket` });
    values.push({ labels, value: child.sum, metricName: `${this.name}_sum` });
    values.push({ labels, value: child.count, metricName: `${this.name}_count` });
    return values;
  }
}
