// The training hyperparameters being edited, validated field by field with the shared schema.
import { getPreset } from '../../../../src-shared/presets';
import { hyperparametersSchema, type Hyperparameters } from '../../../../src-shared/spec';

export type HyperparameterField = keyof Hyperparameters;

export class HyperparametersState {
  /** Deeply reactive for bind:value. An empty number input stores null until the user types. */
  values = $state<Hyperparameters>(getPreset('nin-28-lite').hyperparameters);

  readonly parsed = $derived(hyperparametersSchema.safeParse(this.values));
  /** The first field the schema rejects, in form order, or null when all are valid. */
  readonly invalidField = $derived<HyperparameterField | null>(
    this.parsed.success ? null : (this.parsed.error.issues[0].path[0] as HyperparameterField),
  );

  snapshot(): Hyperparameters {
    return $state.snapshot(this.values);
  }

  replace(values: Hyperparameters): void {
    this.values = structuredClone(values);
  }
}
