// Unit tests of the renderer's plain TypeScript modules (no Svelte runes, no DOM).
// The root vitest.config.ts runs them too.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: __dirname,
    include: ['src/**/*.test.ts'],
  },
});
