// Layout of the lab's data folder. LabService owns it:
//   <dataDir>/fashion-mnist/        full dataset cache (downloaded or imported)
//   <dataDir>/runs/<runId>/         config.json + metrics.jsonl of each run
//   <dataDir>/checkpoints/<name>/   saved checkpoints
//   <dataDir>/settings.json         user settings
import { join, resolve, sep } from 'node:path';
import { nameSchema } from '../../src-shared/contract';
import { LabError } from './errors';

export { DATA_DIR_ENV, resolveDataDir } from '../core/paths';

export interface DataFolder {
  /** Absolute path of the data folder; also the root the DatasetCache works in. */
  root: string;
  runs: string;
  checkpoints: string;
  settingsFile: string;
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
