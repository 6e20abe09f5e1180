// Journey: train the narrow network on the bundled sample and see the curves, a test accuracy
// and the model's predictions. The run also takes screenshots in both languages.
import { test } from '@playwright/test';
import { trainOnSample } from './support/journeys';
import { openLab } from './support/lab';

test('train on the sample shows curves and test accuracy', async ({ page }) => {
  await openLab(page, 'en');
  // The README's screenshots are rewritten only on request, so a test run leaves docs/ alone.
  const folder = process.env.NIN_LAB_UPDATE_SCREENSHOTS ? 'docs' : 'test-results';
  await trainOnSample(page, { en: `${folder}/screenshot-en.png`, zh: `${folder}/screenshot-zh.png` });
});
