// Journey: save a checkpoint, reload the page, load it, and get the same predictions.
import { test } from '@playwright/test';
import { checkpointRoundTrip } from './support/journeys';
import { openLab } from './support/lab';

test('checkpoint survives a reload with the same predictions', async ({ page }) => {
  await openLab(page, 'en');
  await checkpointRoundTrip(page);
});
