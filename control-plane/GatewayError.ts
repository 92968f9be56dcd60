/**
 * An error the gateway answers with: an HTTP status and the text that goes into
 * the `{"error": "..."}` body. Operations of the core throw it; both faces (HTTP
 * server, MSW handlers) turn it into the same reply.
 */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Name-based guard (works across module copies, unlike `instanceof`). */
export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof Error && error.name === 'GatewayError' && typeof (error as GatewayError).status === 'number';
}
