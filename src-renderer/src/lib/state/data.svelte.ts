// The datasets: which one is in use, download with progress and checksums, import from a
// folder, and the strip of example images.
import type {
  DataKind,
  DatasetStatus,
  DownloadProgress,
  ExampleImage,
  FileChecksum,
} from '../../../../src-shared/contract';
import type { MessagesState } from './messages.svelte';
import type { Requester } from './request';

/** Images in the example strip; the predict view uses the same test images. */
export const EXAMPLE_COUNT = 10;

export class DataState {
  status = $state.raw<DatasetStatus | null>(null);
  progress = $state.raw<DownloadProgress | null>(null);
  /** Checksums of the last finished download, or null. */
  checksums = $state.raw<FileChecksum[] | null>(null);
  examples = $state.raw<ExampleImage[]>([]);
  /** Data the examples were read from, so they reload when the data in use changes. */
  examplesData = $state<DataKind | null>(null);
  importDir = $state('');
  importing = $state(false);

  readonly downloading = $derived(this.status?.downloading ?? false);

  readonly #request: Requester;
  readonly #messages: MessagesState;

  constructor(request: Requester, messages: MessagesState) {
    this.#request = request;
    this.#messages = messages;
  }

  async refresh(): Promise<void> {
    const status = await this.#request('dataset.status');
    if (status) this.setStatus(status);
  }

  setStatus(status: DatasetStatus): void {
    this.status = status;
    if (!status.downloading) this.progress = null;
    if (status.inUse !== this.examplesData) void this.loadExamples();
  }

  async loadExamples(): Promise<void> {
    const result = await this.#request('dataset.examples', { split: 'test', count: EXAMPLE_COUNT });
    if (!result) return;
    this.examples = result.examples;
    this.examplesData = result.data;
  }

  async download(): Promise<void> {
    this.checksums = null;
    const result = await this.#request('dataset.download');
    if (!result) return;
    this.checksums = result.checksums;
    this.setStatus(result.status);
    const { trainCount, testCount } = result.status.full;
    this.#messages.info('data.downloaded', { train: trainCount, test: testCount });
  }

  async cancelDownload(): Promise<void> {
    const result = await this.#request('dataset.cancelDownload');
    if (result?.cancelled) this.#messages.info('data.cancelled');
  }

  /** Import `importDir`, or ask with a folder picker where the app offers one and the field is empty. */
  async importFolder(): Promise<void> {
    const dir = this.importDir.trim();
    this.importing = true;
    const result = await this.#request('dataset.import', dir ? { dir } : {});
    this.importing = false;
    if (!result?.imported) return;
    this.setStatus(result.status);
    const { trainCount, testCount } = result.status.full;
    this.#messages.info('data.imported', { train: trainCount, test: testCount });
  }
}
