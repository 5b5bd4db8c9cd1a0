#!/usr/bin/env bash
# The container image's steps, replayed without a container engine (CI has
# none): the build stage's inputs compiled in a temp dir, a runtime dir with
# the production dependencies only (npm ci --omit=dev), the app started as the
# image starts it (its ENV, a clean environment, a data "volume", non-root when
# this runs as root), then: /readyz reaches 200, the Dockerfile's own
# HEALTHCHECK command passes, a key bootstrapped with the CLI is accepted on a
# proxied route through the gateway, and SIGTERM ends the process with exit 0.
#
# Uses the `node` on PATH: CI runs it on the image's Node major (24).
# Native addon: the install runs with --ignore-scripts, and the better-sqlite3
# binary already built in this checkout (for this same Node and the same
# better-sqlite3 version, checked below) is copied in. Compiling SQLite again
# would take about two minutes on CI's two cores and produce the same file.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# What the Dockerfile copies from the build context (build stage, runtime
# stage) and the runtime stage's ENV. test/deploy/image-smoke.test.ts keeps
# these three in step with the Dockerfile.
BUILD_INPUTS=(package.json package-lock.json tsconfig.json tsconfig.build.json core admin gateway config commands cli.ts dashboard)
RUNTIME_INPUTS=('config/*.yaml')
IMAGE_ENV=(NODE_ENV=production HOST=0.0.0.0 DATABASE_PATH=/data/bullseye.db POLICY_PATH=/app/config/policy.yaml)

ADDON=node_modules/better-sqlite3/build/Release/better_sqlite3.node
node_bin=$(command -v node)
work=$(mktemp -d "${TMPDIR:-/tmp}/bullseye-image-smoke.XXXXXX")
pid=
started=$SECONDS

cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf 'image-smoke: %s\n' "$*"; }
fail() {
  printf 'image-smoke: FAILED: %s\n' "$*" >&2
  if [ -f "$work/server.log" ]; then echo '--- server log (last 40 lines) ---' >&2; tail -n 40 "$work/server.log" >&2; fi
  exit 1
}

step "node $("$node_bin" --version) at $node_bin"

# --- Build stage: COPY the inputs, `npm run build` (tsc). The checkout's
# node_modules stands in for the stage's `npm ci`, dev dependencies included.
build=$work/build
mkdir -p "$build"
for input in "${BUILD_INPUTS[@]}"; do cp -R "$repo/$input" "$build/"; done
ln -s "$repo/node_modules" "$build/node_modules"
(cd "$build" && "$node_bin" node_modules/typescript/bin/tsc -p tsconfig.build.json) || fail 'build stage: tsc failed'
# npm run build's second half: the dashboard's modules and static files into dist/dashboard.
(cd "$build" && "$node_bin" node_modules/typescript/bin/tsc -p dashboard/tsconfig.json && "$node_bin" dashboard/build.mjs) ||
  fail 'build stage: the dashboard build failed'
step "build stage: compiled $(find "$build/dist" -name '*.js' | wc -l) files"

# --- Runtime stage: dist/, package.json, production node_modules, config/*.yaml.
app=$work/app
data=$work/data
mkdir -p "$app/config" "$data"
cp -R "$build/dist" "$app/dist"
cp "$build/package.json" "$build/package-lock.json" "$app/"
others=$(cd "$app" && "$node_bin" -e '
  const lock = JSON.parse(require("fs").readFileSync("package-lock.json", "utf8"));
  const names = Object.entries(lock.packages).filter(([, p]) => p.hasInstallScript && !p.dev).map(([path]) => path);
  console.log(names.filter((path) => path !== "node_modules/better-sqlite3").join(" "));')
[ -z "$others" ] || fail "more runtime packages need install scripts ($others): --ignore-scripts would skip them"
(cd "$app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error) || fail 'npm ci --omit=dev failed'
rm "$app/package-lock.json" # the image copies package.json alone
want=$("$node_bin" -p "require('$repo/node_modules/better-sqlite3/package.json').version")
got=$("$node_bin" -p "require('$app/node_modules/better-sqlite3/package.json').version")
[ "$want" = "$got" ] || fail "better-sqlite3 $got in the lockfile, $want built in this checkout: run npm ci"
mkdir -p "$(dirname "$app/$ADDON")"
cp "$repo/$ADDON" "$app/$ADDON"
for input in "${RUNTIME_INPUTS[@]}"; do cp $repo/$input "$app/config/"; done # unquoted: the glob expands
step "runtime stage: $(ls "$app/node_modules" | wc -l) production packages"

# Free ports for the four listeners. The shipped policy is used as shipped:
# its admin@internal upstream follows whatever ADMIN_PORT is.
read -r gateway_port admin_port sync_port ops_port < <("$node_bin" -e '
  const net = require("net");
  Promise.all([0, 1, 2, 3].map(() => new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => resolve(server));
  }))).then((servers) => {
    console.log(servers.map((s) => s.address().port).join(" "));
    servers.forEach((s) => s.close());
  });')

