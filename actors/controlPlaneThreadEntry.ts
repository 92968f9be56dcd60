/**
 * Entry of the control-plane I/O thread (see actors/controlPlaneThread.ts): a
 * ControlPlaneClient that runs the calls the main thread forwards. Failures go
 * back as plain data; ControlPlaneError's fields survive the trip.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isControlPlaneError } from '../base/ControlPlaneError.js';
import { ControlPlaneClient } from './controlPlaneClient.js';
import type { CallFailure, MainToIoThread, IoThreadData } from './controlPlaneThreadProtocol.js';

const data = workerData as IoThreadData;
const client = new ControlPlaneClient({ baseUrl: data.baseUrl, token: data.token, timeoutMillis: data.timeoutMillis });
const aborts = new Map<number, AbortController>();
const port = parentPort!;

port.on('message', (message: MainToIoThread) => {
  if (message.type === 'abort') {
    aborts.get(message.id)?.abort(new Error('aborted by the caller'));
    return;
  }
  const controller = new AbortController();
  aborts.set(message.id, controller);
  const { signal } = controller;
  const call: Promise<unknown> =
    message.type === 'register' ? client.register(message.body, signal)
    : message.type === 'heartbeat' ? client.heartbeat(message.workerId, message.body, signal)
    : message.type === 'poll' ? client.poll(message.workerId, message.maxTasks, signal)
    : message.type === 'report' ? client.report(message.body, signal)
    : client.healthz(signal);
  call.then(
    (result) => port.postMessage({ id: message.id, result }),
    (error: unknown) => port.postMessage({ id: message.id, failure: failureOf(error) }),
  ).finally(() => aborts.delete(message.id));
});

function failureOf(error: unknown): CallFailure {
  if (isControlPlaneError(error)) return { kind: error.kind, operation: error.operation, message: error.detail, ...(error.status === undefined ? {} : { status: error.status }) };
  return { message: error instanceof Error ? error.message : String(error) };
}
