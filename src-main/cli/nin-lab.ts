// The nin-lab command line: layer tables, the dataset cache, training and evaluation, headless.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { PRESET_NAMES } from '../../src-shared/presets';
import { BACKEND_NAMES } from '../../src-shared/training';
import { APP_VERSION } from '../core/version';
import { dataDownload, dataImport, dataStatus } from './data-commands';
import { printShapes } from './shapes-command';
import { evalCommand, trainCommand } from './train-command';
import { UserError } from './user-error';

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(
        `${name} must be a whole number from ${min} to ${max}, not "${value}".`,
      );
    }
    return parsed;
  };
}

function positiveNumber(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed <= 0) {
      throw new InvalidArgumentError(`${name} must be a number above 0, not "${value}".`);
    }
    return parsed;
  };
}

const dataDirOption = () =>
  new Option(
    '--data-dir <dir>',
    'folder for the dataset cache, runs and checkpoints (default: $NIN_LAB_DATA_DIR or ~/.nin-lab)',
  );
const presetOption = () =>
  new Option('--preset <name>', 'network to use').choices(PRESET_NAMES).default('nin-28-lite');
const trainPresetOption = () =>
  new Option(
    '--preset <name>',
    "network to use (default: the resumed checkpoint's, else nin-28-lite)",
  ).choices(PRESET_NAMES);

function buildProgram(): Command {
  const program = new Command('nin-lab')
    .description(
      'NiN Lab: train the Network in Network CNN of Dive into Deep Learning on Fashion-MNIST',
    )
    .version(APP_VERSION)
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('shapes')
    .description(
      'print every layer of a network with its output shape, parameters and multiply-adds',
    )
    .addOption(presetOption())
    .option(
      '--input <size>',
      'input height and width in pixels, overriding the preset',
      integer('--input', 1, 512),
    )
    .addOption(
      new Option(
        '--layout <layout>',
        'shape layout: NCHW as the book prints it, NHWC as TensorFlow.js holds it',
      )
        .choices(['nchw', 'nhwc'])
        .default('nchw'),
    )
    .option('--json', 'print the table as JSON')
    .action(printShapes);

  const data = program.command('data').description('manage the Fashion-MNIST cache');
  data
    .command('status')
    .description('show which datasets are available')
    .addOption(dataDirOption())
    .action(dataStatus);
  data
    .command('download')
    .description('download the full Fashion-MNIST and verify its published MD5 sums')
    .addOption(dataDirOption())
    .action(dataDownload);
  data
    .command('import')
    .description('import a folder of Fashion-MNIST IDX files (gzipped or raw) for offline use')
    .argument(
      '<dir>',
      'folder with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte',
    )
    .addOption(dataDirOption())
    .action(dataImport);

  program
    .command('train')
    .description('train a network and print a summary line')
    .addOption(trainPresetOption())
    .option(
      '--input <size>',
      'input height and width in pixels, overriding the preset',
      integer('--input', 1, 512),
    )
    .option('--epochs <n>', 'passes over the training split', integer('--epochs', 1, 1000))
    .option('--lr <rate>', 'learning rate', positiveNumber('--lr'))
    .option('--batch-size <n>', 'images per optimiser step', integer('--batch-size', 1, 1024))
    .option(
      '--seed <n>',
      'seed of initialisation, shuffling and dropout',
      integer('--seed', 0, 2 ** 31 - 1),
    )
    .addOption(new Option('--optimizer <name>', 'optimiser').choices(['adam', 'sgd']))
    .option(
      '--data <which>',
      'sample (bundled), full (downloaded or imported), or a folder of IDX files',
      'sample',
    )
    .option(
      '--checkpoint <name-or-dir>',
      "save a checkpoint when the run ends or is interrupted: a name (kept in the data folder's checkpoints/) or a folder path",
    )
    .option(
      '--resume <name-or-dir>',
      'continue training from a checkpoint (a name or a folder path), with its network and hyperparameters unless given',
    )
    .addOption(
      new Option(
        '--backend <name>',
        'TensorFlow.js backend (default: the fastest that loads; also $NIN_LAB_BACKEND)',
      ).choices(BACKEND_NAMES),
    )
    .option(
      '--max-steps <n>',
      'stop after this many steps (for quick checks)',
      integer('--max-steps', 1, 10_000_000),
    )
    .option(
      '--max-test-images <n>',
      'evaluate on at most this many test images',
      integer('--max-test-images', 1, 10_000),
    )
    .addOption(dataDirOption())
    .action(trainCommand);

  program
    .command('eval')
    .description("evaluate a checkpoint on a dataset's test split")
    .requiredOption('--checkpoint <name>', 'checkpoint name (in the data folder) or folder path')
    .option('--data <which>', 'sample, full, or a folder of IDX files', 'sample')
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices(BACKEND_NAMES))
    .addOption(dataDirOption())
    .action(evalCommand);

  program
    .command('serve')
    .description(
      'run the lab in browser mode on 127.0.0.1 (options: --host, --port, --data-dir, --token; see serve --help)',
    )
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[options...]')
    .action(async (args: string[]) => {
      const { runServe } = await import('../server/serve');
      await runServe(args);
    });

  return program;
}

/** Run the CLI; user mistakes print one message to stderr and exit 1, without a stack trace. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (error instanceof UserError) {
      process.stderr.write(`nin-lab: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}

await main(process.argv);
