/**
 * Load benchmark: prints figures, asserts nothing. Run with `npm run bench`.
 *
 * 1. builds a realistic data set in a fresh temporary DATA_DIR (bench/generate.ts);
 * 2. starts `node dist/main.js` in production mode and times its cold start (spawn → first 200 on /healthz);
 * 3. serves the home page's exact bytes from a bare node:http server in another process: the ceiling;
 * 4. loads the home page and a content page on the app, and the ceiling, with autocannon;
 * 5. reads the app's RSS after the load; 6. prints a table with the targets, and writes JSON;
 * 7. stops every child process and removes the temporary folder.
 *
 * Environment: BENCH_SECONDS (default 10) per measured run, BENCH_WARMUP_SECONDS (default 2),
 * BENCH_CONNECTIONS (default 50), BENCH_COLD_STARTS (default 3), BENCH_PAGES (200), BENCH_NEWS (1000),
 * BENCH_KEEP=1 keeps the temporary folder.
 * It exits non-zero only when it cannot run at all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { generate } from './generate.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mainJs = path.join(root, 'dist', 'main.js');
/** The app starts with the same Node flags as `npm start` (e.g. its heap settings). */
const startFlags = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.start as string).split(/\s+/).filter((a) => a.startsWith('--'));

const num = (name: string, fallback: number) => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const SECONDS = num('BENCH_SECONDS', 10);
const WARMUP_SECONDS = num('BENCH_WARMUP_SECONDS', 2);
const CONNECTIONS = Math.round(num('BENCH_CONNECTIONS', 50));
const COLD_STARTS = Math.round(num('BENCH_COLD_STARTS', 3));
const PAGES = Math.round(num('BENCH_PAGES', 200));
const NEWS = Math.round(num('BENCH_NEWS', 1000));
const KEEP = process.env.BENCH_KEEP === '1';
const CONTENT_PATH = '/about';

const TARGETS = {
  directoryP95Ms: 30,
  homeRatio: 0.5,
  p99Ms: 10,
  coldStartMs: 1000,
  rssMb: 120,
};

// ---------------------------------------------------------------------------------------------
// Child processes

interface Child {
  name: string;
  proc: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

const children = new Set<Child>();

function startChild(name: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const proc = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const child = { name, proc, output, exited };
  children.add(child);
  void exited.then(() => children.delete(child));
  return child;
}

async function stopChild(child: Child) {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), 3000);
  await child.exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One GET with a fresh connection; resolves to the status code, or 0 when nothing answers. */
function probe(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(0));
  });
}

/** Poll `url` every few ms until it answers 200; returns ms since `since`. */
async function waitFor200(child: Child, url: string, since: number, limitMs = 30_000): Promise<number> {
  for (;;) {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) {
      throw new Error(`${child.name} exited (${child.proc.exitCode ?? child.proc.signalCode}) before answering:\n${child.output.join('')}`);
    }
    if ((await probe(url)) === 200) return performance.now() - since;
    if (performance.now() - since > limitMs) throw new Error(`${child.name} did not answer 200 on ${url} within ${limitMs} ms:\n${child.output.join('')}`);
    await new Promise((r) => setTimeout(r, 3));
  }
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface LoadFigures {
  page: string;
  /** Server CPU time (user + system, all threads) per answered request: steadier than req/s on a busy machine. */
  cpuUsPerRequest: number;
  url: string;
  bytes: number;
  reqPerSec: number;
  p50Ms: number;
  /** From every 2xx response's time (autocannon does not print p95). */
  p95Ms: number;
  p97_5Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** The value below which `p` percent of the values fall (nearest rank). */
function percentile(values: number[], p: number) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** CPU time used so far by a process, all threads, in ms (Linux clock ticks are 10 ms). */
function cpuMs(pid: number) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function load(page: string, url: string, bytes: number, pid: number, headers: Record<string, string> = {}): Promise<LoadFigures> {
  process.stdout.write(`  ${page}: warm-up ${WARMUP_SECONDS} s, then ${SECONDS} s with ${CONNECTIONS} connections… `);
  await autocannon({ url, headers, connections: CONNECTIONS, duration: WARMUP_SECONDS });
  const cpuBefore = cpuMs(pid);
  // autocannon prints fixed percentiles (p90, p97.5, …); every response time is kept to read p95 exactly.
  const times: number[] = [];
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon({ url, headers, connections: CONNECTIONS, duration: SECONDS }, (err, result) => (err ? reject(err) : resolve(result)));
    run.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) times.push(responseTime);
    });
  });
  const cpuAfter = cpuMs(pid);
  const figures = {
    page,
    cpuUsPerRequest: r.requests.total > 0 ? ((cpuAfter - cpuBefore) * 1000) / r.requests.total : NaN,
    url,
    bytes,
    reqPerSec: r.requests.average,
    p50Ms: r.latency.p50,
    p95Ms: percentile(times, 95),
    p97_5Ms: r.latency.p97_5,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
  process.stdout.write(`${Math.round(figures.reqPerSec)} req/s\n`);
  return figures;
}

