// Journey: switch the UI between English and Simplified Chinese; the choice persists.
import { expect, test } from '@playwright/test';
import { en } from '../src-renderer/src/lib/i18n/en';
import { zh } from '../src-renderer/src/lib/i18n/zh';
import { switchLanguage } from './support/journeys';
import { E2E_TOKEN, openLab, waitForLab } from './support/lab';

test('dictionaries have the same keys', () => {
  expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
});

test('switch language and keep it after a reload', async ({ page }) => {
  await openLab(page, 'en');
  await switchLanguage(page);
});

test('default language follows the browser locale', async ({ browser, request }) => {
  // Earlier journeys may have stored a language; 'system' hands the choice back to the locale.
  const reset = await request.post('/api/invoke/settings.update', {
    data: { language: 'system' },
    headers: { Authorization: `Bearer ${E2E_TOKEN}` },
  });
  expect(reset.status()).toBe(200);

  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(`/#token=${E2E_TOKEN}`);
  await waitForLab(page);
  await expect(page.getByTestId('app')).toHaveAttribute('data-language', 'zh');
  await expect(page.getByRole('heading', { name: '模型' })).toBeVisible();
  await context.close();
});
