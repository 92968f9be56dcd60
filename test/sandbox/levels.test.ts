/**
 * The isolation level is chosen once from what works on the host; without any,
 * commands are refused unless SPLAI_SANDBOX=none was set on purpose.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { execute } from '../../executors/toolExecution.js';
import { detectSandboxLevel } from '../../sandbox/detectSandboxLevel.js';
import { requireLevel, runTool, tempDirs, toolContext } from './sandboxKit.js';

const dirs = tempDirs();
const savedPath = process.env['PATH'];
afterEach(() => {
  process.env['PATH'] = savedPath;
});
afterAll(() => dirs.cleanup());

/** A PATH on which neither bwrap nor unshare (nor prlimit, setpriv) can be found. */
function hideSandboxTools(): void {
  process.env['PATH'] = dirs.make('splai-empty-path-');
}

describe('on this host', () => {
  it('auto picks bubblewrap and says how limits are enforced', () => {
    requireLevel('bwrap');
    const support = detectSandboxLevel('auto');
    expect(support).toMatchObject({ requested: 'auto', level: 'bwrap' });
    expect(support.refusal).toBeUndefined();
    expect(support.summary).toMatch(/^bwrap \(limits: cpu .*; memory .*; processes .*\)$/);
    expect(detectSandboxLevel('auto')).toBe(support);
  });

  it('offers the unshare level when asked for it', () => {
    requireLevel('unshare');
    expect(detectSandboxLevel('unshare')).toMatchObject({ requested: 'unshare', level: 'unshare' });
  });
});

describe('without any isolation tool', () => {
  it('refuses commands when SPLAI_SANDBOX is auto, and says what to do', async () => {
    hideSandboxTools();
    const support = detectSandboxLevel('auto');
    expect(support.level).toBe('none');
    expect(support.refusal).toMatch(/no isolation available .*install bubblewrap, or set SPLAI_SANDBOX=none/);
    await expect(execute(toolContext(dirs.make(), { command: 'echo hi' }, { config: { sandbox: 'auto' } }).context)).rejects.toMatchObject({ name: 'TaskError', message: expect.stringMatching(/^sandbox unavailable: no isolation available/) });
  });

  it('refuses commands when the requested level does not work', async () => {
    hideSandboxTools();
    await expect(runTool(dirs.make(), 'bwrap', 'echo hi')).rejects.toThrow(/^sandbox unavailable: SPLAI_SANDBOX=bwrap but bubblewrap does not work here: bwrap not found/);
    await expect(runTool(dirs.make(), 'unshare', 'echo hi')).rejects.toThrow(/^sandbox unavailable: SPLAI_SANDBOX=unshare but unshare namespaces do not work here/);
  });

  it('still answers tasks without a command', async () => {
    hideSandboxTools();
    await expect(execute(toolContext(dirs.make(), { op: 'noop' }, { config: { sandbox: 'auto' } }).context)).resolves.toEqual({ tool: 'noop', sandboxed: true, result: 'ok' });
  });

  it('runs commands unisolated only when SPLAI_SANDBOX=none, still with the reduced environment', async () => {
    hideSandboxTools();
    process.env['SPLAI_API_TOKEN_PROBE'] = 'fake-secret-for-none-level';
    try {
      const output = await runTool(dirs.make(), 'none', 'env');
      expect(output).toMatchObject({ result: 'ok', _sandbox: { level: 'none', exit_code: 0 } });
      expect(output['stdout']).not.toContain('fake-secret-for-none-level');
      expect(output['stdout']).toContain('PATH=/usr/bin:/bin\n');
    } finally {
      delete process.env['SPLAI_API_TOKEN_PROBE'];
    }
  });
});
