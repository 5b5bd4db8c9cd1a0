// nginx as a plain reverse proxy, the C reference, when it is installed. One
// worker (the gateway is one Node process too), keep-alive both ways, no
// access log, everything in a scratch prefix so it needs no root and touches
// nothing of the machine's own nginx.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_PATH, findExecutable, type BenchContext } from '../context.js';
import { answers } from '../http.js';
import { freePort } from '../ports.js';
import type { Upstream } from './upstream.js';
import { unavailable, type Prepared } from './types.js';

const ID = 'nginx';
const LABEL = 'nginx (1 worker)';

export function nginxConfig(prefix: string, port: number, upstreamPort: number): string {
  const temp = (name: string) => join(prefix, 'temp', name);
  return `worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${temp('body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  keepalive_timeout 120s;
  keepalive_requests 10000000;
  upstream app {
    server 127.0.0.1:${upstreamPort};
    keepalive 128;
    keepalive_requests 10000000;
    keepalive_timeout 120s;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

export async function startNginx(ctx: BenchContext, upstream: Upstream): Promise<Prepared> {
  const nginx = findExecutable('nginx');
  if (!nginx) return unavailable(ID, LABEL, 'nginx is not installed (skipped)');
  const prefix = join(ctx.workDir, 'nginx');
  mkdirSync(join(prefix, 'temp'), { recursive: true });
  const port = await freePort();
  writeFileSync(join(prefix, 'nginx.conf'), nginxConfig(prefix, port, upstream.port));
  const origin = `http://127.0.0.1:${port}`;
  try {
    await ctx.group.start({
      name: 'nginx',
      command: nginx,
      // -e: the startup error log, before the config's own is read (else /var/log/nginx, often not writable).
      args: ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log'), '-g', 'daemon off;'],
      ready: () => answers(origin + BENCH_PATH, 200),
      readyTimeoutMs: 10_000,
      underTest: true,
    });
  } catch (err) {
    return unavailable(ID, LABEL, `nginx did not start: ${firstLine(err)}`);
  }
  return { ok: true, target: { id: ID, label: LABEL, url: origin + BENCH_PATH, headers: {}, expectHeaders: [] } };
}

const firstLine = (err: unknown): string => String((err as Error).message ?? err).split('\n')[0] ?? '';
