// Journey: pause a running run, resume it, and stop it before its epoch ends.
import { test } from '@playwright/test';
import { pauseResumeStop } from './support/journeys';
import { openLab } from './support/lab';

test('pause, resume and stop a run', async ({ page }) => {
  await openLab(page, 'en');
  await pauseResumeStop(page);
});
