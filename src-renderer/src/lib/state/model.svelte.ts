// The model being edited: preset, spec and the layer table derived from it on every keystroke.
import { getPreset, PRESET_NAMES, type PresetName } from '../../../../src-shared/presets';
import type { BodyLayer, ModelSpec } from '../../../../src-shared/spec';
import { buildTableView, MAX_BODY_LAYERS } from '../layer-view';

export type ShapeLayout = 'nchw' | 'nhwc';

/** Defaults for a newly added layer of each type; NiN blocks keep the size of their input. */
const NEW_LAYERS: Record<BodyLayer['type'], BodyLayer> = {
  nin: { type: 'nin', channels: 64, kernel: 3, stride: 1, padding: 1 },
  maxpool: { type: 'maxpool', window: 3, stride: 2 },
  dropout: { type: 'dropout', rate: 0.5 },
};

export class ModelState {
  presetName = $state<PresetName>('nin-28-lite');
  /** Deeply reactive so inputs can bind to `spec.body[i].channels`; empty inputs hold null. */
  spec = $state<ModelSpec>(getPreset('nin-28-lite').spec);
  layout = $state<ShapeLayout>('nchw');

  readonly view = $derived(buildTableView(this.spec));
  readonly modified = $derived(
    JSON.stringify(this.spec) !== JSON.stringify(getPreset(this.presetName).spec),
  );
  readonly canAddLayer = $derived(this.spec.body.length < MAX_BODY_LAYERS);

  /** Return a plain copy for the LabApi: state proxies cannot cross IPC or structuredClone. */
  snapshot(): ModelSpec {
    return $state.snapshot(this.spec);
  }

  applyPreset(name: PresetName): void {
    this.presetName = name;
    this.spec = getPreset(name).spec;
  }

  /** Replace the spec, for example with a loaded checkpoint's, and show the preset it came from. */
  replace(spec: ModelSpec, presetName?: PresetName): void {
    this.presetName = presetName ?? closestPreset(spec, this.presetName);
    this.spec = structuredClone(spec);
  }

  /** Rate of the first dropout layer, or null when the body has none. */
  get dropoutRate(): number | null {
    const dropout = this.spec.body.find((layer) => layer.type === 'dropout');
    return dropout?.type === 'dropout' ? dropout.rate : null;
  }

  /** Set every dropout layer's rate; the hyperparameter form edits them as one value. */
  set dropoutRate(rate: number | null) {
    for (const layer of this.spec.body) {
      if (layer.type === 'dropout') layer.rate = rate as number;
    }
  }

  addLayer(type: BodyLayer['type']): void {
    if (!this.canAddLayer) return;
    this.spec.body.push(structuredClone(NEW_LAYERS[type]));
  }

  removeLayer(index: number): void {
    this.spec.body.splice(index, 1);
  }

  /** Move layer `index` by `offset` places (−1 up, +1 down); moves past either end are ignored. */
  moveLayer(index: number, offset: number): void {
    const target = index + offset;
    if (target < 0 || target >= this.spec.body.length) return;
    const [layer] = this.spec.body.splice(index, 1);
    this.spec.body.splice(target, 0, layer);
  }
}

/** Return the preset equal to `spec`, else the first with its input size, else `fallback`. */
function closestPreset(spec: ModelSpec, fallback: PresetName): PresetName {
  const text = JSON.stringify(spec);
  const equal = PRESET_NAMES.find((name) => JSON.stringify(getPreset(name).spec) === text);
  const sameInput = PRESET_NAMES.find((name) => getPreset(name).spec.inputSize === spec.inputSize);
  return equal ?? sameInput ?? fallback;
}
