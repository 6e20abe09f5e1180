import { describe, expect, it } from 'vitest';
import { getPreset } from '../../../src-shared/presets';
import type { ModelSpec } from '../../../src-shared/spec';
import { buildTableView, isPending, layerNames } from './layer-view';

const lite = (): ModelSpec => getPreset('nin-28-lite').spec;

describe('layerNames', () => {
  it('numbers each layer type on its own', () => {
    expect(layerNames(lite().body)).toEqual([
      'nin1',
      'maxpool1',
      'nin2',
      'maxpool2',
      'nin3',
      'maxpool3',
      'dropout1',
      'classifier',
      'gap',
      'flatten',
    ]);
  });
});

describe('buildTableView', () => {
  it('computes every row of a valid spec', () => {
    const view = buildTableView(lite());
    expect(view.blocker).toBeNull();
    expect(view.table).not.toBeNull();
    expect(view.rows.map((row) => row.name)).toEqual(layerNames(lite().body));
    expect(view.rows.some(isPending)).toBe(false);
  });

  it('blocks at the pool that no longer fits a small input', () => {
    const view = buildTableView({ ...lite(), inputSize: 8 });
    expect(view.blocker?.type).toBe('shape');
    expect(view.blockedRow).toBe(5);
    expect(view.rows[5].name).toBe('maxpool3');
    expect(view.rows.slice(0, 5).some(isPending)).toBe(false);
    expect(view.rows.slice(5).every(isPending)).toBe(true);
  });

  it('blocks at an empty field and keeps the rows before it', () => {
    const spec = lite();
    const nin2 = spec.body[2];
    if (nin2.type !== 'nin') throw new Error('nin-28-lite changed: body[2] is not a NiN block');
    (nin2 as { channels: number | null }).channels = null;
    const view = buildTableView(spec);
    expect(view.blocker).toEqual({
      type: 'field',
      layerIndex: 2,
      layerName: 'nin2',
      field: 'channels',
    });
    expect(view.blockedRow).toBe(2);
    expect(isPending(view.rows[1])).toBe(false);
    expect(isPending(view.rows[2])).toBe(true);
  });

  it('reports a shape issue before a later invalid field', () => {
    const spec = { ...lite(), inputSize: 2 };
    const dropout = spec.body[6];
    if (dropout.type !== 'dropout') throw new Error('nin-28-lite changed: body[6] is not dropout');
    dropout.rate = 1.5;
    const view = buildTableView(spec);
    expect(view.blocker?.type).toBe('shape');
    expect(view.blockedRow).toBe(1);
  });

  it('blocks at the classifier when its kernel does not fit', () => {
    const spec = { ...lite(), classifier: { kernel: 5, stride: 1, padding: 0 } };
    const view = buildTableView(spec);
    expect(view.blocker?.type).toBe('shape');
    expect(view.rows[view.blockedRow ?? -1].name).toBe('classifier');
  });

  it('marks every row pending for an invalid input size', () => {
    const view = buildTableView({ ...lite(), inputSize: 0 });
    expect(view.blocker).toEqual({ type: 'inputSize' });
    expect(view.blockedRow).toBeNull();
    expect(view.rows.every(isPending)).toBe(true);
  });

  it('rejects an empty body', () => {
    const view = buildTableView({ ...lite(), body: [] });
    expect(view.blocker).toEqual({ type: 'bodyLength', length: 0 });
  });
});
