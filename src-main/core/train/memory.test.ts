import { describe, expect, it } from 'vitest';
import { getPreset } from '../../../src-shared/presets';
import { describePlan, planMicroBatches } from './memory';

describe('planMicroBatches', () => {
  it('splits the chapter network at 224 on wasm', () => {
    const plan = planMicroBatches(getPreset('d2l').spec, 128, 'wasm');
    expect(plan.passes).toBeGreaterThan(1);
    expect(plan.microBatch * plan.passes).toBeGreaterThanOrEqual(128);
    expect(plan.microBatch * (plan.passes - 1)).toBeLessThan(128);
    // Batch 64 needed about 2.9 GB there, so one pass must stay well below the 4 GiB heap.
    expect(plan.passBytes).toBeLessThan(3e9);
  });

  it('keeps a 28×28 batch whole', () => {
    const plan = planMicroBatches(getPreset('nin-28').spec, 128, 'wasm');
    expect(plan).toMatchObject({ passes: 1, microBatch: 128 });
  });

  it('describes the split in the run log', () => {
    const plan = planMicroBatches(getPreset('d2l').spec, 128, 'wasm');
    const text = describePlan(plan, 128, 'wasm');
    expect(text).toContain(`${plan.passes} micro-batches of at most ${plan.microBatch} images`);
    expect(text).toContain('the update and the metrics are the same');
  });
});