/** Log in as a member like a browser does (the form's CSRF token, then the session cookie); returns the Cookie header a browser would then send. */
async function logIn(base: string, email: string, password: string): Promise<string> {
  const page = await fetch(`${base}/login`);
  const csrfCookie = (page.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!token) throw new Error('no CSRF token on /login');
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
    body: new URLSearchParams({ email, password, _csrf: token }).toString(),
  });
  const session = (res.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).find((c) => c?.startsWith('hw_session='));
  if (res.status !== 303 || !session) throw new Error(`log-in as ${email} answered ${res.status}`);
  // A browser sends back every cookie it holds: the session and the form-token cookie.
  return `${session}; ${csrfCookie}`;
}

function memoryOf(pid: number) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

const CEILING_SERVER = `
import fs from 'node:fs';
import http from 'node:http';
const body = fs.readFileSync(process.env.BODY_FILE);
const type = process.env.CONTENT_TYPE;
http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': type, 'content-length': body.length });
  res.end(body);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

// ---------------------------------------------------------------------------------------------
// Reporting

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const met = (ok: boolean) => (ok ? 'met' : 'NOT MET');
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function table(rows: string[][]) {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ');
  const [head, ...body] = rows;
  return [line(head!), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main() {
  if (!fs.existsSync(mainJs)) throw new Error(`${mainJs} is missing; run "npm run build" first (npm run bench does).`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'headworks-bench-'));
  const cleanup = async () => {
    for (const child of [...children]) await stopChild(child);
    if (KEEP) console.log(`Kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  };
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping.`);
    void cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const dataDir = path.join(tmp, 'data');
    const loadBefore = os.loadavg()[0] ?? NaN;
    console.log(`Headworks benchmark on ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'CPU'}, node ${process.version}, load average ${fmt(loadBefore, 2)}`);
    console.log(`Generating the data set in ${dataDir}…`);
    const gen = await generate(dataDir, { pages: PAGES, news: NEWS });
    console.log(`  seeded site + ${gen.pages} pages + ${gen.news} news posts in ${Math.round(gen.ms)} ms`);

    // Cold start: spawn → first 200 on /healthz. Repeated, the median is reported; the last one stays up.
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const appEnv = {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      BASE_URL: base,
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      ADMIN_EMAIL: '',
      ADMIN_PASSWORD: '',
    };
    console.log(`Cold start (${COLD_STARTS}×)…`);
    const coldStarts: number[] = [];
    let app: Child | undefined;
    for (let i = 0; i < COLD_STARTS; i++) {
      if (app) await stopChild(app);
      const t0 = performance.now();
      app = startChild('the app', [...startFlags, mainJs], appEnv);
      coldStarts.push(await waitFor200(app, `${base}/healthz`, t0));
    }
    if (!app?.proc.pid) throw new Error('the app did not start');
    const appPid = app.proc.pid;
    const coldStartMs = median(coldStarts);
    console.log(`  ${coldStarts.map((ms) => `${Math.round(ms)} ms`).join(', ')} (median ${Math.round(coldStartMs)} ms)`);
    const idleMemory = memoryOf(appPid);

    // The exact bytes the app serves.
    const fetchPage = async (p: string) => {
      const res = await fetch(base + p);
      if (res.status !== 200) throw new Error(`GET ${p} answered ${res.status}`);
      return { body: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') ?? 'text/html; charset=utf-8' };
    };
    const home = await fetchPage('/');
    const content = await fetchPage(CONTENT_PATH);
    console.log(`  home page ${home.body.length} bytes, ${CONTENT_PATH} ${content.body.length} bytes (${home.type})`);

    // The ceiling: a bare node:http server answering the home page's bytes, in its own process.
    const ceilingPort = await freePort();
    const bodyFile = path.join(tmp, 'home.html');
    const serverFile = path.join(tmp, 'ceiling.mjs');
    fs.writeFileSync(bodyFile, home.body);
    fs.writeFileSync(serverFile, CEILING_SERVER);
    const ceiling = startChild('the bare server', [serverFile], {
      ...process.env,
      PORT: String(ceilingPort),
      BODY_FILE: bodyFile,
      CONTENT_TYPE: home.type,
    });
    const ceilingBase = `http://127.0.0.1:${ceilingPort}`;
    await waitFor200(ceiling, `${ceilingBase}/`, performance.now());

    console.log('Load:');
    const ceilingPid = ceiling.proc.pid ?? 0;
    const homeRun = await load('home / (app)', `${base}/`, home.body.length, appPid);
    const contentRun = await load(`content ${CONTENT_PATH} (app)`, `${base}${CONTENT_PATH}`, content.body.length, appPid);
    // Memory after the public pages' load (the issue 2 target); the directory run is measured apart.
    const memory = memoryOf(appPid);

    // A signed-in member searching the directory (over the generated members).
    const session = await logIn(base, gen.directory.email, gen.directory.password);
    const directoryPath = `/directory?q=${encodeURIComponent(gen.directory.query)}`;
    const directoryPage = await fetch(base + directoryPath, { headers: { cookie: session } });
    if (directoryPage.status !== 200) throw new Error(`GET ${directoryPath} as a member answered ${directoryPage.status}`);
    const directoryBytes = Buffer.byteLength(await directoryPage.text());
    const directoryRun = await load(`directory search (member, ${gen.directory.members} members)`, base + directoryPath, directoryBytes, appPid, { cookie: session });
    const memoryAfterDirectory = memoryOf(appPid);
    const ceilingRun = await load('home bytes (bare node:http)', `${ceilingBase}/`, home.body.length, ceilingPid);
    const loadAfter = os.loadavg()[0] ?? NaN;

    const ratio = (r: LoadFigures) => r.reqPerSec / ceilingRun.reqPerSec;
    const rows = [
      ['page', 'bytes', 'req/s', 'p50 ms', 'p95 ms', 'p97.5 ms', 'p99 ms', 'max ms', 'app/ceiling', 'server CPU µs/req', 'non-2xx', 'errors'],
      ...[homeRun, contentRun, directoryRun, ceilingRun].map((r) => [
        r.page,
        String(r.bytes),
        fmt(r.reqPerSec),
        fmt(r.p50Ms, 1),
        fmt(r.p95Ms, 1),
        fmt(r.p97_5Ms, 1),
        fmt(r.p99Ms, 1),
        fmt(r.maxMs, 1),
        r === ceilingRun ? '(ceiling)' : `${fmt(ratio(r) * 100, 1)} %`,
        fmt(r.cpuUsPerRequest, 1),
        String(r.non2xx),
        String(r.errors + r.timeouts),
      ]),
    ];

    const checks = [
      { what: 'home page throughput', figure: `${fmt(ratio(homeRun) * 100, 1)} % of ceiling`, target: `>= ${TARGETS.homeRatio * 100} %`, ok: ratio(homeRun) >= TARGETS.homeRatio },
      { what: 'home page p99 latency', figure: `${fmt(homeRun.p99Ms, 1)} ms`, target: `< ${TARGETS.p99Ms} ms`, ok: homeRun.p99Ms < TARGETS.p99Ms },
      { what: `${CONTENT_PATH} p99 latency`, figure: `${fmt(contentRun.p99Ms, 1)} ms`, target: `< ${TARGETS.p99Ms} ms`, ok: contentRun.p99Ms < TARGETS.p99Ms },
      {
        what: 'directory search p95',
        figure: `${fmt(directoryRun.p95Ms, 1)} ms (p97.5 ${fmt(directoryRun.p97_5Ms, 1)} ms)`,
        target: `< ${TARGETS.directoryP95Ms} ms`,
        ok: directoryRun.p95Ms < TARGETS.directoryP95Ms,
      },
      { what: 'cold start (median)', figure: `${fmt(coldStartMs)} ms`, target: `< ${TARGETS.coldStartMs} ms`, ok: coldStartMs < TARGETS.coldStartMs },
      { what: 'RSS after the page loads', figure: `${fmt(memory.rssMb, 1)} MB`, target: `< ${TARGETS.rssMb} MB`, ok: memory.rssMb < TARGETS.rssMb },
    ];

    console.log(`\nResults (${CONNECTIONS} connections, ${SECONDS} s per page after a ${WARMUP_SECONDS} s warm-up):\n`);
    console.log(table(rows));
    console.log(`(The ceiling serves the home page's bytes; the ${CONTENT_PATH} ratio is against that same ceiling.)\n`);
    console.log(table([['target', 'figure', 'target', ''], ...checks.map((c) => [c.what, c.figure, c.target, met(c.ok)])]));
    console.log(
      `\nCold starts: ${coldStarts.map((ms) => fmt(ms)).join(', ')} ms. ` +
        `App memory: ${fmt(idleMemory.rssMb, 1)} MB idle after start, ${fmt(memory.rssMb, 1)} MB after the page loads, ` +
        `${fmt(memoryAfterDirectory.rssMb, 1)} MB after the directory load (peak ${fmt(memoryAfterDirectory.peakRssMb, 1)} MB).`,
    );
    console.log(
      `Load average (1 min) ${fmt(loadBefore, 2)} before, ${fmt(loadAfter, 2)} after, on ${os.cpus().length} CPUs` +
        (Math.max(loadBefore, loadAfter) > os.cpus().length / 2
          ? ': other processes competed for the CPUs, so req/s and latencies are noisy; server CPU µs/req is steadier.'
          : '.'),
    );
    const failures = [homeRun, contentRun, directoryRun, ceilingRun].filter((r) => r.non2xx || r.errors || r.timeouts);
    if (failures.length) console.log(`Warning: non-2xx answers or errors on ${failures.map((r) => r.page).join(', ')}; the figures are suspect.`);

    const results = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model.trim(), node: process.version, platform: `${os.platform()} ${os.release()}` },
      loadAverage: { before: loadBefore, after: loadAfter },
      settings: { seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, connections: CONNECTIONS, pages: PAGES, news: NEWS },
      dataSet: gen,
      coldStartMs,
      coldStarts,
      memory: { idle: idleMemory, afterLoad: memory },
      runs: { home: homeRun, content: contentRun, ceiling: ceilingRun },
      ratios: { home: ratio(homeRun), content: ratio(contentRun) },
      cpuPerRequestRatios: { home: homeRun.cpuUsPerRequest / ceilingRun.cpuUsPerRequest, content: contentRun.cpuUsPerRequest / ceilingRun.cpuUsPerRequest },
      targets: Object.fromEntries(checks.map((c) => [c.what, { figure: c.figure, target: c.target, met: c.ok }])),
    };
    const resultsFile = path.join(os.tmpdir(), `headworks-bench-${results.date.replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`Figures written to ${resultsFile}`);
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('The benchmark could not run:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
