// Development entry of the task threads: when the worker runs from TypeScript
// sources (tests, tsx), threads need the TypeScript loader too. The published
// package runs dist/executors/thread.js directly and never loads this file.
import { register } from 'tsx/esm/api';

register();
const entry = await import('./thread.ts');
export default entry.default;
