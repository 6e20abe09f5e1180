// Journey: edit the model and watch the layer table; an impossible input size disables Train
// and names the layer that no longer fits.
import { test } from '@playwright/test';
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
