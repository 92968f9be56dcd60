// Development entry of the command host: when the worker runs from TypeScript
// sources (tests, tsx), the host needs the TypeScript loader too. The published
// package runs dist/sandbox/commandHost.js directly and never loads this file.
import { register } from 'tsx/esm/api';

register();
await import('./commandHost.ts');
