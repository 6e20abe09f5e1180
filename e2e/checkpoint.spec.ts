// Journeys: save a checkpoint, reload the page, load it and get the same predictions; resume
// training from a checkpoint.
import { expect, test } from '@playwright/test';
import { checkpointRoundTrip } from './support/journeys';
import { openLab, prepareShortRun, runToEnd } from './support/lab';

test('checkpoint survives a reload with the same predictions', async ({ page }) => {
  await openLab(page, 'en');
  await checkpointRoundTrip(page);
});

test('resume continues from the checkpoint', async ({ page }) => {
  const name = `e2e-resume-${Date.now()}`;
  await openLab(page, 'en');
  await prepareShortRun(page, { epochs: 2, batchSize: 16, maxSteps: 4, maxTestImages: 50 });
  await runToEnd(page, page.getByTestId('train'));
  await page.getByTestId('checkpoint-name').fill(name);
  await page.getByTestId('save-checkpoint').click();
  const entry = page.locator(`[data-testid="checkpoint"][data-name="${name}"]`);
  await expect(entry).toBeVisible();

  await runToEnd(page, entry.getByTestId('resume-checkpoint'));
  // maxSteps counts the steps of this session: 4 more on top of the checkpoint's 4.
  await expect(page.getByTestId('curves')).toHaveAttribute('data-steps', '8');
  await expect(page.getByTestId('progress-text')).toContainText('Step 8/');

  await entry.getByTestId('delete-checkpoint').click();
  await entry.getByTestId('delete-checkpoint').click();
  await expect(entry).toHaveCount(0);
});
