export * from './definitions.js';
export * from './load.js';
export * from './ConfigError.js';
