// User settings in `<dataDir>/settings.json`, written atomically (temporary file + rename).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DEFAULT_SETTINGS, settingsSchema, type Settings } from '../../src-shared/contract';
import type { Logger } from './log';

export class SettingsStore {
  private current: Settings = { ...DEFAULT_SETTINGS };

  constructor(
    private readonly file: string,
    private readonly log: Logger,
  ) {}

  get value(): Settings {
    return { ...this.current };
  }

  /**
   * Reads the settings file. A missing file gives the defaults. An unreadable or invalid file
   * is logged and the defaults are used, so a damaged file does not stop the app.
   */
  async load(): Promise<Settings> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.log.warn('settings file unreadable, using defaults', {
          file: this.file,
          error: String(error),
        });
      }
      return this.value;
    }

    const parsed = settingsSchema.partial().safeParse(safeJsonParse(text));
    if (!parsed.success) {
      this.log.warn('settings file invalid, using defaults', {
        file: this.file,
        error: parsed.error.message,
      });
      return this.value;
    }
    this.current = { ...DEFAULT_SETTINGS, ...parsed.data };
    return this.value;
  }

  /** Applies a validated partial update and writes the file. */
  async update(patch: Partial<Settings>): Promise<Settings> {
    const next = { ...this.current, ...patch };
    await mkdir(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(next, null, 2)}\n`);
    await rename(temporary, this.file);
    this.current = next;
    return this.value;
  }
}

function safeJsonParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
