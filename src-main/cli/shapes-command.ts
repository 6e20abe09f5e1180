// `nin-lab shapes`: the layer table of a preset, as the book prints it.
import { getPreset, type PresetName } from '../../src-shared/presets';
import { inferShapes, SpecError, type LayerRow } from '../../src-shared/shapes';
import { UserError } from './user-error';

interface ShapesOptions {
  preset: PresetName;
  input?: number;
  layout: 'nchw' | 'nhwc';
  json?: boolean;
}

const number = (value: number) => value.toLocaleString('en-US');

function geometry(row: LayerRow): string {
  if (row.kernel === undefined) return row.rate !== undefined ? `rate ${row.rate}` : '';
  return `${row.kernel}×${row.kernel} /${row.stride} pad ${row.padding}`;
}

/** Print the table of `--preset` (with `--input` overriding its input size). */
export function printShapes(options: ShapesOptions): void {
  const spec = getPreset(options.preset).spec;
  if (options.input !== undefined) spec.inputSize = options.input;
  let table;
  try {
    table = inferShapes(spec);
  } catch (error) {
    if (error instanceof SpecError) throw new UserError(error.message);
    throw error;
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(table, null, 2)}\n`);
    return;
  }
  const rows = table.layers.map((row) => [
    String(row.index + 1),
    row.name,
    row.kind,
    geometry(row),
    JSON.stringify(row.outputShape[options.layout]),
    number(row.parameters),
    number(row.multiplyAdds),
  ]);
  const header = [
    '#',
    'layer',
    'kind',
    'kernel/stride/padding',
    `output shape (${options.layout.toUpperCase()})`,
    'parameters',
    'multiply-adds',
  ];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column >= 5 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]),
      )
      .join('  ');
  const out = [line(header), ...rows.map(line)];
  out.push('');
  out.push(
    `input ${JSON.stringify(table.inputShape[options.layout])}, ${number(table.totalParameters)} parameters, ${number(table.totalMultiplyAdds)} multiply-adds per image`,
  );
  out.push(
    `activation memory per image (forward, float32): ${(table.activationBytesPerImage / 2 ** 20).toFixed(2)} MiB`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}
