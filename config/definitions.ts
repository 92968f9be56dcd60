/**
 * Every setting of the worker, in one table: its environment variable, default,
 * kind and meaning. The loader, the `--help` text, the flags and docs/configuration.md
 * are all derived from this table, so they cannot disagree.
 *
 * Empty text means "not set" for optional strings (as in the reference worker).
 */
import { boolean, decimal, integer, list, listenAddress, oneOf, text, url, type Kind } from './kinds.js';

export interface Definition<T> {
  /** Environment variable that sets it. */
  readonly env: string;
  readonly kind: Kind<T>;
  /** Default, written as the text an operator would set. */
  readonly default: string;
  /** Never printed: logs, /status and the inspector show `[redacted]`. */
  readonly secret?: boolean;
  /** Settings that later issues read; grouped in the docs. */
  readonly group: 'core' | 'backends' | 'artifacts' | 'sandbox' | 'operations';
  readonly doc: string;
}

const def = <T>(d: Definition<T>): Definition<T> => d;

export const definitions = {
  workerId: def({ env: 'SPLAI_WORKER_ID', kind: text(), default: 'worker-local', group: 'core', doc: 'Worker id sent to the control plane. Restarting with the same id and state dir resumes the outbox.' }),
  controlPlaneUrl: def({ env: 'SPLAI_CONTROL_PLANE_URL', kind: url(), default: 'http://localhost:8080', group: 'core', doc: 'Base URL of the SPLAI api-gateway.' }),
  apiToken: def({ env: 'SPLAI_API_TOKEN', kind: text(), default: '', secret: true, group: 'core', doc: 'Token sent as X-SPLAI-Token on every control-plane call.' }),
  maxParallelTasks: def({ env: 'SPLAI_MAX_PARALLEL_TASKS', kind: integer(1, 1024), default: '2', group: 'core', doc: 'Tasks run at once (worker threads in the pool); the poller never asks for more.' }),
  heartbeatSeconds: def({ env: 'SPLAI_HEARTBEAT_SECONDS', kind: decimal(0.05, 3600), default: '5', group: 'core', doc: 'Heartbeat interval when the register reply gives none.' }),
  pollMillis: def({ env: 'SPLAI_POLL_MILLIS', kind: integer(10, 3_600_000), default: '1500', group: 'core', doc: 'Wait after a poll that returned nothing. A full batch or a freed slot polls at once.' }),
  requestTimeoutMillis: def({ env: 'SPLAI_REQUEST_TIMEOUT_MILLIS', kind: integer(100, 600_000), default: '10000', group: 'core', doc: 'Timeout of each control-plane call.' }),
  drainGraceSeconds: def({ env: 'SPLAI_DRAIN_GRACE_SECONDS', kind: decimal(0, 86_400), default: '30', group: 'core', doc: 'On SIGTERM/SIGINT, how long in-flight tasks may run before they are aborted and reported Failed.' }),
  drainForceSeconds: def({ env: 'SPLAI_DRAIN_FORCE_SECONDS', kind: decimal(0, 3600), default: '10', group: 'core', doc: 'After the grace period, how long aborted tasks and the outbox flush get before the process exits regardless.' }),
  leaseSeconds: def({ env: 'SPLAI_LEASE_SECONDS', kind: decimal(0, 3600), default: '15', group: 'core', doc: "The control plane's lease duration. A restarted worker (same id and state dir) holds its heartbeats back this long, so leases of assignments the previous run received but never started expire and are re-queued." }),
  stateDir: def({ env: 'SPLAI_STATE_DIR', kind: text(), default: '', group: 'core', doc: 'Where the report outbox and the in-flight journal live (default <artifact root>/.state/<worker id>).' }),

  artifactRoot: def({ env: 'SPLAI_ARTIFACT_ROOT', kind: text(), default: '/tmp/splai-artifacts', group: 'artifacts', doc: 'Local root of task outputs: <root>/<job>/<task>/output.json.' }),
  modelCacheDir: def({ env: 'SPLAI_MODEL_CACHE_DIR', kind: text(), default: '', group: 'artifacts', doc: 'Model cache for model_download (default <artifact root>/models).' }),
  artifactBackend: def({ env: 'SPLAI_ARTIFACT_BACKEND', kind: oneOf(['local', 'minio']), default: 'local', group: 'artifacts', doc: 'local, or minio to also upload each output to an S3-compatible bucket.' }),
  minioEndpoint: def({ env: 'SPLAI_MINIO_ENDPOINT', kind: text(), default: '', group: 'artifacts', doc: 'S3/MinIO endpoint, host:port or URL.' }),
  minioAccessKey: def({ env: 'SPLAI_MINIO_ACCESS_KEY', kind: text(), default: '', secret: true, group: 'artifacts', doc: 'S3/MinIO access key.' }),
  minioSecretKey: def({ env: 'SPLAI_MINIO_SECRET_KEY', kind: text(), default: '', secret: true, group: 'artifacts', doc: 'S3/MinIO secret key.' }),
  minioBucket: def({ env: 'SPLAI_MINIO_BUCKET', kind: text(), default: 'splai-artifacts', group: 'artifacts', doc: 'Bucket for uploaded outputs (created if missing).' }),
  minioUseSsl: def({ env: 'SPLAI_MINIO_USE_SSL', kind: boolean(), default: 'false', group: 'artifacts', doc: 'Use https for a host:port endpoint.' }),

  ollamaBaseUrl: def({ env: 'SPLAI_OLLAMA_BASE_URL', kind: url(), default: '', group: 'backends', doc: 'Ollama server, e.g. http://127.0.0.1:11434.' }),
  vllmBaseUrl: def({ env: 'SPLAI_VLLM_BASE_URL', kind: url(), default: '', group: 'backends', doc: 'vLLM OpenAI-compatible server.' }),
  llamacppBaseUrl: def({ env: 'SPLAI_LLAMACPP_BASE_URL', kind: url(), default: '', group: 'backends', doc: 'llama.cpp server.' }),
  remoteApiBaseUrl: def({ env: 'SPLAI_REMOTE_API_BASE_URL', kind: url(), default: '', group: 'backends', doc: 'Remote OpenAI-compatible API.' }),
  remoteApiKey: def({ env: 'SPLAI_REMOTE_API_KEY', kind: text(), default: '', secret: true, group: 'backends', doc: 'Bearer key for the remote API.' }),
  workerBackends: def({ env: 'SPLAI_WORKER_BACKENDS', kind: list(), default: '', group: 'backends', doc: 'Backends to advertise (comma list); each configured base URL adds its backend.' }),
  backendTimeoutSeconds: def({ env: 'SPLAI_BACKEND_TIMEOUT_SECONDS', kind: decimal(1, 86_400), default: '300', group: 'backends', doc: 'Timeout of one model-backend call (the reference cut every call at 8 s).' }),
  embeddingBackend: def({ env: 'SPLAI_EMBEDDING_BACKEND', kind: text(), default: '', group: 'backends', doc: 'Default embedding backend (local when empty).' }),
  embeddingModel: def({ env: 'SPLAI_EMBEDDING_MODEL', kind: text(), default: '', group: 'backends', doc: 'Default embedding model (nomic-embed-text when empty).' }),
  embeddingDimension: def({ env: 'SPLAI_EMBEDDING_DIMENSION', kind: integer(1, 65_536), default: '384', group: 'backends', doc: 'Dimension of local embeddings.' }),
  embeddingHttpRetries: def({ env: 'SPLAI_EMBEDDING_HTTP_RETRIES', kind: integer(0, 20), default: '2', group: 'backends', doc: 'Extra attempts of an embedding HTTP call, 250 ms x i apart.' }),
  retrievalBackend: def({ env: 'SPLAI_RETRIEVAL_BACKEND', kind: text(), default: '', group: 'backends', doc: 'Default retrieval backend (local when empty).' }),
  retrievalBaseUrl: def({ env: 'SPLAI_RETRIEVAL_BASE_URL', kind: url(), default: '', group: 'backends', doc: 'Remote retrieval service.' }),
  retrievalApiKey: def({ env: 'SPLAI_RETRIEVAL_API_KEY', kind: text(), default: '', secret: true, group: 'backends', doc: 'Bearer key for the retrieval service.' }),
  retrievalHttpRetries: def({ env: 'SPLAI_RETRIEVAL_HTTP_RETRIES', kind: integer(0, 20), default: '2', group: 'backends', doc: 'Extra attempts of a retrieval HTTP call.' }),
  hfToken: def({ env: 'HF_TOKEN', kind: text(), default: '', secret: true, group: 'backends', doc: 'Hugging Face token for private model downloads.' }),
  hfEndpoint: def({ env: 'HF_ENDPOINT', kind: url(), default: '', group: 'backends', doc: 'Hugging Face Hub endpoint override (mirrors, tests). Default https://huggingface.co.' }),

  sandbox: def({ env: 'SPLAI_SANDBOX', kind: oneOf(['auto', 'bwrap', 'unshare', 'none']), default: 'auto', group: 'sandbox', doc: 'Isolation for tool_execution commands: auto picks bwrap, else unshare; none must be chosen explicitly.' }),
  sandboxTimeoutSeconds: def({ env: 'SPLAI_SANDBOX_TIMEOUT_SECONDS', kind: decimal(0.1, 86_400), default: '30', group: 'sandbox', doc: 'Wall-clock limit of a command (a task input timeout_seconds may lower it).' }),
  sandboxCpuSeconds: def({ env: 'SPLAI_SANDBOX_CPU_SECONDS', kind: integer(1, 86_400), default: '60', group: 'sandbox', doc: 'CPU-time limit of a command.' }),
  sandboxMemoryMb: def({ env: 'SPLAI_SANDBOX_MEMORY_MB', kind: integer(16, 1_048_576), default: '1024', group: 'sandbox', doc: 'Memory cap of a command (_resource_memory may lower it).' }),
  sandboxMaxProcesses: def({ env: 'SPLAI_SANDBOX_MAX_PROCESSES', kind: integer(1, 65_536), default: '128', group: 'sandbox', doc: 'Process count limit of a command (fork bombs are contained).' }),
  sandboxMaxFileMb: def({ env: 'SPLAI_SANDBOX_MAX_FILE_MB', kind: integer(1, 1_048_576), default: '256', group: 'sandbox', doc: 'Largest file a command may write.' }),
  sandboxOutputBytes: def({ env: 'SPLAI_SANDBOX_OUTPUT_BYTES', kind: integer(1024, 1_073_741_824), default: '1048576', group: 'sandbox', doc: 'Captured stdout and stderr cap, each.' }),

  logLevel: def({ env: 'SPLAI_LOG_LEVEL', kind: oneOf(['silent', 'error', 'warn', 'info', 'debug', 'trace']), default: 'info', group: 'operations', doc: 'Log level.' }),
  logFormat: def({ env: 'SPLAI_LOG_FORMAT', kind: oneOf(['auto', 'pretty', 'json']), default: 'auto', group: 'operations', doc: 'auto: readable on a TTY, JSON lines otherwise.' }),
  httpAddr: def({ env: 'SPLAI_HTTP_ADDR', kind: listenAddress(), default: '127.0.0.1:9464', group: 'operations', doc: 'Address of /healthz, /readyz, /status, /metrics and the inspector; off disables it.' }),
  inspect: def({ env: 'SPLAI_INSPECT', kind: oneOf(['off', '0', 'false', '1', 'true', 'builtin', 'stately']), default: 'off', group: 'operations', doc: 'State inspector: 1/builtin serves the offline page at /inspect; stately wires @statelyai/inspect.' }),
  gpu: def({ env: 'SPLAI_GPU', kind: oneOf(['false', 'true', 'auto']), default: 'false', group: 'operations', doc: 'CPU-first: false unless set; auto reports NVIDIA GPUs found on the host.' }),
  workerCpu: def({ env: 'SPLAI_WORKER_CPU', kind: integer(0, 65_536), default: '0', group: 'operations', doc: 'cpu to register. The gateway reads it only as a cap of cpu/4 tasks at once (at most 16), checked against the last heartbeat; 0 registers 4 x (SPLAI_MAX_PARALLEL_TASKS + 1), or the host count if higher, so the cap never holds a free slot back.' }),
  workerMemory: def({ env: 'SPLAI_WORKER_MEMORY', kind: text(), default: '', group: 'operations', doc: 'Memory to advertise, e.g. 16Gi (empty = detect).' }),
  modelRefreshSeconds: def({ env: 'SPLAI_MODEL_REFRESH_SECONDS', kind: decimal(1, 86_400), default: '60', group: 'backends', doc: 'How often the models of the cache and the configured backends are listed again; a change registers the worker again (the gateway filters llm_inference tasks on the registered models).' }),
  workerModels: def({ env: 'SPLAI_WORKER_MODELS', kind: list(), default: '', group: 'operations', doc: 'Models to advertise in addition to those found in the model cache.' }),
  workerTools: def({ env: 'SPLAI_WORKER_TOOLS', kind: list(), default: '', group: 'operations', doc: 'Tools to advertise (empty = detect bash, python3, git, hf).' }),
  locality: def({ env: 'SPLAI_WORKER_LOCALITY', kind: text(), default: 'local', group: 'operations', doc: 'Locality label sent at registration.' }),
} as const;

export type Definitions = typeof definitions;
export type ConfigKey = keyof Definitions;
/** The validated configuration of one worker. */
export type WorkerConfig = { -readonly [K in ConfigKey]: Definitions[K] extends Definition<infer T> ? T : never };
