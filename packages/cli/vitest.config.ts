import { defineConfig } from 'vitest/config';

// Tests run real tfjs, real sockets and real child processes: forks isolate native state,
// and the generous timeouts are ceilings against hangs, not performance targets.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // End-to-end files each start several Node processes: one file at a time on 2 cores.
    fileParallelism: false,
    globalSetup: ['test/support/build-dist.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
