// Journey: overlay an earlier run on the curves of the current one.
import { expect, test } from '@playwright/test';
import { openLab, prepareShortRun, runToEnd } from './support/lab';

test('earlier run overlays the curves', async ({ page }) => {
  await openLab(page, 'en');
  await prepareShortRun(page, { epochs: 1, batchSize: 16, maxSteps: 4, maxTestImages: 50 });
  await runToEnd(page, page.getByTestId('train'));
  await page.getByTestId('seed').fill('2');
  await runToEnd(page, page.getByTestId('train'));

  const loss = page.getByTestId('chart-loss');
  await expect(loss).toHaveAttribute('data-points', '4');
  await page.getByTestId('compare-runs').click();
  await page.getByTestId('compare-run').first().check();
  // The overlaid run adds its own 4 steps to the loss chart.
  await expect(loss).toHaveAttribute('data-points', '8');
  await expect(page.getByTestId('curves')).toHaveAttribute('data-overlays', '1');
});
