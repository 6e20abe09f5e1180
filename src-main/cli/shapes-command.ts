// `nin-lab shapes`: the layer table of a preset, as the book prints it.
import { getPreset, type PresetName } from '../../src-shared/presets';
import { inferShapes, SpecError, type LayerRow, type ShapeTable } from '../../src-shared/shapes';
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

  const text = options.json ? JSON.stringify(table, null, 2) : formatTable(table, options.layout);
  process.stdout.write(`${text}\n`);
}

/** Format the layer table as aligned columns, then the totals. */
function formatTable(table: ShapeTable, layout: 'nchw' | 'nhwc'): string {
  const rows = table.layers.map((row) => [
    String(row.index + 1),
    row.name,
    row.kind,
    geometry(row),
    JSON.stringify(row.outputShape[layout]),
    number(row.parameters),
    number(row.multiplyAdds),
  ]);
  const header = [
    '#',
    'layer',
    'kind',
    'kernel/stride/padding',
    `output shape (${layout.toUpperCase()})`,
    'parameters',
    'multiply-adds',
  ];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length)),
  );
  // Number columns (parameters, multiply-adds) align right.
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column >= 5 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]),
      )
      .join('  ');

  const input = JSON.stringify(table.inputShape[layout]);
  const megabytes = (table.activationBytesPerImage / 2 ** 20).toFixed(2);
  return [
    line(header),
    ...rows.map(line),
    '',
    `input ${input}, ${number(table.totalParameters)} parameters, ${number(table.totalMultiplyAdds)} multiply-adds per image`,
    `activation memory per image (forward, float32): ${megabytes} MiB`,
  ].join('\n');
}
