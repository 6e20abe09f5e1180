import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('./nin-lab.ts', import.meta.url));
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'nin-lab-cli-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Run the CLI; resolves with its exit code and output, whether it failed or not. */
async function nin(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', cli, ...args], {
      env: { ...process.env, NIN_LAB_DATA_DIR: dataDir, NIN_LAB_BACKEND: 'wasm' },
      timeout: 240_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('nin-lab shapes', () => {
  it('prints the chapter table', async () => {
    const { code, stdout } = await nin('shapes', '--preset', 'd2l');
    expect(code).toBe(0);
    expect(stdout).toContain('[1,96,54,54]');
    expect(stdout).toContain('[1,10]');
    expect(stdout).toContain('1,992,166 parameters');
  });

  it('prints NHWC on request', async () => {
    const { stdout } = await nin('shapes', '--preset', 'd2l', '--layout', 'nhwc');
    expect(stdout).toContain('[1,54,54,96]');
  });

  it('rejects an input that empties a layer', async () => {
    const { code, stderr } = await nin('shapes', '--preset', 'd2l', '--input', '66');
    expect(code).toBe(1);
    expect(stderr).toContain('Layer 6 (maxpool3)');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects an unknown preset without a stack trace', async () => {
    const { code, stderr } = await nin('shapes', '--preset', 'resnet');
    expect(code).not.toBe(0);
    expect(stderr).toContain('resnet');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('nin-lab data', () => {
  it('rejects a folder with a bad file, naming it', async () => {
    const bad = path.join(dataDir, 'bad-import');
    await mkdir(bad, { recursive: true });
    for (const name of [
      'train-images-idx3-ubyte',
      'train-labels-idx1-ubyte',
      't10k-images-idx3-ubyte',
      't10k-labels-idx1-ubyte',
    ]) {
      await writeFile(path.join(bad, name), '<html>not found</html>');
    }
    const { code, stderr } = await nin('data', 'import', bad);
    expect(code).toBe(1);
    expect(stderr).toContain('-ubyte');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('reports the bundled sample', async () => {
    const { code, stdout } = await nin('data', 'status');
    expect(code).toBe(0);
    expect(stdout).toContain('5,000 training + 500 test images');
  });
});

describe('nin-lab train and eval', () => {
  it('trains on the sample, saves and evaluates a checkpoint', async () => {
    const checkpoint = path.join(dataDir, 'cli-checkpoint');
    const trained = await nin(
      'train',
      '--preset',
      'nin-28-lite',
      '--data',
      'sample',
      '--max-steps',
      '2',
      '--batch-size',
      '16',
      '--max-test-images',
      '50',
      '--checkpoint',
      checkpoint,
    );
    expect(trained.code).toBe(0);
    expect(trained.stdout).toMatch(/test accuracy 0\.\d{4} after [\d.]+ epochs?, 2 steps/);
    expect(trained.stdout).toContain('backend wasm');
    expect(trained.stdout).toContain('bundled sample');

    const evaluated = await nin('eval', '--checkpoint', checkpoint);
    expect(evaluated.code).toBe(0);
    expect(evaluated.stdout).toMatch(/test accuracy 0\.\d{4}, test loss \d+\.\d{4} on 500 images/);
  });

  it('keeps a named checkpoint in the data folder and resumes it', async () => {
    const trained = await nin(
      'train',
      '--preset',
      'nin-28-lite',
      '--max-steps',
      '2',
      '--batch-size',
      '16',
      '--max-test-images',
      '20',
      '--checkpoint',
      'quick',
    );
    expect(trained.code).toBe(0);
    expect(trained.stdout).toContain(path.join(dataDir, 'checkpoints', 'quick'));
    expect(existsSync(path.join(dataDir, 'checkpoints', 'quick', 'lab.json'))).toBe(true);

    // Without --preset the run takes the checkpoint's network and its batch size of 16.
    const resumed = await nin(
      'train',
      '--resume',
      'quick',
      '--max-steps',
      '1',
      '--max-test-images',
      '20',
    );
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/after 0\.01 epochs, 3 steps/);
  });

  it('rejects a missing checkpoint with the folder named', async () => {
    const { code, stderr } = await nin('eval', '--checkpoint', path.join(dataDir, 'nothing-here'));
    expect(code).toBe(1);
    expect(stderr).toContain('nothing-here');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects a bad learning rate', async () => {
    const { code, stderr } = await nin('train', '--lr', '-1');
    expect(code).not.toBe(0);
    expect(stderr).toContain('--lr must be a number above 0');
  });
});
