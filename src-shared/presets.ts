// Ready-made networks: the chapter's NiN and two 28×28 variants that a CPU can train.
import type { Hyperparameters, ModelSpec, NinBlock } from './spec';

export const PRESET_NAMES = ['d2l', 'nin-28', 'nin-28-lite'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface Preset {
  name: PresetName;
  title: { en: string; zh: string };
  description: { en: string; zh: string };
  spec: ModelSpec;
  hyperparameters: Hyperparameters;
}

const nin = (channels: number, kernel: number, stride: number, padding: number): NinBlock => ({
  type: 'nin',
  channels,
  kernel,
  stride,
  padding,
});
const pool = { type: 'maxpool', window: 3, stride: 2 } as const;
const dropout = { type: 'dropout', rate: 0.5 } as const;

/** The chapter's training setup: Adam, learning rate 0.002, batch 128, 5 epochs. */
const chapterHyperparameters: Hyperparameters = {
  optimizer: 'adam',
  learningRate: 0.002,
  momentum: 0.9,
  batchSize: 128,
  epochs: 5,
  initializer: 'glorotUniform',
  seed: 1,
};

const PRESETS: Record<PresetName, Preset> = {
  d2l: {
    name: 'd2l',
    title: { en: "The chapter's NiN (224×224)", zh: '书中的 NiN（224×224）' },
    description: {
      en: 'The network of the NiN chapter exactly, on images resized to 224×224.',
      zh: '与 NiN 一节完全相同的网络，图像放大到 224×224。',
    },
    spec: {
      inputSize: 224,
      body: [nin(96, 11, 4, 0), pool, nin(256, 5, 1, 2), pool, nin(384, 3, 1, 1), pool, dropout],
      classifier: { kernel: 3, stride: 1, padding: 1 },
    },
    hyperparameters: chapterHyperparameters,
  },
  'nin-28': {
    name: 'nin-28',
    title: { en: 'NiN at 28×28', zh: 'NiN（28×28 原始分辨率）' },
    description: {
      en: "The chapter's widths at Fashion-MNIST's own 28×28 resolution; the first block uses a 5×5 kernel with stride 1.",
      zh: '书中的通道数，直接使用 Fashion-MNIST 的 28×28 分辨率；第一个 NiN 块改用 5×5 卷积核、步幅 1。',
    },
    spec: {
      inputSize: 28,
      body: [nin(96, 5, 1, 2), pool, nin(256, 5, 1, 2), pool, nin(384, 3, 1, 1), pool, dropout],
      classifier: { kernel: 3, stride: 1, padding: 1 },
    },
    hyperparameters: chapterHyperparameters,
  },
  'nin-28-lite': {
    name: 'nin-28-lite',
    title: { en: 'Narrow NiN at 28×28', zh: '窄版 NiN（28×28）' },
    description: {
      en: 'The 28×28 network with narrower blocks, so one epoch of the full training set takes minutes on a CPU.',
      zh: '通道更少的 28×28 网络，在 CPU 上几分钟即可训练完整训练集的一个迭代周期。',
    },
    spec: {
      inputSize: 28,
      body: [nin(32, 5, 1, 2), pool, nin(64, 5, 1, 2), pool, nin(128, 3, 1, 1), pool, dropout],
      classifier: { kernel: 3, stride: 1, padding: 1 },
    },
    hyperparameters: chapterHyperparameters,
  },
};

/** Return a deep copy of the named preset, safe to edit. */
export function getPreset(name: PresetName): Preset {
  return structuredClone(PRESETS[name]);
}

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}
