/** The command line itself is wrong (unknown option, missing value): exit 2 with the help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
