// The hot-path metric primitives render as ordinary Prometheus series.
import { Registry } from 'prom-client';
import t from 'tap';
import { FastCounter, FastHistogram } from '../../core/fast-metrics.js';

t.test('a histogram renders cumulative buckets, +Inf, sum and count per label set', async (t) => {
  const registry = new Registry();
  const histogram = new FastHistogram('x_seconds', 'help text', registry, [0.1, 1]);
  const child = histogram.child({ upstream: 'app' });
  t.equal(histogram.child({ upstream: 'app' }), child, 'one child per label set');
  for (const value of [0.05, 0.1, 0.5, 5]) child.observe(value);
  t.equal(
    await registry.metrics(),
    [
      '# HELP x_seconds help text',
      '# TYPE x_seconds histogram',
      'x_seconds_bucket{upstream="app",le="0.1"} 2',
      'x_seconds_bucket{upstream="app",le="1"} 3',
      'x_seconds_bucket{upstream="app",le="+Inf"} 4',
      'x_seconds_sum{upstream="app"} 5.65',
      'x_seconds_count{upstream="app"} 4',
      '',
    ].join('\n'),
  );
});

t.test('a counter renders one series per label set, and merges into another registry', async (t) => {
  const registry = new Registry();
  const counter = new FastCounter('y_total', 'help', registry);
  counter.child({ route: '/a', status_class: '2xx' }).value += 2;
  counter.child({ route: '/a', status_class: '4xx' }).value += 1;
  const merged = Registry.merge([registry, new Registry()]);
  const text = await merged.metrics();
  t.match(text, 'y_total{route="/a",status_class="2xx"} 2');
  t.match(text, 'y_total{route="/a",status_class="4xx"} 1');
  t.match(text, '# TYPE y_total counter');
});
