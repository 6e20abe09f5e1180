import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'src-shared/**/*.test.ts',
      'src-main/**/*.test.ts',
      'src-renderer/src/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    // Training tests run real tfjs steps on 2 CPU cores; keep one test file per worker.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One wasm thread per test process: test files run in parallel on few cores, where a
    // second XNNPACK thread per process only competes (and spin-waits) for them.
    // wasm-threads.test.ts clears it to test the threaded backend.
    env: { NIN_LAB_WASM_THREADS: '1' },
  },
});
