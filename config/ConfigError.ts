/** A setting has a value the worker cannot use. The message names the setting and the expected form. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const isConfigError = (error: unknown): error is ConfigError =>
  error instanceof Error && error.name === 'ConfigError';
