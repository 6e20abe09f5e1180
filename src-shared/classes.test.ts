import { describe, expect, it } from 'vitest';
import { CLASS_COUNT, CLASS_NAMES_EN, CLASS_NAMES_ZH, className } from './classes';

describe('classes', () => {
  it('lists ten names in each language', () => {
    expect(CLASS_NAMES_EN).toHaveLength(CLASS_COUNT);
    expect(CLASS_NAMES_ZH).toHaveLength(CLASS_COUNT);
    expect(new Set(CLASS_NAMES_EN).size).toBe(CLASS_COUNT);
    expect(new Set(CLASS_NAMES_ZH).size).toBe(CLASS_COUNT);
  });

  it.each([
    [0, 'T-shirt/top', 'T恤'],
    [1, 'Trouser', '裤子'],
    [2, 'Pullover', '套衫'],
    [3, 'Dress', '连衣裙'],
    [4, 'Coat', '外套'],
    [5, 'Sandal', '凉鞋'],
    [6, 'Shirt', '衬衫'],
    [7, 'Sneaker', '运动鞋'],
    [8, 'Bag', '包'],
    [9, 'Ankle boot', '短靴'],
  ])('className maps label %i', (label, english, chinese) => {
    expect(className(label)).toBe(english);
    expect(className(label, 'en')).toBe(english);
    expect(className(label, 'zh')).toBe(chinese);
  });

  it.each([-1, 10, 1.5, Number.NaN])('className rejects label %s', (label) => {
    expect(() => className(label)).toThrow(RangeError);
    expect(() => className(label)).toThrow(/0 to 9/);
  });
});
