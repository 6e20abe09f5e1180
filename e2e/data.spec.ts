// Journey: import the full Fashion-MNIST from a folder of IDX files, use it, and go back to the
// bundled sample. A folder without the files shows an error naming the folder.
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { openLab } from './support/lab';

/** The four official files, kept next to the repository (not in it) on this project's machines. */
const FASHION_MNIST_DIR = resolve('../shared/datasets/fashion-mnist');

test('import a folder as the full set', async ({ page }) => {
  test.skip(!existsSync(FASHION_MNIST_DIR), `no Fashion-MNIST folder at ${FASHION_MNIST_DIR}`);
  await openLab(page, 'en');
  const dataPanel = page.getByTestId('data-panel');

  await page.getByTestId('import-dir').fill(FASHION_MNIST_DIR);
  await page.getByTestId('import').click();
  const imported = page.getByTestId('message').filter({ hasText: 'Imported 60,000 training' });
  await expect(imported).toBeVisible();
  await expect(page.getByTestId('use-full')).toBeEnabled();

  await page.getByTestId('use-full').click();
  await expect(dataPanel).toHaveAttribute('data-in-use', 'full');
  await expect(page.getByTestId('data-summary')).toContainText('60,000 training and 10,000 test');
  await expect(page.getByTestId('data-summary')).toContainText('official files');
  await expect(page.getByTestId('example-strip').getByTestId('example')).toHaveCount(10);

  await page.getByTestId('use-sample').click();
  await expect(dataPanel).toHaveAttribute('data-in-use', 'sample');
  await expect(page.getByTestId('data-summary')).toContainText('5,000 training and 500 test');
});

test('import of an empty folder shows the error', async ({ page }) => {
  const empty = await mkdtemp(join(tmpdir(), 'nin-lab-e2e-empty-'));
  try {
    await openLab(page, 'en');
    await page.getByTestId('import-dir').fill(empty);
    await page.getByTestId('import').click();
    const error = page.getByTestId('message').filter({ hasText: empty });
    await expect(error).toHaveAttribute('data-level', 'error');
    await expect(page.getByTestId('data-panel')).toHaveAttribute('data-in-use', 'sample');
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});
