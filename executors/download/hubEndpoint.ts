import type { WorkerConfig } from '../../config/definitions.js';

/** The Hub to download from: HF_ENDPOINT when set (mirrors, tests), else huggingface.co. */
export const hubEndpoint = (config: WorkerConfig): string => config.hfEndpoint || 'https://huggingface.co';
