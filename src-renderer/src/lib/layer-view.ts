// The layer table as the editor shows it: every row of a valid spec, or, while the spec is
// invalid, the rows before the first offending layer plus placeholders for the rest.
import {
  classifierSchema,
  dropoutSchema,
  maxPoolSchema,
  modelSpecSchema,
  ninBlockSchema,
  type BodyLayer,
  type ModelSpec,
} from '../../../src-shared/spec';
import {
  inferShapes,
  tryInferShapes,
  type LayerKind,
  type LayerRow,
  type ShapeTable,
  type SpecIssue,
} from '../../../src-shared/shapes';

export type LayerField = 'channels' | 'kernel' | 'stride' | 'padding' | 'window' | 'rate';

/** Reason the spec cannot be trained, with the fields a UI needs to state it in any language. */
export type Blocker =
  | { type: 'shape'; issue: SpecIssue }
  | { type: 'field'; layerIndex: number; layerName: string; field: LayerField }
  | { type: 'inputSize' }
  | { type: 'bodyLength'; length: number };

/** A row whose shape could not be computed because an earlier or this layer is invalid. */
export interface PendingRow {
  index: number;
  name: string;
  kind: LayerKind;
  pending: true;
}

export interface TableView {
  /** The whole table when the spec is valid, otherwise null. */
  table: ShapeTable | null;
  rows: (LayerRow | PendingRow)[];
  blocker: Blocker | null;
  /** Index of the row to highlight, or null. */
  blockedRow: number | null;
}

/** Names in table order, as inferShapes assigns them: nin1, maxpool1, …, classifier, gap, flatten. */
export function layerNames(body: readonly BodyLayer[]): string[] {
  const counters = { nin: 0, maxpool: 0, dropout: 0 };
  const names = body.map((layer) => {
    counters[layer.type] += 1;
    return `${layer.type}${counters[layer.type]}`;
  });
  return [...names, 'classifier', 'gap', 'flatten'];
}

const bodySchemas = { nin: ninBlockSchema, maxpool: maxPoolSchema, dropout: dropoutSchema };

/** Return the first field of `layer` that its schema rejects, or null. */
export function invalidField(layer: BodyLayer): LayerField | null {
  const result = bodySchemas[layer.type].safeParse(layer);
  if (result.success) return null;
  return result.error.issues[0].path[0] as LayerField;
}

/** Maximum number of layers before the classifier, as modelSpecSchema allows (main checks it too). */
export const MAX_BODY_LAYERS = 32;

function firstBlocker(spec: ModelSpec, names: string[]): Blocker | null {
  if (!modelSpecSchema.shape.inputSize.safeParse(spec.inputSize).success)
    return { type: 'inputSize' };
  if (spec.body.length === 0 || spec.body.length > MAX_BODY_LAYERS) {
    return { type: 'bodyLength', length: spec.body.length };
  }
  for (const [index, layer] of spec.body.entries()) {
    const field = invalidField(layer);
    if (field) return { type: 'field', layerIndex: index, layerName: names[index], field };
  }
  const classifier = classifierSchema.safeParse(spec.classifier);
  if (!classifier.success) {
    const field = classifier.error.issues[0].path[0] as LayerField;
    return { type: 'field', layerIndex: spec.body.length, layerName: 'classifier', field };
  }
  return null;
}

/** Return the spec cut before layer `count`, with a 1×1 classifier that fits any input. */
function prefixSpec(spec: ModelSpec, count: number): ModelSpec {
  return {
    inputSize: spec.inputSize,
    body: spec.body.slice(0, count),
    classifier: { kernel: 1, stride: 1, padding: 0 },
  };
}

function pendingRows(spec: ModelSpec, names: string[], from: number): PendingRow[] {
  const kinds: LayerKind[] = [
    ...spec.body.map((layer) => layer.type),
    'classifier',
    'gap',
    'flatten',
  ];
  return names.slice(from).map((name, offset) => ({
    index: from + offset,
    name,
    kind: kinds[from + offset],
    pending: true,
  }));
}

/** Build the table view for a spec that may hold invalid or empty (null) fields. */
export function buildTableView(spec: ModelSpec): TableView {
  const names = layerNames(spec.body);
  const blocker = firstBlocker(spec, names);
  if (blocker !== null && blocker.type !== 'field') {
    return { table: null, rows: pendingRows(spec, names, 0), blocker, blockedRow: null };
  }

  // Layers before an invalid field can still be computed, unless one of them does not fit.
  const checked = blocker === null ? spec : prefixSpec(spec, blocker.layerIndex);
  const result = tryInferShapes(checked);
  if (!result.ok) {
    const at = result.issue.layerIndex;
    const rows = [...tryPrefixRows(spec, at), ...pendingRows(spec, names, at)];
    return { table: null, rows, blocker: { type: 'shape', issue: result.issue }, blockedRow: at };
  }
  if (blocker === null) {
    return { table: result.table, rows: result.table.layers, blocker: null, blockedRow: null };
  }

  const at = blocker.layerIndex;
  const rows = [...result.table.layers.slice(0, at), ...pendingRows(spec, names, at)];
  return { table: null, rows, blocker, blockedRow: at };
}

/** Rows before layer `count`, which fit because the first issue is at `count`. */
function tryPrefixRows(spec: ModelSpec, count: number): LayerRow[] {
  if (count === 0) return [];
  return inferShapes(prefixSpec(spec, count)).layers.slice(0, count);
}

export function isPending(row: LayerRow | PendingRow): row is PendingRow {
  return 'pending' in row;
}
