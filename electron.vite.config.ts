// Build of the three parts of the app with electron-vite: the main process (with the training
// worker as a second entry), the sandboxed preload, and the Svelte renderer.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';

const require = createRequire(import.meta.url);

/** Major version of the `electron` optional dependency in package.json. */
const ELECTRON_MAJOR = '45';

// electron-vite 6.0.0 reads electron/package.json to choose the Node and Chrome build
// targets and throws when the package is missing. The electron package is optional (its
// install downloads a binary and fails offline), so name the version for it instead.
if (process.env.ELECTRON_MAJOR_VER === undefined && !isInstalled('electron/package.json')) {
  process.env.ELECTRON_MAJOR_VER = ELECTRON_MAJOR;
}

/**
 * TensorFlow.js packages with native or WebAssembly files. They stay out of the bundle and
 * are loaded from node_modules at run time (electron-builder unpacks them from the asar).
 */
const NATIVE_PACKAGES = [
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  '@tensorflow/tfjs-backend-wasm',
];

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // Every dependency in package.json stays external; the list repeats the native ones
      // for clarity and in case the default changes.
      externalizeDeps: true,
      rollupOptions: {
        input: {
          index: resolve('src-main/electron/main.ts'),
          worker: resolve('src-main/core/train/worker.ts'),
        },
        external: NATIVE_PACKAGES,
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve('src-main/electron/preload.ts') },
        // Sandboxed preload scripts must be CommonJS; .cjs keeps Node from reading it as ESM.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src-renderer',
    plugins: [svelte()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: resolve('src-renderer/index.html') },
    },
  },
});

function isInstalled(specifier: string): boolean {
  try {
    require.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}
