/**
 * The systemd unit: hardened, but not in the ways that would break bubblewrap
 * (user namespaces) or the per-command cgroup limits; stops by draining.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { definitions } from '../../config/definitions.js';
import { repoRoot } from '../../scripts/gen-docs.js';

const unit = readFileSync(join(repoRoot, 'packaging/systemd/splai-worker.service'), 'utf8');

/** `Key=value` lines of one section. */
function section(name: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = '';
  for (const line of unit.split('\n')) {
    const header = /^\[(.+)\]$/.exec(line);
    if (header) current = header[1]!;
    else if (current === name && /^[A-Za-z]+=/.test(line)) {
      const eq = line.indexOf('=');
      out.set(line.slice(0, eq), [...(out.get(line.slice(0, eq)) ?? []), line.slice(eq + 1)]);
    }
  }
  return out;
}

describe('systemd unit', () => {
  const service = section('Service');
  const one = (key: string) => service.get(key)?.[0];

  it('is hardened', () => {
    for (const [key, value] of Object.entries({ NoNewPrivileges: 'yes', ProtectSystem: 'strict', ProtectHome: 'yes', PrivateTmp: 'yes', DynamicUser: 'yes', RestrictSUIDSGID: 'yes', LockPersonality: 'yes', CapabilityBoundingSet: '' })) {
      expect(one(key), key).toBe(value);
    }
    expect(one('StateDirectory')).toBe('splai-worker');
    expect(one('User')).toBeUndefined(); // never root
  });

  it('keeps what bubblewrap and the cgroup limits need', () => {
    for (const key of ['RestrictNamespaces', 'PrivateUsers', 'ProtectControlGroups', 'SystemCallFilter']) expect(service.has(key), key).toBe(false);
    expect(one('Delegate')).toBe('yes');
    expect(one('RestrictAddressFamilies')?.split(' ')).toContain('AF_NETLINK');
  });

  it('drains on stop and does not restart after a configuration error', () => {
    const grace = Number(definitions.drainGraceSeconds.default) + Number(definitions.drainForceSeconds.default);
    expect(Number(one('TimeoutStopSec'))).toBeGreaterThan(grace);
    expect(one('KillMode')).toBe('mixed');
    expect(one('KillSignal')).toBe('SIGTERM');
    expect(one('RestartPreventExitStatus')).toBe('2');
    expect(one('ExecStart')).toBe('/usr/local/bin/splai-worker run');
    expect(one('EnvironmentFile')).toBe('-/etc/splai-worker/splai-worker.env');
    expect(section('Install').get('WantedBy')).toEqual(['multi-user.target']);
  });

  it('passes systemd-analyze verify where systemd is installed (the CI image has it)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'splai-unit-'));
    try {
      // verify checks that ExecStart exists: point it at a binary that does.
      writeFileSync(join(dir, 'splai-worker.service'), unit.replace(/^ExecStart=.*$/m, 'ExecStart=/bin/true run'));
      const result = spawnSync('systemd-analyze', ['verify', join(dir, 'splai-worker.service')], { encoding: 'utf8', timeout: 30_000 });
      if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return; // no systemd on this host: the checks above still hold
      expect(result.stderr.trim()).toBe('');
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
