/**
 * The models this worker can serve, for the registration's `models`.
 *
 * Once any worker lists models, the gateway hands an llm_inference task only to
 * workers that list its `model` (case-insensitive, trimmed). So the list must
 * hold every model the worker can serve: the model cache (cachedModels.ts) and
 * what each configured model server holds (backendModels.ts). A source that
 * fails contributes nothing and never fails the whole list; it is logged at warn
 * once when it starts failing (not at every re-list), and at info when it
 * answers again.
 */
import type { WorkerConfig } from '../config/definitions.js';
import { modelQueries, queryModels, type BackendModelsConfig } from './backendModels.js';
import { listCachedModels } from './cachedModels.js';

export { listCachedModels } from './cachedModels.js';

/** The part of the configuration the inventory reads. */
export type ModelInventoryConfig = BackendModelsConfig & Pick<WorkerConfig, 'modelCacheDir'>;

/** Where the inventory reports sources that fail (a consola instance fits). */
export interface InventoryLogger {
  warn(message: string): void;
  info?(message: string): void;
}

export interface ModelInventoryOptions {
  /** Replaces global fetch (tests, proxies). */
  readonly fetch?: typeof globalThis.fetch;
  readonly logger?: InventoryLogger;
  /** Per backend query; default DEFAULT_QUERY_TIMEOUT_MILLIS. */
  readonly timeoutMillis?: number;
}

export interface ModelInventory {
  /**
   * Every model of the cache and the configured backends: trimmed, without
   * duplicates, sorted. Never rejects because a source failed; rejects with the
   * signal's reason when `signal` aborts.
   */
  list(signal?: AbortSignal): Promise<string[]>;
}

/** A model server that has not answered its listing within this time contributes nothing. */
export const DEFAULT_QUERY_TIMEOUT_MILLIS = 3000;

/**
 * An inventory over the cache and the backends configured in `config`.
 * @example
 * const inventory = createModelInventory(config, { logger: logger.withTag('models') });
 * await inventory.list(); // ['Qwen/Qwen2.5-0.5B', 'gpt2', 'llama3', 'llama3:latest']
 */
export function createModelInventory(config: ModelInventoryConfig, options: ModelInventoryOptions = {}): ModelInventory {
  const queries = modelQueries(config);
  const fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const timeoutMillis = options.timeoutMillis ?? DEFAULT_QUERY_TIMEOUT_MILLIS;
  const secrets = [config.remoteApiKey];
  const failing = new Set<string>();

  /** One source's models, or none (its failure logged once per failing spell). */
  const fromSource = async (source: string, load: () => Promise<string[]>, signal: AbortSignal | undefined): Promise<string[]> => {
    try {
      const models = await load();
      if (failing.delete(source)) options.logger?.info?.(`model inventory: ${source} answers again`);
      return models;
    } catch (error) {
      signal?.throwIfAborted();
      if (!failing.has(source)) {
        failing.add(source);
        options.logger?.warn(`model inventory: ${error instanceof Error ? error.message : String(error)}; its models are not advertised until it answers`);
      }
      return [];
    }
  };

  return {
    async list(signal) {
      signal?.throwIfAborted();
      const lists = await Promise.all([
        fromSource('model cache', () => cacheModels(config.modelCacheDir), signal),
        ...queries.map((query) => fromSource(query.backend, () => queryModels(query, { fetch, timeoutMillis, signal, secrets }), signal)),
      ]);
      signal?.throwIfAborted();
      return [...new Set(lists.flat().map((model) => model.trim()).filter((model) => model !== ''))].sort();
    },
  };
}

async function cacheModels(modelCacheDir: string): Promise<string[]> {
  try {
    return await listCachedModels(modelCacheDir);
  } catch (error) {
    throw new Error(`model cache ${modelCacheDir}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
