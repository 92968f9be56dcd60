/**
 * Priority ranks (priorityRank in internal/scheduler/engine.go).
 *
 * A task's priority is its `_priority` input, which the gateway sets on every task
 * from the job's `priority` (default `interactive`). The rank orders the claims of
 * a poll and decides pre-emption. Matching ignores case and surrounding spaces;
 * an unknown or empty value ranks like `standard`.
 */

/** The priority a job gets when its submission names none (handleJobs). */
export const DEFAULT_PRIORITY = 'interactive';

export function priorityRank(priority: string | undefined): number {
  switch ((priority ?? '').trim().toLowerCase()) {
    case 'interactive':
    case 'high':
      return 3;
    case 'standard':
    case 'medium':
      return 2;
    case 'batch':
    case 'low':
      return 1;
    default:
      return 2;
  }
}
