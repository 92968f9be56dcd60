/**
 * No network inside: a TCP port the test opens on the host's 127.0.0.1 cannot be
 * reached, and name lookups fail, at each isolation level.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requireLevel, runTool, tempDirs } from './sandboxKit.js';

const dirs = tempDirs();
let server: Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  server = createServer((socket) => {
    connections++;
    socket.end('hello from the host\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  dirs.cleanup();
  await new Promise((resolve) => server.close(resolve));
});

describe.each(['bwrap', 'unshare'] as const)('at level %s', (level) => {
  beforeEach(() => requireLevel(level));

  it('cannot connect to a port open on the host loopback', async () => {
    // The same command reaches the port from the host: the cut is the sandbox, not the command.
    const host = await promisify(execFile)('/bin/bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port} && head -n1 <&3`], { encoding: 'utf8' });
    expect(host.stdout).toBe('hello from the host\n');
    const before = connections;
    await expect(runTool(dirs.make(), level, `bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port} && head -n1 <&3'`)).rejects.toThrow(/sandbox command failed: exit code 1: .*(Connection refused|Network is unreachable)/);
    expect(connections).toBe(before);
  });

  it('has no interface but loopback', async () => {
    const output = await runTool(dirs.make(), level, 'cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "');
    expect(output['stdout']).toBe('lo\n');
  });

  it('cannot resolve names', async () => {
    await expect(runTool(dirs.make(), level, 'getent hosts example.com')).rejects.toThrow(/exit code 2/);
    // localhost resolves on the host (from /etc/hosts); inside there is no hosts file and no resolver.
    expect(spawnSync('getent', ['hosts', 'localhost']).status).toBe(0);
    await expect(runTool(dirs.make(), level, 'getent hosts localhost')).rejects.toThrow(/exit code 2/);
  });
});
