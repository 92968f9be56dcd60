/**
 * The built-in inspector in a real Chromium, against a real worker (real HTTP to
 * the development control plane, real task threads): the page shows the
 * supervisor moving, the task timeline with final statuses and errors, loads
 * nothing from anywhere but the worker, and never receives a configured secret.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig, secretValues } from '../../config/load.js';
import { startControlPlaneServer, type RunningControlPlane } from '../../control-plane/httpServer.js';
import { createInspection, type Inspection } from '../../inspector/createInspection.js';
import { createWorker, type SplaiWorker } from '../../runtime/createWorker.js';
import { createLogger } from '../../runtime/logger.js';
import { startWorkerHttpServer, type WorkerHttpServer } from '../../runtime/httpServer.js';

const SECRETS = { apiToken: 'tok-FAKE-4f9a1c77e2', remoteApiKey: 'rk-FAKE-88b2d0c3aa', hfToken: 'hf_FAKEq7Wm2ZpR9xT' };
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let controlPlane: RunningControlPlane;
let http: WorkerHttpServer;
let inspection: Inspection;
let worker: SplaiWorker;
let context: BrowserContext;
let page: Page;
let pageUrl: string;
let profile: string;
const cleanups: (() => Promise<unknown>)[] = [];
/** Every URL the page asked for. */
const requested: string[] = [];
/** Everything the event stream sent (a second listener, read by Node). */
let streamed = '';

beforeAll(async () => {
  controlPlane = await startControlPlaneServer({ port: 0, defaultMaxRetries: 0 });
  cleanups.push(() => controlPlane.close());
  http = await startWorkerHttpServer('127.0.0.1:0');
  cleanups.push(() => http.close());
  const artifactRoot = await mkdtemp(join(tmpdir(), 'splai-inspector-art-'));
  cleanups.push(() => rm(artifactRoot, { recursive: true, force: true }));
  const config = resolveConfig({ controlPlaneUrl: controlPlane.url, workerId: 'inspected-worker', artifactRoot, pollMillis: 100, maxParallelTasks: 2, ...SECRETS });
  inspection = createInspection({ setting: 'builtin', secrets: secretValues(config) });
  cleanups.push(async () => inspection.close());
  pageUrl = inspection.mount(http)!;

  const stream = await fetch(`${http.url}/inspect/events`);
  const reader = stream.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    for (let read = await reader.read(); !read.done; read = await reader.read()) streamed += decoder.decode(read.value, { stream: true });
  })().catch(() => undefined);

  profile = await mkdtemp(join(tmpdir(), 'splai-inspector-chromium-'));
  cleanups.push(() => rm(profile, { recursive: true, force: true }));
  context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, viewport: { width: 1440, height: 1100 } });
  cleanups.push(() => context.close());
  page = context.pages()[0] ?? (await context.newPage());
  // The network is cut: only the worker itself answers.
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    requested.push(url);
    if (new URL(url).hostname === '127.0.0.1') await route.continue();
    else await route.abort('internetdisconnected');
  });
  await page.goto(pageUrl);
  await page.locator('#conn.ok').waitFor();

  worker = createWorker({ config, inspect: inspection.inspect!, logger: createLogger({ level: 'silent', format: 'json' }) });
  cleanups.push(() => worker.stop());
  worker.start();
}, 30_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** The supervisor states the page lists, oldest first. */
const shownHistory = () => page.locator('#supervisor-history li').evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset['state'] ?? ''));

/** Whether `wanted` occurs in `seen` in order (other states may sit in between). */
function inOrder(seen: string[], wanted: string[]): boolean {
  let i = 0;
  for (const state of seen) if (state === wanted[i]) i++;
  return i === wanted.length;
}