# The image's environment and nothing else from this shell: /app and /data
# map to the temp dirs. As root, run as nobody with /app read-only to it.
runtime_env=("PATH=$(dirname "$node_bin"):/usr/local/bin:/usr/bin:/bin")
for pair in "${IMAGE_ENV[@]}"; do
  key=${pair%%=*} value=${pair#*=}
  case $value in /data/*) value=$data${value#/data} ;; /app/*) value=$app${value#/app} ;; esac
  runtime_env+=("$key=$value")
done
runtime_env+=(GATEWAY_PORT="$gateway_port" ADMIN_PORT="$admin_port" SYNC_PORT="$sync_port" OPS_PORT="$ops_port")
as_user=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  chmod 755 "$work"
  chown 65534:65534 "$data"
  if setpriv --reuid=65534 --regid=65534 --clear-groups "$node_bin" -e 0 2>/dev/null; then
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  fi
fi
in_image() { (cd "$app" && exec env -i "${runtime_env[@]}" "${as_user[@]}" "$@"); }
step "running as uid $(in_image "$node_bin" -p 'process.getuid()'), data in $data"

# GET through node's fetch (curl may be absent); prints "<status> <x-ratelimit-limit>". The key comes in KEY.
get() {
  KEY=${KEY:-} "$node_bin" -e '
    const headers = process.env.KEY ? { "x-api-key": process.env.KEY } : {};
    fetch(process.argv[1], { headers, signal: AbortSignal.timeout(5000) })
      .then((r) => console.log(r.status, r.headers.get("x-ratelimit-limit") ?? "-"), () => console.log("0 -"));' "$1"
}

# --- Start as ENTRYPOINT ["node", "dist/cli.js"] CMD ["start"]: one subshell that
# execs env, setpriv and node in turn, so $pid is node itself and gets the SIGTERM.
(cd "$app" && exec env -i "${runtime_env[@]}" "${as_user[@]}" "$node_bin" dist/cli.js start) >"$work/server.log" 2>&1 &
pid=$!
deadline=$((SECONDS + 30))
until [ "$(get "http://127.0.0.1:$ops_port/readyz")" = '200 -' ]; do
  kill -0 "$pid" 2>/dev/null || fail 'the process exited before /readyz answered 200'
  [ "$SECONDS" -lt "$deadline" ] || fail '/readyz did not answer 200 within 30 s'
  sleep 0.2
done
step "/readyz 200 on :$ops_port"

# The Dockerfile's HEALTHCHECK command, as the engine would run it inside the container.
mapfile -t healthcheck < <("$node_bin" -e '
  const text = require("fs").readFileSync(process.argv[1], "utf8").replace(/\\\n/g, " ");
  const line = text.split("\n").find((l) => l.startsWith("HEALTHCHECK "));
  for (const arg of JSON.parse(line.slice(line.indexOf(" CMD ") + 5))) console.log(arg);' "$repo/Dockerfile")
in_image "${healthcheck[@]}" || fail "the Dockerfile's HEALTHCHECK command failed"
step 'HEALTHCHECK command exits 0'

# Bootstrap a key with the CLI on the same database, then call a proxied route with it.
created=$(in_image "$node_bin" dist/cli.js keys create --org smoke --name image-smoke --scopes read) || fail 'keys create failed'
key=$("$node_bin" -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).plainKey)' <<<"$created")
route="http://127.0.0.1:$gateway_port/api/v1/organization/smoke/api-keys"
[ "$(get "$route" | cut -d' ' -f1)" = 401 ] || fail "GET $route without a key did not answer 401"
deadline=$((SECONDS + 15))
# The gateway sees the CLI's commit at its next poll of the database.
until answer=$(KEY=$key get "$route") && [ "${answer%% *}" = 200 ]; do
  kill -0 "$pid" 2>/dev/null || fail 'the process exited while serving'
  [ "$SECONDS" -lt "$deadline" ] || fail "GET $route with the new key answered ${answer%% *}, not 200, within 15 s"
  sleep 0.2
done
[ "${answer#* }" != - ] || fail 'the proxied answer has no X-RateLimit-Limit: it did not pass the gateway'
step "GET /api/v1/organization/smoke/api-keys through the gateway: 401 without a key, 200 with it (limit ${answer#* })"

# prom-client is a runtime dependency: the production install must serve /metrics, counting the traffic above.
"$node_bin" -e '
  fetch(process.argv[1]).then(async (r) => {
    const text = await r.text();
    const series = /^bullseye_gateway_requests_total\{[^}]*route="\/api\/v1\/organization\/\{organization_id\}\/api-keys"/m;
    process.exit(r.status === 200 && series.test(text) ? 0 : 1);
  }, () => process.exit(1));' "http://127.0.0.1:$ops_port/metrics" || fail "/metrics does not count the requests by route template"
step '/metrics counts the requests by route template'

# The dashboard's files are in the image: the page, from the admin service.
[ "$(get "http://127.0.0.1:$admin_port/dashboard" | cut -d' ' -f1)" = 200 ] || fail 'GET /dashboard on the admin did not answer 200'
step 'GET /dashboard on the admin: 200'

# --- docker stop: SIGTERM to node, which drains and exits 0.
kill -TERM "$pid"
deadline=$((SECONDS + 20))
while kill -0 "$pid" 2>/dev/null; do
  [ "$SECONDS" -lt "$deadline" ] || fail 'still running 20 s after SIGTERM'
  sleep 0.1
done
code=0
wait "$pid" || code=$?
pid=
[ "$code" = 0 ] || fail "exit code $code after SIGTERM"
grep -q '"msg":"stopped"' "$work/server.log" || fail 'no "stopped" log line after SIGTERM'
[ -f "$data/bullseye.db" ] || fail 'no database in the data volume'
step "SIGTERM: exit 0 after a clean stop; image smoke passed in $((SECONDS - started)) s"
