import { defineConfig } from 'vitest/config';

// Two cores: run test files in parallel forks, each test file owns its ports and temp dirs.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
