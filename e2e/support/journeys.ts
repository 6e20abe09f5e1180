// The user journeys, written once against a Page so the browser-mode specs and the Electron
// specs run the same steps. Each journey waits on app state (data-* attributes and web-first
// assertions), never on sleeps.
import { expect, type Page } from '@playwright/test';
import { prepareShortRun, waitForLab, runToEnd } from './lab';

/** Reload the window and wait until the lab has loaded its state again. */
export async function reloadLab(page: Page): Promise<void> {
  await page.reload();
  await waitForLab(page);
}

export async function tableFollowsEdits(page: Page): Promise<void> {
  await page.getByTestId('preset').selectOption('nin-28-lite');
  const nin1 = page.getByTestId('shape-nin1');
  await expect(nin1).toHaveText('(1, 32, 28, 28)');
  const parameters = page.getByTestId('total-parameters');
  const before = (await parameters.textContent()) ?? '';

  await page.getByTestId('nin1-channels').fill('48');
  await expect(nin1).toHaveText('(1, 48, 28, 28)');
  await expect(parameters).not.toHaveText(before);

  await page.getByTestId('nin1-stride').fill('2');
  await expect(nin1).toHaveText('(1, 48, 14, 14)');
  await expect(page.getByTestId('shape-maxpool1')).toHaveText('(1, 48, 6, 6)');

  await page.getByTestId('layout-nhwc').click();
  await expect(nin1).toHaveText('(1, 14, 14, 48)');
  await page.getByTestId('layout-nchw').click();
  await expect(nin1).toHaveText('(1, 48, 14, 14)');
}

export async function ninBlockExpands(page: Page): Promise<void> {
  await page.getByTestId('preset').selectOption('nin-28-lite');
  await expect(page.getByTestId('row-nin1_conv')).toHaveCount(0);
  await page.getByRole('button', { name: 'Show the layers inside nin1' }).click();
  const rows = [
    'nin1_conv',
    'nin1_relu',
    'nin1_conv1x1a',
    'nin1_relu1x1a',
    'nin1_conv1x1b',
    'nin1_relu1x1b',
  ];
  for (const name of rows) await expect(page.getByTestId(`row-${name}`)).toBeVisible();
  // A 5×5 convolution from 1 to 32 channels has 5·5·1·32 weights and 32 biases.
  await expect(page.getByTestId('row-nin1_conv')).toContainText('832');
}

export async function impossibleInputDisablesTrain(page: Page): Promise<void> {
  await page.getByTestId('preset').selectOption('nin-28-lite');
  const train = page.getByTestId('train');
  await expect(train).toBeEnabled();

  await page.getByTestId('input-size').fill('8');
  await expect(page.getByTestId('row-maxpool3')).toHaveAttribute('data-blocked', 'true');
  await expect(page.getByTestId('layer-editor-5')).toHaveClass(/highlighted/);
  await expect(train).toBeDisabled();
  await expect(page.getByTestId('train-blocked')).toContainText('maxpool3');
  await expect(page.getByTestId('spec-issue')).toContainText('1×1 input');

  await page.getByTestId('input-size').fill('28');
  await expect(page.getByTestId('row-maxpool3')).toHaveAttribute('data-blocked', 'false');
  await expect(train).toBeEnabled();
  await expect(page.getByTestId('train-blocked')).toHaveCount(0);
}

export async function invalidFieldBlocksTrain(page: Page): Promise<void> {
  await page.getByTestId('preset').selectOption('nin-28-lite');
  await page.getByTestId('nin2-channels').fill('0');
  await expect(page.getByTestId('nin2-channels-error')).toHaveText(
    'Enter an integer from 1 to 2,048.',
  );
  await expect(page.getByTestId('train')).toBeDisabled();
  await expect(page.getByTestId('train-blocked')).toContainText('nin2');

  await page.getByTestId('nin2-channels').fill('64');
  await page.getByTestId('learning-rate').fill('0');
  await expect(page.getByTestId('learning-rate-error')).toHaveText('Enter a number in (0, 10].');
  await expect(page.getByTestId('train-blocked')).toContainText('Learning rate');
  await page.getByTestId('learning-rate').fill('0.002');
  await expect(page.getByTestId('train')).toBeEnabled();
}

/** Train a few steps on the sample; optionally save README screenshots in both languages. */
export async function trainOnSample(
  page: Page,
  screenshots: { en: string; zh: string } | null,
): Promise<void> {
  // 60 steps of 32 images, enough for the loss to fall visibly in the README screenshot.
  await prepareShortRun(page, { epochs: 1, batchSize: 32, maxSteps: 60, maxTestImages: 200 });
  await page.getByTestId('learning-rate').fill('0.003');
  await runToEnd(page, page.getByTestId('train'));

  await expect(page.getByTestId('test-accuracy')).toHaveText(/^\d+(\.\d)?%$/);
  await expect(page.getByTestId('loss')).toHaveText(/^\d/);
  const curves = page.getByTestId('curves');
  await expect(curves).toHaveAttribute('data-epochs', '1');
  await expect(curves).not.toHaveAttribute('data-steps', '0');
  await expect(page.getByTestId('chart-loss')).not.toHaveAttribute('data-points', '0');
  await expect(page.getByTestId('status-bar')).toHaveAttribute('data-backend', /\w+/);

  await page.getByTestId('predict').click();
  await expect(page.getByTestId('predict-view')).toHaveAttribute('data-state', 'ready');
  await expect(page.getByTestId('prediction-strip').getByTestId('example')).toHaveCount(10);
  if (!screenshots) return;

  // A saved checkpoint makes the screenshots show the checkpoint list filled in.
  const name = 'nin-28-lite-60-steps';
  await page.getByTestId('checkpoint-name').fill(name);
  await page.getByTestId('save-checkpoint').click();
  await expect(page.locator(`[data-testid="checkpoint"][data-name="${name}"]`)).toBeVisible();
  await page.screenshot({ path: screenshots.en, fullPage: true });
  await page.getByTestId('lang-zh').click();
  await expect(page.getByTestId('curves')).toContainText('训练曲线');
  await page.screenshot({ path: screenshots.zh, fullPage: true });
  await page.getByTestId('lang-en').click();
}

