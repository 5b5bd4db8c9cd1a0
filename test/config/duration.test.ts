import t from 'tap';
import { MAX_DURATION_MS, parseDuration } from '../../config/duration.js';

t.test('accepted durations', async (t) => {
  const cases: [unknown, number][] = [
    ['250ms', 250],
    ['10s', 10_000],
    ['1m', 60_000],
    ['1h', 3_600_000],
    [1500, 1500],
    [1, 1],
    [MAX_DURATION_MS, MAX_DURATION_MS],
  ];
  for (const [input, ms] of cases) t.same(parseDuration(input), { ok: true, ms }, String(input));
});

t.test('refused durations', async (t) => {
  const cases: [unknown, RegExp][] = [
    ['10 sec', /like 250ms/],
    ['1.5s', /like 250ms/],
    ['10', /like 250ms/],
    ['s', /like 250ms/],
    ['-1s', /like 250ms/],
    ['1d', /like 250ms/],
    ['10S', /like 250ms/],
    [1.5, /like 250ms/],
    [null, /like 250ms/],
    [true, /like 250ms/],
    [0, /greater than zero/],
    ['0ms', /greater than zero/],
    [-5, /greater than zero/],
    ['597h', /at most/],
    [MAX_DURATION_MS + 1, /at most/],
  ];
  for (const [input, problem] of cases) {
    const result = parseDuration(input);
    t.equal(result.ok, false, `${String(input)} is refused`);
    if (!result.ok) t.match(result.problem, problem, String(input));
  }
});
