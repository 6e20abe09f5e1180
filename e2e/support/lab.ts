// Shared setup of the e2e specs: the server's fixed token, opening the lab, and short runs.
import { expect, type Locator, type Page } from '@playwright/test';

/** Token the e2e server is started with (playwright.config.ts passes it to `serve`). */
export const E2E_TOKEN = 'e2e-token-4f9c2a61d8b3';

export type Language = 'en' | 'zh';

/** Wait until the lab window has loaded its state, then pick the language. */
export async function waitForLab(page: Page, language?: Language): Promise<void> {
  const app = page.getByTestId('app');
  await expect(app).toHaveAttribute('data-phase', 'ready');
  if (language === undefined) return;
  if ((await app.getAttribute('data-language')) !== language) {
    await page.getByTestId(`lang-${language}`).click();
  }
  await expect(app).toHaveAttribute('data-language', language);
}

/** Open the browser-mode lab with the token and wait until it is ready in `language`. */
export async function openLab(page: Page, language: Language = 'en'): Promise<void> {
  await page.goto(`/#token=${E2E_TOKEN}`);
  await waitForLab(page, language);
}

export interface ShortRun {
  epochs?: number;
  batchSize?: number;
  /** Optimiser steps after which the run stops; the run then ends in state 'stopped'. */
  maxSteps?: number;
  maxTestImages?: number;
}

/**
 * Choose the narrow 28×28 network and a short run on the bundled sample, so the spec's
 * training stays short on a 2-core CI machine.
 */
export async function prepareShortRun(page: Page, run: ShortRun = {}): Promise<void> {
  await page.getByTestId('preset').selectOption('nin-28-lite');
  await page.getByTestId('epochs').fill(String(run.epochs ?? 1));
  await page.getByTestId('batch-size').fill(String(run.batchSize ?? 32));
  await page.getByText(/^(Short run|短时训练)$/).click();
  await page.getByTestId('max-steps').fill(run.maxSteps === undefined ? '' : String(run.maxSteps));
  await page.getByTestId('max-test-images').fill(String(run.maxTestImages ?? 100));
  const dataPanel = page.getByTestId('data-panel');
  await expect(dataPanel).toHaveAttribute('data-in-use', /^(sample|full)$/);
  if ((await dataPanel.getAttribute('data-in-use')) !== 'sample') {
    await page.getByTestId('use-sample').click();
  }
  await expect(dataPanel).toHaveAttribute('data-in-use', 'sample');
}

/** Wait until the current run has ended, by the end of its epochs or by maxSteps. */
export async function waitForRunEnd(page: Page): Promise<void> {
  const training = page.getByTestId('training');
  await expect(training).toHaveAttribute('data-state', /^(finished|stopped|failed)$/, {
    timeout: 150_000,
  });
  if ((await training.getAttribute('data-state')) === 'failed') {
    const messages = await page.getByTestId('message').allTextContents();
    throw new Error(`The run failed. Messages shown: ${messages.join(' | ') || '(none)'}`);
  }
}

/**
 * Click `button` (Train, or a checkpoint's Resume), wait until a new run has taken over the
 * training panel, then wait until that run has ended.
 */
export async function runToEnd(page: Page, button: Locator): Promise<void> {
  const training = page.getByTestId('training');
  const previous = (await training.getAttribute('data-run-id')) ?? '';
  await button.click();
  await expect(training).not.toHaveAttribute('data-run-id', previous);
  await waitForRunEnd(page);
}
