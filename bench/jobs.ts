/** The jobs the bench submits: flat DAGs of independent tasks, never retried. */
import type { JobSubmission } from '../control-plane/wire.js';

type Job = JobSubmission & { job_id: string };

function job(jobId: string, count: number, type: string, inputs: Record<string, string>): Job {
  return {
    job_id: jobId,
    // The same inputs object for every task: a 2,000-task job costs no more memory than one.
    tasks: Array.from({ length: count }, (_, i) => ({ task_id: `t${i}`, type, inputs, max_retries: 0 })),
  };
}

/** Trivial tasks that still go the whole way: pool thread, executor, artifact write, both reports. */
export function trivialJob(jobId: string, count: number): Job {
  return job(jobId, count, 'aggregation', { items_json: '[{"answer":"42"}]' });
}

/** Sandboxed no-op commands: the sandbox's start-up cost per task. */
export function sandboxJob(jobId: string, count: number): Job {
  return job(jobId, count, 'tool_execution', { command: 'true' });
}

/** Sandboxed commands that wait `seconds`: slots held, hardly any CPU. */
export function sleepJob(jobId: string, count: number, seconds: number): Job {
  return job(jobId, count, 'tool_execution', { command: `sleep ${seconds}` });
}

/** CPU-heavy tasks: local feature-hashing embedding of one large text. */
export function burnJob(jobId: string, count: number, text: string): Job {
  return job(jobId, count, 'embedding', { text, embedding_backend: 'local' });
}

/** A text of about `bytes` characters of varied words (the embedding tokenizes and hashes all of it). */
export function burnText(bytes: number): string {
  const words: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const word = `w${(i * 7919) % 10007}x${i % 31}`;
    words.push(word);
    size += word.length + 1;
  }
  return words.join(' ');
}
