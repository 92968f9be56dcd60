// Development entry of the control-plane I/O thread: when the worker runs from
// TypeScript sources (tests, tsx), the thread needs the TypeScript loader too.
// The published package runs dist/actors/controlPlaneThreadEntry.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./controlPlaneThreadEntry.ts');
