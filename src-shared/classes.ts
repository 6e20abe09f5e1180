// Fashion-MNIST class names, indexed by label (0-9). The renderer imports this module too,
// so it must stay free of Node imports.

/** Number of Fashion-MNIST classes; labels are 0 to CLASS_COUNT - 1. */
export const CLASS_COUNT = 10;

/** English class names as published with Fashion-MNIST, indexed by label. */
export const CLASS_NAMES_EN = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** Chinese class names as the Chinese edition of Dive into Deep Learning prints them. */
export const CLASS_NAMES_ZH = [
  'T恤',
  '裤子',
  '套衫',
  '连衣裙',
  '外套',
  '凉鞋',
  '衬衫',
  '运动鞋',
  '包',
  '短靴',
] as const;

/** Language of a class name. */
export type ClassNameLanguage = 'en' | 'zh';

/** Returns the name of class `label` in `language`; throws a RangeError for labels outside 0-9. */
export function className(label: number, language: ClassNameLanguage = 'en'): string {
  if (!Number.isInteger(label) || label < 0 || label >= CLASS_COUNT) {
    throw new RangeError(
      `Invalid Fashion-MNIST label ${label}: expected an integer from 0 to ${CLASS_COUNT - 1}.`,
    );
  }
  return language === 'zh' ? CLASS_NAMES_ZH[label] : CLASS_NAMES_EN[label];
}
