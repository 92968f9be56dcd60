/**
 * The DaemonSet, checked against the code it deploys: its settings load, its
 * probes and port are the worker's endpoints, and Kubernetes waits long enough
 * for a drain.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { definitions } from '../../config/definitions.js';
import { loadConfig } from '../../config/load.js';
import { repoRoot } from '../../scripts/gen-docs.js';

const manifest = readFileSync(join(repoRoot, 'packaging/kubernetes/daemonset.yaml'), 'utf8');
const documents = manifest.split(/^---$/m);

/** `KEY: "value"` pairs of the ConfigMap's data block. */
function configMapData(): Record<string, string> {
  const configMap = documents.find((doc) => /^kind: ConfigMap$/m.test(doc)) ?? '';
  const data = configMap.slice(configMap.indexOf('\ndata:\n') + 7);
  const out: Record<string, string> = {};
  for (const match of data.matchAll(/^ {2}([A-Z0-9_]+): "([^"]*)"$/gm)) out[match[1]!] = match[2]!;
  return out;
}

describe('Kubernetes DaemonSet', () => {
  it('sets only known variables, and they load', () => {
    const data = configMapData();
    expect(Object.keys(data).length).toBeGreaterThan(5);
    const known = new Set(Object.values(definitions).map((d) => d.env));
    for (const name of Object.keys(data)) expect(known.has(name), name).toBe(true);
    for (const [, name] of manifest.matchAll(/- name: (SPLAI_[A-Z_]+)$/gm)) expect(known.has(name!), name).toBe(true);
    const config = loadConfig({ env: { ...data, SPLAI_WORKER_ID: 'node-1', SPLAI_API_TOKEN: 't' } });
    expect(config.httpAddr).toBe('0.0.0.0:9464');
    expect(config.logFormat).toBe('json');
  });

  it('probes /healthz and /readyz on the metrics port and waits for a drain', () => {
    const daemonSet = documents.find((doc) => /^kind: DaemonSet$/m.test(doc)) ?? '';
    expect(daemonSet).toMatch(/livenessProbe:\n\s+httpGet:\n\s+path: \/healthz\n\s+port: metrics/);
    expect(daemonSet).toMatch(/readinessProbe:\n(\s+#.*\n)?\s+httpGet:\n\s+path: \/readyz\n\s+port: metrics/);
    expect(daemonSet).toMatch(/- name: metrics\n\s+containerPort: 9464/);
    const data = configMapData();
    const grace = Number(/terminationGracePeriodSeconds: (\d+)/.exec(daemonSet)?.[1]);
    expect(grace).toBeGreaterThan(Number(data['SPLAI_DRAIN_GRACE_SECONDS']) + Number(data['SPLAI_DRAIN_FORCE_SECONDS']));
    expect(daemonSet).toContain('runAsNonRoot: true');
    expect(daemonSet).toContain('fieldPath: spec.nodeName');
    expect(daemonSet).toMatch(/secretKeyRef:\n\s+name: splai-worker\n\s+key: api-token/);
  });

  it('is indented with spaces only and has no tabs', () => {
    expect(manifest).not.toContain('\t');
    for (const line of manifest.split('\n')) expect((/^ */.exec(line)?.[0].length ?? 0) % 2, line).toBe(0);
  });
});