export async function pauseResumeStop(page: Page): Promise<void> {
  // 5,000 sample images at batch 16 is 313 steps: far more than this journey lets run.
  await prepareShortRun(page, { epochs: 1, batchSize: 16, maxTestImages: 50 });
  const training = page.getByTestId('training');
  const progress = page.getByTestId('progress-text');

  await page.getByTestId('train').click();
  await expect(training).toHaveAttribute('data-state', 'running');
  await expect(progress).toContainText('Step');

  await page.getByTestId('pause').click();
  await expect(training).toHaveAttribute('data-state', 'paused');
  await expect(page.getByTestId('resume')).toBeEnabled();
  const pausedAt = (await progress.textContent()) ?? '';

  await page.getByTestId('resume').click();
  await expect(training).toHaveAttribute('data-state', 'running');
  await expect(progress).not.toHaveText(pausedAt);

  await page.getByTestId('stop').click();
  await expect(training).toHaveAttribute('data-state', 'stopped');
  await expect(page.getByTestId('train')).toBeEnabled();
  await expect(page.getByTestId('stop')).toBeDisabled();
}

/** Predict the example strip; each entry is index, predicted class and the shown text. */
async function predictExamples(page: Page): Promise<string[]> {
  await page.getByTestId('predict').click();
  const examples = page.getByTestId('prediction-strip').getByTestId('example');
  await expect(examples).toHaveCount(10);
  return examples.evaluateAll((items) =>
    items.map((item) => [item.dataset.index, item.dataset.predicted, item.textContent].join('|')),
  );
}

export async function checkpointRoundTrip(page: Page): Promise<void> {
  const name = `e2e-${Date.now()}`;
  await prepareShortRun(page, { epochs: 1, batchSize: 32, maxSteps: 6, maxTestImages: 100 });
  await page.getByTestId('learning-rate').fill('0.003');
  await runToEnd(page, page.getByTestId('train'));
  const before = await predictExamples(page);

  await page.getByTestId('checkpoint-name').fill(name);
  await page.getByTestId('save-checkpoint').click();
  const entry = page.locator(`[data-testid="checkpoint"][data-name="${name}"]`);
  await expect(entry).toBeVisible();

  await reloadLab(page);
  await page.getByTestId('preset').selectOption('d2l');
  await expect(page.getByTestId('input-size')).toHaveValue('224');
  await entry.getByTestId('load-checkpoint').click();
  await expect(entry).toHaveClass(/loaded/);
  // Loading restores the spec, the hyperparameters and the curves of the checkpoint.
  await expect(page.getByTestId('input-size')).toHaveValue('28');
  await expect(page.getByTestId('learning-rate')).toHaveValue('0.003');
  await expect(page.getByTestId('curves')).toHaveAttribute('data-epochs', '1');

  expect(await predictExamples(page)).toEqual(before);

  // Delete needs a second click to confirm.
  await entry.getByTestId('delete-checkpoint').click();
  await expect(entry).toBeVisible();
  await entry.getByTestId('delete-checkpoint').click();
  await expect(entry).toHaveCount(0);
}

export async function switchLanguage(page: Page): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Layers and output shapes' })).toBeVisible();
  await expect(page.getByTestId('row-maxpool1')).toContainText('Max-pooling layer');

  await page.getByTestId('lang-zh').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByRole('heading', { name: '各层输出形状' })).toBeVisible();
  await expect(page.getByRole('heading', { name: '超参数' })).toBeVisible();
  await expect(page.getByTestId('row-maxpool1')).toContainText('最大汇聚层');
  await expect(page.getByTestId('row-dropout1')).toContainText('暂退法');
  await expect(page.getByTestId('row-gap')).toContainText('全局平均汇聚层');
  await expect(page.getByText('学习率', { exact: true })).toBeVisible();
  await expect(page.getByTestId('train')).toHaveText('训练');
  // Class names in the example strip follow the language too.
  const firstExample = page.getByTestId('example-strip').getByTestId('example').first();
  await expect(firstExample).toHaveText(/[\u4e00-\u9fff]/);

  await reloadLab(page);
  await expect(page.getByTestId('app')).toHaveAttribute('data-language', 'zh');
  await expect(page.getByRole('heading', { name: '模型' })).toBeVisible();

  await page.getByTestId('lang-en').click();
  await expect(page.getByRole('heading', { name: 'Model', exact: true })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
}
