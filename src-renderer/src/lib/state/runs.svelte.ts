// Earlier runs that the curves can overlay for comparison.
import type { MetricsHistory, RunListing } from '../../../../src-shared/contract';
import type { Requester } from './request';

/** Most runs overlaid at once; more lines than this are hard to tell apart. */
export const MAX_OVERLAYS = 4;

export class RunsState {
  list = $state.raw<RunListing[]>([]);
  /** Run ids overlaid on the curves, in the order they were chosen. */
  selected = $state.raw<string[]>([]);
  metrics = $state.raw<Record<string, MetricsHistory>>({});
  readonly #request: Requester;

  constructor(request: Requester) {
    this.#request = request;
  }

  async refresh(): Promise<void> {
    const runs = await this.#request('runs.list');
    if (runs) this.list = runs;
  }

  /** Full history of one run, from its metrics file. */
  async fetchMetrics(runId: string): Promise<MetricsHistory | null> {
    const result = await this.#request('runs.metrics', { runId });
    if (!result) return null;
    return { steps: result.steps, epochs: result.epochs };
  }

  async toggle(runId: string): Promise<void> {
    if (this.selected.includes(runId)) {
      this.selected = this.selected.filter((id) => id !== runId);
      return;
    }
    const history = this.metrics[runId] ?? (await this.fetchMetrics(runId));
    if (!history) return;
    this.metrics = { ...this.metrics, [runId]: history };
    this.selected = [...this.selected, runId].slice(-MAX_OVERLAYS);
  }
}
