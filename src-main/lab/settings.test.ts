import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src-shared/contract';
import { namedChild } from './data-folder';
import type { Logger } from './log';
import { SettingsStore } from './settings';

let dir: string;
let warnings: string[];
const logger: Logger = {
  debug() {},
  info() {},
  warn: (message) => warnings.push(message),
  error() {},
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nin-lab-settings-'));
  warnings = [];
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SettingsStore', () => {
  it('missing file gives the defaults', async () => {
    const store = new SettingsStore(join(dir, 'settings.json'), logger);

    expect(await store.load()).toEqual(DEFAULT_SETTINGS);
    expect(warnings).toEqual([]);
  });

  it.each([
    ['not JSON', '{language:'],
    ['wrong value', '{"language":"klingon"}'],
    ['unknown key', '{"dataDir":"/tmp"}'],
  ])('damaged file (%s) gives defaults and a warning', async (_case, text) => {
    const file = join(dir, 'settings.json');
    await writeFile(file, text);
    const store = new SettingsStore(file, logger);

    expect(await store.load()).toEqual(DEFAULT_SETTINGS);
    expect(warnings).toHaveLength(1);
  });

  it('update writes the whole settings', async () => {
    const file = join(dir, 'settings.json');
    const store = new SettingsStore(file, logger);

    await store.update({ backend: 'wasm' });

    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      ...DEFAULT_SETTINGS,
      backend: 'wasm',
    });
  });
});

describe('namedChild', () => {
  it('joins a valid name', () => {
    expect(namedChild('/data/checkpoints', 'run-1')).toBe('/data/checkpoints/run-1');
  });

  it.each(['..', '../x', 'a/b', '/etc', '', '.'])('rejects %j', (name) => {
    expect(() => namedChild('/data/checkpoints', name)).toThrow(/Invalid name/);
  });
});
