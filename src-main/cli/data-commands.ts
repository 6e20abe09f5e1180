// `nin-lab data status|download|import`: the Fashion-MNIST cache from the command line.
import { SingleBar } from 'cli-progress';
import { DatasetCache, type DatasetSummary } from '../core/data/cache';
import { DatasetError } from '../core/data/errors';
import { resolveDataDir } from '../core/paths';
import { UserError } from './user-error';

interface DataOptions {
  dataDir?: string;
}

function describe(summary: DatasetSummary): string {
  if (!summary.present) return `missing (${summary.problem})`;
  const counts = `${summary.trainCount.toLocaleString('en-US')} training + ${summary.testCount.toLocaleString('en-US')} test images`;
  if (summary.source === 'bundled') return `${counts}, bundled with NiN Lab — ${summary.dir}`;
  const origin = summary.official ? 'official checksums' : 'not the official checksums';
  return `${counts}, ${summary.source}, ${origin} — ${summary.dir}`;
}

/** Run `work`, turning dataset errors into user errors. */
async function withDatasetErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DatasetError) throw new UserError(error.message);
    throw error;
  }
}

export async function dataStatus(options: DataOptions): Promise<void> {
  const cache = new DatasetCache(resolveDataDir(options.dataDir));
  const status = await cache.status();
  process.stdout.write(`sample: ${describe(status.sample)}\n`);
  process.stdout.write(
    `full:   ${status.full ? describe(status.full) : 'not downloaded or imported (run `nin-lab data download` or `nin-lab data import DIR`)'}\n`,
  );
}

export async function dataDownload(options: DataOptions): Promise<void> {
  const cache = new DatasetCache(resolveDataDir(options.dataDir));
  const bar = new SingleBar({
    format: '{file} [{bar}] {percentage}% {received}/{total} MB',
    hideCursor: true,
  });
  let current = '';
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const identity = await withDatasetErrors(() =>
    cache.download({
      signal: controller.signal,
      onProgress: (progress) => {
        const total = progress.totalBytes ?? 0;
        if (progress.file !== current) {
          if (current) bar.stop();
          current = progress.file;
          bar.start(total || 1, 0, {
            file: progress.file,
            received: '0.0',
            total: (total / 1e6).toFixed(1),
          });
        }
        bar.update(Math.min(progress.receivedBytes, total || 1), {
          received: (progress.receivedBytes / 1e6).toFixed(1),
        });
      },
    }),
  ).finally(() => bar.stop());
  process.stdout.write(
    `Downloaded and verified Fashion-MNIST (MD5 sums match the published ones) into ${identity.dir}\n`,
  );
}

export async function dataImport(dir: string, options: DataOptions): Promise<void> {
  const cache = new DatasetCache(resolveDataDir(options.dataDir));
  const identity = await withDatasetErrors(() => cache.importDir(dir));
  const note = identity.official
    ? 'the official files'
    : 'valid IDX files, but not the official checksums';
  process.stdout.write(
    `Imported ${identity.trainCount.toLocaleString('en-US')} training and ${identity.testCount.toLocaleString('en-US')} test images (${note}) into ${identity.dir}\n`,
  );
}
