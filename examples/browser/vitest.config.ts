import { defineConfig } from 'vitest/config';

// Tests run real tfjs, real sockets and real child processes: forks isolate native state,
// and the generous timeouts are ceilings against hangs, not performance targets.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
