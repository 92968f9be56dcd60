/**
 * The one log line that says how many tasks the gateway will let this worker
 * run at once, against SPLAI_MAX_PARALLEL_TASKS (see protocol/capacity.ts).
 */
export interface CapacityNote {
  readonly level: 'info' | 'warn';
  readonly message: string;
  readonly fields: Readonly<Record<string, number>>;
}

export function capacityNote(options: { readonly cpu: number; readonly capacity: number; readonly slots: number }): CapacityNote {
  const { cpu, capacity, slots } = options;
  const fields = { registered_cpu: cpu, gateway_capacity: capacity, max_parallel_tasks: slots };
  if (capacity > slots) {
    return { level: 'info', fields, message: `the gateway will allow ${capacity} tasks at once (cpu ${cpu} / 4): all ${slots} slots can run, and it never sees this worker full` };
  }
  if (capacity === slots) {
    return {
      level: 'info',
      fields,
      message: `the gateway will allow ${capacity} tasks at once (cpu ${cpu} / 4), as many as the slots: after a heartbeat that says all are busy, a freed slot is heartbeated before the next poll`,
    };
  }
  return {
    level: 'warn',
    fields,
    message: `the gateway will allow only ${capacity} tasks at once (cpu ${cpu} / 4, at most 16), fewer than SPLAI_MAX_PARALLEL_TASKS=${slots}: ${slots - capacity} slots stay idle; leave SPLAI_WORKER_CPU unset or set it to ${4 * (slots + 1)}`,
  };
}
