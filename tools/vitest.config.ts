import { defineConfig } from 'vitest/config';

// The tools' tests check the benches' wiring only (no benchmark figure is taken here; PyTorch runs
// only in overhead-ddp.test.ts, for a few steps), against the compiled tools/dist the benches run
// from: nx builds it before `test`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
  },
});
