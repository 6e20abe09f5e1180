// Saved checkpoints and the predictions of the current model on the example strip.
import type { CheckpointListing, Prediction } from '../../../../src-shared/contract';
import { nameSchema } from '../../../../src-shared/contract';

export class CheckpointsState {
  list = $state.raw<CheckpointListing[]>([]);
  /** Name typed in the save field. */
  name = $state('');
  /** Checkpoint last loaded, or null. */
  loaded = $state<string | null>(null);
  predictions = $state.raw<Prediction[] | null>(null);
  busy = $state(false);

  readonly nameValid = $derived(nameSchema.safeParse(this.name.trim()).success);
}
