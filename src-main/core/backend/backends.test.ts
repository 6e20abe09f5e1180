// tfjs-layers registers the gradient functions that assertBackendCanTrain checks.
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';

import {
  assertBackendCanTrain,
  BACKEND_ENV_VAR,
  initBackend,
  initBackendWith,
  type ImportModule,
} from './backends';
import { WASM_THREADS_ENV_VAR } from './wasm-threads';

const GPU_PACKAGE = '@tensorflow/tfjs-node-gpu';
const NODE_PACKAGE = '@tensorflow/tfjs-node';
const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

/** Creates the error that Node's ESM loader raises for a package missing from node_modules. */
function notFound(specifier: string): Error {
  return Object.assign(
    new Error(`Cannot find package '${specifier}' imported from /app/backends.js`),
    {
      code: 'ERR_MODULE_NOT_FOUND',
    },
  );
}

/** Returns a real import, except that the packages in `failures` reject. */
function importWith(failures: Record<string, Error>): ImportModule {
  return async (specifier) => {
    const failure = failures[specifier];
    if (failure !== undefined) {
      throw failure;
    }
    return import(specifier);
  };
}

const NATIVE_MISSING = {
  [GPU_PACKAGE]: notFound(GPU_PACKAGE),
  [NODE_PACKAGE]: notFound(NODE_PACKAGE),
};

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('initBackend on this machine', () => {
  it('picks wasm and reports both native packages skipped', async () => {
    vi.stubEnv(BACKEND_ENV_VAR, '');
    const report = await initBackend();

    expect(report.name).toBe('wasm');
    expect(report.tfjsBackend).toBe('wasm');
    expect(report.simd).toBe(true);
    expect(report.threads).toBeGreaterThanOrEqual(1);
    expect(report.pinnedBy).toBeUndefined();
    expect(report.skipped.map((entry) => entry.name)).toEqual(['tensorflow-gpu', 'tensorflow']);
    expect(report.skipped[0].reason).toContain(`package ${GPU_PACKAGE} is not installed`);
    expect(report.skipped[1].reason).toContain(`package ${NODE_PACKAGE} is not installed`);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('registers the wasm filter gradient', async () => {
    vi.stubEnv(BACKEND_ENV_VAR, '');
    await initBackend();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
    const loss = (w: tf.Tensor): tf.Tensor => tf.sum(tf.conv2d(x, w as tf.Tensor4D, 1, 'valid'));
    const dw = tf.grad(loss)(tf.ones([3, 3, 1, 1]));
    x.dispose();
    expect(Array.from(dw.dataSync())).toEqual(new Array(9).fill(4));
    dw.dispose();
  });
});

describe('initBackend wasm threads', () => {
  it('rejects an invalid NIN_LAB_WASM_THREADS', async () => {
    vi.stubEnv(WASM_THREADS_ENV_VAR, 'many');
    await expect(initBackend({ pin: 'wasm' })).rejects.toThrow(
      `Invalid ${WASM_THREADS_ENV_VAR}="many": expected an integer from 1 to 8`,
    );
  });
});

describe('initBackendWith fallback', () => {
  it('skips a missing and a broken native package', async () => {
    const broken = new Error(
      'libtensorflow.so.2: cannot open shared object file: No such file or directory',
    );
    const importModule = importWith({
      [GPU_PACKAGE]: notFound(GPU_PACKAGE),
      [NODE_PACKAGE]: broken,
    });
    const report = await initBackendWith({}, { importModule, env: {} });

    expect(report.name).toBe('wasm');
    expect(report.skipped).toEqual([
      {
        name: 'tensorflow-gpu',
        reason: `package ${GPU_PACKAGE} is not installed: its install downloads libtensorflow, which needs internet`,
      },
      { name: 'tensorflow', reason: `package ${NODE_PACKAGE} failed to load: ${broken.message}` },
    ]);
  });

  it('treats a missing native binding as broken, not missing', async () => {
    const binding = Object.assign(
      new Error(
        `Cannot find module '/app/node_modules/${NODE_PACKAGE}/lib/napi-v8/tfjs_binding.node'`,
      ),
      { code: 'MODULE_NOT_FOUND' },
    );
    const importModule = importWith({
      [GPU_PACKAGE]: notFound(GPU_PACKAGE),
      [NODE_PACKAGE]: binding,
    });
    const report = await initBackendWith({}, { importModule, env: {} });

    expect(report.skipped[1].reason).toMatch(
      /^package @tensorflow\/tfjs-node failed to load: Cannot find module/,
    );
  });

  it('skips a native package that registers no backend', async () => {
    const importModule: ImportModule = async (specifier) => {
      if (specifier === GPU_PACKAGE) throw notFound(GPU_PACKAGE);
      if (specifier === NODE_PACKAGE) return {};
      return import(specifier);
    };
    const report = await initBackendWith({}, { importModule, env: {} });

    expect(report.name).toBe('wasm');
    expect(report.skipped[1].reason).toContain("tfjs backend 'tensorflow' failed to initialize");
  });

  it('falls back to cpu when wasm fails to load', async () => {
    const importModule = importWith({
      ...NATIVE_MISSING,
      [WASM_PACKAGE]: new Error('WebAssembly is disabled'),
    });
    const report = await initBackendWith({}, { importModule, env: {} });

    expect(report.name).toBe('cpu');
    expect(report.skipped.map((entry) => entry.name)).toEqual([
      'tensorflow-gpu',
      'tensorflow',
      'wasm',
    ]);
    expect(report.skipped[2].reason).toBe(
      `package ${WASM_PACKAGE} failed to load: WebAssembly is disabled`,
    );
    expect(tf.getBackend()).toBe('cpu');
    expect(() => assertBackendCanTrain(report)).not.toThrow();
  });

  it('fails with every reason when nothing loads', async () => {
    const importModule: ImportModule = async (specifier) => {
      throw notFound(specifier);
    };
    await expect(initBackendWith({}, { importModule, env: {} })).rejects.toThrow(
      /No TensorFlow.js backend could be loaded \(tensorflow-gpu: .*; cpu: package @tensorflow\/tfjs-backend-cpu is not installed; run npm install\)/,
    );
  });
});

describe('initBackendWith pins', () => {
  const importModule = importWith(NATIVE_MISSING);

  it('uses the setting pin', async () => {
    const report = await initBackendWith({ pin: 'cpu' }, { importModule, env: {} });
    expect(report.name).toBe('cpu');
    expect(report.pinnedBy).toBe('setting');
    expect(report.skipped).toEqual([]);
  });

  it('lets the environment override the setting', async () => {
    const report = await initBackendWith(
      { pin: 'cpu' },
      { importModule, env: { [BACKEND_ENV_VAR]: ' wasm ' } },
    );
    expect(report.name).toBe('wasm');
    expect(report.pinnedBy).toBe('env');
  });

  it('ignores an empty environment variable', async () => {
    const report = await initBackendWith(
      { pin: 'cpu' },
      { importModule, env: { [BACKEND_ENV_VAR]: '' } },
    );
    expect(report.pinnedBy).toBe('setting');
  });

  it('rejects an unknown name in the environment', async () => {
    await expect(
      initBackendWith({}, { importModule, env: { [BACKEND_ENV_VAR]: 'webgl' } }),
    ).rejects.toThrow(
      'Invalid NIN_LAB_BACKEND="webgl": the backend must be one of tensorflow-gpu, tensorflow, wasm, cpu.',
    );
  });

  it('rejects an unknown name in the setting', async () => {
    const options = { pin: 'gpu' } as unknown as { pin: 'cpu' };
    await expect(initBackendWith(options, { importModule, env: {} })).rejects.toThrow(
      'Invalid backend setting "gpu": the backend must be one of',
    );
  });

  it('reports a pinned backend that fails instead of falling back', async () => {
    await expect(
      initBackendWith({}, { importModule, env: { [BACKEND_ENV_VAR]: 'tensorflow' } }),
    ).rejects.toThrow(
      `The tensorflow backend pinned by NIN_LAB_BACKEND failed to load: package ${NODE_PACKAGE} is not installed`,
    );
  });
});

describe('assertBackendCanTrain', () => {
  it('accepts wasm with the custom kernels', async () => {
    const report = await initBackendWith(
      { pin: 'wasm' },
      { importModule: importWith({}), env: {} },
    );
    expect(() => assertBackendCanTrain(report)).not.toThrow();
  });

  it('rejects stock wasm, which has no filter gradient', async () => {
    await initBackendWith({ pin: 'wasm' }, { importModule: importWith({}), env: {} });
    const custom = tf.getKernel('Conv2DBackpropFilter', 'wasm');
    tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
    try {
      expect(() => assertBackendCanTrain({ name: 'wasm', tfjsBackend: 'wasm' })).toThrow(
        "The wasm backend cannot train NiN: kernels Conv2DBackpropFilter are not registered for tfjs backend 'wasm'.",
      );
    } finally {
      tf.registerKernel(custom);
    }
  });

  it('rejects a backend that is not registered', () => {
    expect(() => assertBackendCanTrain({ name: 'tensorflow', tfjsBackend: 'tensorflow' })).toThrow(
      /kernels Add, ArgMax, .* are not registered for tfjs backend 'tensorflow'/,
    );
  });
});
