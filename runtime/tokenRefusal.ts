/**
 * What the worker says when the control plane refuses its token: which
 * setting to fix, the gateway's own answer, and where the kept reports wait.
 */
export function tokenRefusalMessage(options: { readonly detail: string; readonly tokenSet: boolean; readonly outboxDir: string | undefined }): string {
  const what = options.tokenSet ? 'the control plane refused SPLAI_API_TOKEN' : 'the control plane requires a token and SPLAI_API_TOKEN is not set';
  const kept =
    options.outboxDir === undefined
      ? 'reports not delivered are lost with this process (no state dir)'
      : `reports not delivered stay in ${options.outboxDir} and are delivered when the worker runs again with a token it accepts`;
  return `${what} (${options.detail}); no new work is taken; ${kept}`;
}