describe('built-in inspector in Chromium', () => {
  it('shows the supervisor going registering -> idle -> busy -> idle while a task runs, and the task in the timeline', async () => {
    await page.locator('#supervisor-history li[data-state="idle"]').first().waitFor();
    const { job_id } = controlPlane.controlPlane.submitJob({
      tasks: [
        {
          task_id: 'merge-ok',
          type: 'aggregation',
          // A secret inside a value and a credential-named input: neither may reach the page.
          inputs: { items_json: JSON.stringify([{ title: `note ${SECRETS.apiToken}`, owner: 'inspector-test' }]), api_key: SECRETS.hfToken },
        },
      ],
    });
    await controlPlane.controlPlane.waitForJob(job_id!, { timeoutMs: 15_000 });
    const row = page.locator('#timeline tr[data-task="merge-ok"]');
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 10_000 }).toBe('Completed');
    await expect.poll(async () => inOrder(await shownHistory(), ['registering', 'idle', 'busy', 'idle']), { timeout: 10_000 }).toBe(true);
    expect(await row.locator('td').nth(1).textContent()).toBe('aggregation');

    // The actor tree has the whole family, the chart is the supervisor's with its state marked.
    const actors = await page.locator('#actor-tree li').evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset['actor']));
    expect(actors).toEqual(expect.arrayContaining(['supervisor', 'heartbeat', 'poller']));
    await page.locator('#chart .state.active[data-state-id="supervisor.idle"]').waitFor();
    expect(await page.locator('#chart .state[data-state-id="supervisor.draining.aborting"]').count()).toBe(1);
    expect(await page.locator('#chart svg.arrows path[data-from="supervisor.idle"][data-to="supervisor.busy"]').count()).toBe(1);
  });

  it('shows a failed task with its error', async () => {
    const { job_id } = controlPlane.controlPlane.submitJob({
      tasks: [{ task_id: 'merge-bad', type: 'aggregation', inputs: { items_json: JSON.stringify([{ title: 'x', note: SECRETS.remoteApiKey }]), required_fields: 'nope' } }],
    });
    await controlPlane.controlPlane.waitForJob(job_id!, { timeoutMs: 15_000 });
    const row = page.locator('#timeline tr[data-task="merge-bad"]');
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 10_000 }).toBe('Failed');
    const error = await row.locator('td.error').textContent();
    expect(error).toContain('nope');
    // The log keeps the failure too, and filters down to it.
    await page.locator('#log-filter').fill('merge-bad');
    const visible = await page.locator('#log .log-row:not(.hidden)').evaluateAll((rows) => rows.map((r) => r.textContent ?? ''));
    expect(visible.length).toBeGreaterThan(0);
    expect(visible.every((text) => text.includes('merge-bad'))).toBe(true);
    await page.locator('#log-filter').fill('');
  });

  it('pauses and resumes the event log', async () => {
    await page.locator('#log-pause').click();
    const frozen = await page.locator('#log .log-row').count();
    // The poller keeps producing events; they queue while paused.
    await expect.poll(() => page.locator('#log-status').textContent(), { timeout: 10_000 }).toMatch(/paused: [1-9]\d* new/);
    expect(await page.locator('#log .log-row').count()).toBe(frozen);
    await page.locator('#log-pause').click();
    await expect.poll(() => page.locator('#log .log-row').count(), { timeout: 10_000 }).toBeGreaterThan(Math.min(frozen, 499));
    expect(await page.locator('#log-status').textContent()).toBe('');
  });

  it('shows a task actor and its chart when selected, and saves the screenshot for the docs', async () => {
    await page.locator('#actor-tree li[data-actor="supervisor"] > .row').click();
    await page.locator('#chart-tabs button[data-machine="task"]').waitFor();
    await page.locator('#chart-tabs button[data-machine="supervisor"]').click();
    // docs/inspector.png is written when missing or asked for (SPLAI_UPDATE_SCREENSHOT=1), so
    // ordinary test runs do not rewrite a committed file; otherwise the shot goes to a temp dir.
    const docsShot = join(ROOT, 'docs', 'inspector.png');
    const target = process.env['SPLAI_UPDATE_SCREENSHOT'] === '1' || !existsSync(docsShot) ? docsShot : join(profile, 'inspector.png');
    await mkdir(dirname(target), { recursive: true });
    await page.screenshot({ path: target, fullPage: true });
    expect(statSync(target).size).toBeGreaterThan(10_000);
    await page.locator('#chart-tabs button[data-machine="task"]').click();
    expect(await page.locator('#chart .state[data-state-id="task.executing"]').count()).toBe(1);
    expect(await page.locator('#chart svg.arrows path[data-from="task.executing"][data-to="task.reportingResult"]').count()).toBe(1);
  });

  it('loaded nothing from anywhere but the worker on 127.0.0.1', () => {
    const hosts = new Set(requested.map((url) => new URL(url).hostname));
    expect([...hosts]).toEqual(['127.0.0.1']);
    const paths = requested.map((url) => new URL(url).pathname);
    expect(paths).toEqual(expect.arrayContaining(['/inspect', '/inspect/app.js', '/inspect/app.css', '/inspect/events']));
  });

  it('never sends a configured secret: not in the stream, the page, its script or its stylesheet', async () => {
    const assets = await Promise.all(['/inspect', '/inspect/app.js', '/inspect/app.css'].map(async (path) => (await fetch(`${http.url}${path}`)).text()));
    const dom = await page.content();
    expect(streamed).toContain('merge-ok');
    expect(streamed).toContain('[redacted]');
    for (const secret of Object.values(SECRETS)) {
      expect(streamed).not.toContain(secret);
      expect(dom).not.toContain(secret);
      for (const asset of assets) expect(asset).not.toContain(secret);
    }
  });
});
