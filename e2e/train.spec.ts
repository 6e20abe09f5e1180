// Journey: train the narrow network on the bundled sample and see the curves, a test accuracy
// and the model's predictions. The run also writes the README screenshots in both languages.
import { test } from '@playwright/test';
import { trainOnSample } from './support/journeys';
import { openLab } from './support/lab';

test('train on the sample shows curves and test accuracy', async ({ page }) => {
  await openLab(page, 'en');
  await trainOnSample(page, { en: 'docs/screenshot-en.png', zh: 'docs/screenshot-zh.png' });
});
