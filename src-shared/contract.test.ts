import { describe, expect, it } from 'vitest';
import { CHANNELS, nameSchema } from './contract';
import { CHANNEL_NAMES, isChannel } from './lab-api';
import { getPreset } from './presets';

describe('contract channel map', () => {
  it('names every channel of CHANNEL_NAMES once', () => {
    expect(Object.keys(CHANNELS).sort()).toEqual([...CHANNEL_NAMES].sort());
  });

  it('isChannel rejects unknown and non-string names', () => {
    expect(isChannel('training.start')).toBe(true);
    expect(isChannel('training.explode')).toBe(false);
    expect(isChannel('__proto__')).toBe(false);
    expect(isChannel(42)).toBe(false);
  });
});

describe('nameSchema', () => {
  const good = ['a', 'run-1', 'nin_28.epoch3', 'A'.repeat(64), 'x..y'];
  const bad = [
    '',
    '.',
    '..',
    '../x',
    'x/../y',
    'a/b',
    'a\\b',
    '.hidden',
    'ends.',
    'has space',
    'A'.repeat(65),
    'CON',
    'nul.txt',
    'Com1',
    'ümlaut',
    'C:x',
    'x\0y',
  ];

  it.each(good)('accepts %j', (name) => {
    expect(nameSchema.safeParse(name).success).toBe(true);
  });

  it.each(bad)('rejects %j', (name) => {
    expect(nameSchema.safeParse(name).success).toBe(false);
  });
});

describe('request schemas', () => {
  const preset = getPreset('nin-28-lite');

  it('training.start accepts a preset and rejects extra keys', () => {
    const request = { spec: preset.spec, hyperparameters: preset.hyperparameters, data: 'sample' };
    expect(CHANNELS['training.start'].request.safeParse(request).success).toBe(true);

    const extra = { ...request, runDir: '/tmp/elsewhere' };
    expect(CHANNELS['training.start'].request.safeParse(extra).success).toBe(false);
  });

  it('training.start rejects a folder as data', () => {
    const request = {
      spec: preset.spec,
      hyperparameters: preset.hyperparameters,
      data: { dir: '/etc' },
    };
    expect(CHANNELS['training.start'].request.safeParse(request).success).toBe(false);
  });

  it('empty requests reject any key', () => {
    expect(CHANNELS['training.pause'].request.safeParse({}).success).toBe(true);
    expect(CHANNELS['training.pause'].request.safeParse({ force: true }).success).toBe(false);
  });

  it('training.predict limits the number of indices', () => {
    const schema = CHANNELS['training.predict'].request;
    expect(schema.safeParse({ testIndices: [0, 1] }).success).toBe(true);
    expect(schema.safeParse({ testIndices: [] }).success).toBe(false);
    expect(schema.safeParse({ testIndices: [-1] }).success).toBe(false);
    expect(schema.safeParse({ testIndices: [0.5] }).success).toBe(false);
    expect(
      schema.safeParse({ testIndices: Array.from({ length: 257 }, (_, i) => i) }).success,
    ).toBe(false);
  });

  it('settings.update takes a subset and rejects unknown values', () => {
    const schema = CHANNELS['settings.update'].request;
    expect(schema.safeParse({ language: 'zh' }).success).toBe(true);
    expect(schema.safeParse({ language: 'fr' }).success).toBe(false);
    expect(schema.safeParse({ dataDir: '/tmp' }).success).toBe(false);
  });
});
