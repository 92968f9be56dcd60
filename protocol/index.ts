export * from './schemas.js';
export * from './parseAssignment.js';
export * from './keys.js';
