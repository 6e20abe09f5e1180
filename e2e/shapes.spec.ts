// Journey: edit the model and watch the layer table; an impossible input size disables Train
// and names the layer that no longer fits.
import { expect, test } from '@playwright/test';
import {
  impossibleInputDisablesTrain,
  invalidFieldBlocksTrain,
  ninBlockExpands,
  tableFollowsEdits,
} from './support/journeys';
import { openLab } from './support/lab';

test.beforeEach(async ({ page }) => {
  await openLab(page, 'en');
});

test('layer table follows each edit', async ({ page }) => {
  await tableFollowsEdits(page);
});

test('NiN block expands into its layers', async ({ page }) => {
  await ninBlockExpands(page);
});

test('impossible input size disables Train', async ({ page }) => {
  await impossibleInputDisablesTrain(page);
});

test('invalid field blocks Train', async ({ page }) => {
  await invalidFieldBlocksTrain(page);
});

test('disabled reason follows the language', async ({ page }) => {
  await page.getByTestId('preset').selectOption('nin-28-lite');
  await page.getByTestId('input-size').fill('8');
  await page.getByTestId('lang-zh').click();
  const reason = page.getByTestId('train-blocked');
  await expect(reason).toContainText('无法训练');
  await expect(reason).toContainText('maxpool3');
  await expect(reason).toContainText('汇聚窗口');
  await page.getByTestId('lang-en').click();
  await expect(reason).toContainText('pooling window');
});
