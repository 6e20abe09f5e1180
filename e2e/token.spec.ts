// Journey: without the right token the server rejects requests and the page shows the error.
import { expect, test } from '@playwright/test';
import { E2E_TOKEN } from './support/lab';

test('API request without token is refused', async ({ request }) => {
  const missing = await request.post('/api/invoke/app.info', { data: {} });
  expect(missing.status()).toBe(401);
  expect((await missing.json()).error.code).toBe('UNAUTHORIZED');

  const wrong = await request.post('/api/invoke/app.info', {
    data: {},
    headers: { Authorization: 'Bearer not-the-token' },
  });
  expect(wrong.status()).toBe(401);

  const right = await request.post('/api/invoke/app.info', {
    data: {},
    headers: { Authorization: `Bearer ${E2E_TOKEN}` },
  });
  expect(right.status()).toBe(200);
});

test('page with a wrong token shows the refusal', async ({ page }) => {
  await page.goto('/#token=not-the-token');
  await expect(page.getByTestId('app')).toHaveAttribute('data-phase', 'failed');
  await expect(page.getByRole('alert').first()).toContainText('The connection to the lab failed.');
  await expect(page.getByTestId('train')).toBeDisabled();
});

test('page without a token shows the refusal', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('app')).toHaveAttribute('data-phase', 'failed');
  await expect(page.getByTestId('message').first()).toHaveAttribute('data-code', 'TRANSPORT');
});
