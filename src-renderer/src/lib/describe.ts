// Sentences for why the spec cannot be trained, in the UI's language.
import type { SpecIssue } from '../../../src-shared/shapes';
import type { MessageKey, MessageParams } from './i18n/i18n.svelte';
import { MAX_BODY_LAYERS, type Blocker } from './layer-view';

type Translate = (key: MessageKey, params?: MessageParams) => string;

/** Describe a shape issue in a sentence naming the layer, its window and its input size. */
export function describeIssue(issue: SpecIssue, t: Translate): string {
  return t('issue.message', {
    // Rows are numbered from 1 on screen; SpecIssue counts from 0.
    index: issue.layerIndex + 1,
    name: issue.layerName,
    window: issue.window,
    what: t(issue.kind === 'maxpool' ? 'issue.pool' : 'issue.kernel'),
    stride: issue.stride,
    padding: issue.padding,
    size: issue.inputSize,
  });
}

/** Describe why the model spec disables Train, naming the layer where there is one. */
export function describeBlocker(blocker: Blocker, t: Translate): string {
  switch (blocker.type) {
    case 'shape':
      return describeIssue(blocker.issue, t);
    case 'field':
      return t('train.blocked.invalid', {
        field: t('issue.fieldOf', { field: t(`field.${blocker.field}`), name: blocker.layerName }),
      });
    case 'inputSize':
      return t('train.blocked.inputSize');
    case 'bodyLength':
      return t('train.blocked.bodyLength', { max: MAX_BODY_LAYERS });
  }
}
