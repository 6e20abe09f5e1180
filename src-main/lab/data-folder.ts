// Layout of the lab's data folder. LabService owns it:
//   <dataDir>/fashion-mnist/        full dataset cache (downloaded or imported)
//   <dataDir>/runs/<runId>/         config.json + metrics.jsonl of each run
//   <dataDir>/checkpoints/<name>/   saved checkpoints
//   <dataDir>/settings.json         user settings
import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { nameSchema } from '../../src-shared/contract';
import { LabError } from './errors';

/** Environment variable that sets the data folder of browser mode and the CLI. */
export const DATA_DIR_ENV = 'NIN_LAB_DATA_DIR';

export interface DataFolder {
  /** Absolute path of the data folder; also the root the DatasetCache works in. */
  root: string;
  runs: string;
  checkpoints: string;
  settingsFile: string;
}

/** Returns the data folder: the option, then $NIN_LAB_DATA_DIR, then `~/.nin-lab`. */
export function resolveDataDir(option?: string): string {
  if (option !== undefined && option !== '') {
    return resolve(option);
  }
  const fromEnv = process.env[DATA_DIR_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    return resolve(fromEnv);
  }
  return join(homedir(), '.nin-lab');
}

export function dataFolderLayout(dataDir: string): DataFolder {
  const root = resolve(dataDir);
  return {
    root,
    runs: join(root, 'runs'),
    checkpoints: join(root, 'checkpoints'),
    settingsFile: join(root, 'settings.json'),
  };
}

/**
 * Returns `<parent>/<name>` for a checkpoint or run name. The contract's schemas have checked
 * the name already; this check repeats it so that no caller can build a path outside `parent`.
 */
export function namedChild(parent: string, name: string): string {
  const child = resolve(parent, name);
  if (!nameSchema.safeParse(name).success || !child.startsWith(resolve(parent) + sep)) {
    throw new LabError(
      'INVALID_REQUEST',
      `Invalid name ${JSON.stringify(name)}: use letters, digits, '.', '_' or '-'.`,
      {
        name,
      },
    );
  }
  return child;
}
