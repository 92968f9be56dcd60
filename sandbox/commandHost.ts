/**
 * The command host: a small process that launches every sandboxed command of
 * a worker on behalf of its task threads.
 *
 * Why a process of its own: `spawn` forks, and fork copies the page tables of
 * the whole process and makes every page copy-on-write until the child execs.
 * Forking from the worker (hundreds of MB over nine threads, all of them
 * allocating, and V8's GC threads moving pages) costs several ms of CPU per
 * command in every thread of the worker; forking from this process (a few tens
 * of MB, one quiet thread) costs a fraction of that (docs/performance.md).
 *
 * It is started by the main thread (sandbox/commandHostProcess.ts) with an IPC
 * channel, the parent-death signal and an empty environment, and listens on a
 * Unix socket in a private directory; each task thread connects once
 * (sandbox/commandHostClient.ts). Runs are `runSandboxed` itself, so limits,
 * cgroups, capture and reaping are unchanged. What it guarantees:
 * - a thread that goes away (terminated mid-task) aborts its runs;
 * - when the worker goes away (the IPC channel closes), every run is aborted
 *   and the host exits once they are reaped; if the host itself is killed, the
 *   commands' own parent-death signal (sandbox/launcher.ts) kills them.
 */
import { createServer, type Socket } from 'node:net';
import { jsonLine, JsonLineReader, type HostToThread, type ThreadToHost } from './commandHostProtocol.js';
import { runSandboxed } from './runSandboxed.js';

/** How long the host waits for aborted runs to be reaped before it exits anyway. */
const EXIT_GRACE_MILLIS = 5000;

const socketPath = process.argv[2];
if (socketPath === undefined || process.send === undefined) {
  process.stderr.write('usage: started by the worker with an IPC channel and a socket path\n');
  process.exit(2);
}

const runs = new Set<Promise<void>>();
const connections = new Set<Socket>();

const server = createServer((socket) => {
  connections.add(socket);
  const aborts = new Map<number, AbortController>();
  const send = (message: HostToThread): void => {
    if (!socket.destroyed) socket.write(jsonLine(message));
  };
  const reader = new JsonLineReader<ThreadToHost>((message) => {
    if ('abort' in message) {
      aborts.get(message.id)?.abort(new Error(message.abort));
      return;
    }
    const controller = new AbortController();
    aborts.set(message.id, controller);
    const run = runSandboxed({ ...message.run, signal: controller.signal, onSpawn: (pid) => send({ id: message.id, spawned: pid }) })
      .then(
        (result) => send({ id: message.id, result }),
        (error: unknown) => send({ id: message.id, error: error instanceof Error ? error.message : String(error) }),
      )
      .finally(() => {
        aborts.delete(message.id);
        runs.delete(run);
      });
    runs.add(run);
  });
  socket.on('data', (chunk: Buffer) => {
    try {
      reader.push(chunk);
    } catch (error) {
      // Only our own threads connect; a line that does not parse means the stream is broken.
      process.stderr.write(`command host: dropping a connection that sent a bad line: ${(error as Error).message}\n`);
      socket.destroy();
    }
  });
  // The thread is gone (terminated, or the worker is exiting): nobody wants these commands any more.
  socket.on('close', () => {
    connections.delete(socket);
    for (const controller of aborts.values()) controller.abort(new Error('the task thread went away'));
  });
  socket.on('error', () => undefined);
});

server.listen(socketPath, () => process.send?.({ ready: true }));

// The worker is gone or stopping: abort everything, wait for the reaps, exit.
process.once('disconnect', () => {
  server.close();
  for (const socket of connections) socket.destroy();
  const deadline = setTimeout(() => process.exit(0), EXIT_GRACE_MILLIS);
  void Promise.allSettled([...runs]).then(() => {
    clearTimeout(deadline);
    process.exit(0);
  });
});
