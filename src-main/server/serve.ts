// Browser mode: `npm run serve` (through tsx) and `nin-lab serve` start the lab behind a local
// HTTP + WebSocket server and print the URL to open, with its access token.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { resolveDataDir } from '../lab/data-folder';
import { LabService } from '../lab/lab-service';
import { createLogger } from '../lab/log';
import { newToken } from './security';
import { indexFile } from './static-files';
import { startLabServer, type LabServer } from './server';

/** Port browser mode listens on unless --port names another (0 picks a free one). */
export const DEFAULT_PORT = 8177;
export const DEFAULT_HOST = '127.0.0.1';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Output folder of the built renderer (electron-vite writes it). */
export const DEFAULT_STATIC_DIR = resolve(REPOSITORY_ROOT, 'out/renderer');

export interface ServeOptions {
  host?: string;
  port?: number;
  /** Data folder; defaults to $NIN_LAB_DATA_DIR, then ~/.nin-lab. */
  dataDir?: string;
  /** Access token; a new random one when absent (tests pass a fixed one). */
  token?: string;
  /** Built renderer; defaults to out/renderer of this repository. */
  staticDir?: string;
  /** Build the renderer first when its index.html is missing; true by default. */
  buildIfMissing?: boolean;
}

export interface RunningServe {
  server: LabServer;
  lab: LabService;
  /** Stops the server, then the lab (and its training worker). */
  close(): Promise<void>;
}

/** Starts browser mode and resolves once it listens; the caller prints `server.url`. */
export async function serve(options: ServeOptions = {}): Promise<RunningServe> {
  const staticDir = options.staticDir ?? DEFAULT_STATIC_DIR;
  if (!existsSync(indexFile(staticDir))) {
    if (options.buildIfMissing === false) {
      throw new Error(
        `${indexFile(staticDir)} not found. Build the app with \`npm run build\` first.`,
      );
    }
    buildRenderer();
  }

  const lab = await LabService.create({
    loadBackendAtStart: true,
    dataDir: resolveDataDir(options.dataDir),
    mode: 'browser',
  });
  let server: LabServer;
  try {
    server = await startLabServer({
      lab,
      host: options.host ?? DEFAULT_HOST,
      port: options.port ?? DEFAULT_PORT,
      token: options.token ?? newToken(),
      staticDir,
    });
  } catch (error) {
    await lab.dispose();
    throw describeListenError(error, options);
  }
  return {
    server,
    lab,
    close: async () => {
      await server.close();
      await lab.dispose();
    },
  };
}

/** Runs `electron-vite build`, which writes out/renderer (and the Electron main side). */
function buildRenderer(): void {
  const log = createLogger('serve');
  log.info('renderer not built yet, running electron-vite build');
  // The package exports no bin path, so find it beside its package.json.
  const packageJson = createRequire(import.meta.url).resolve('electron-vite/package.json');
  const bin = join(dirname(packageJson), 'bin', 'electron-vite.js');
  const result = spawnSync(process.execPath, [bin, 'build'], {
    cwd: REPOSITORY_ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    throw new Error(
      `electron-vite build failed (exit code ${result.status}); fix the errors it printed, then run npm run serve again.`,
    );
  }
}

function describeListenError(error: unknown, options: ServeOptions): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const address = `${options.host ?? DEFAULT_HOST}:${options.port ?? DEFAULT_PORT}`;
  if (code === 'EADDRINUSE') {
    return new Error(
      `Port ${address} is already in use. Stop the other server or pass --port N (0 picks a free port).`,
    );
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new Error(`Cannot listen on ${address}: no such local address. Use --host 127.0.0.1.`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

const USAGE = `Usage: npm run serve -- [--host ADDRESS] [--port N] [--data-dir DIR] [--token TOKEN]

  --host ADDRESS   address to listen on (default ${DEFAULT_HOST}; other addresses expose the lab to the network)
  --port N         TCP port (default ${DEFAULT_PORT}; 0 picks a free port)
  --data-dir DIR   data folder for datasets, runs, checkpoints and settings
                   (default $NIN_LAB_DATA_DIR, then ~/.nin-lab)
  --token TOKEN    access token (default: 32 random bytes); for tests and scripts`;

/** Parses the command line of `npm run serve`; throws with the usage on a bad option. */
export function parseServeArgs(argv: string[]): ServeOptions & { help: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535)) {
    throw new Error(
      `Invalid --port ${values.port}: expected an integer from 0 to 65535.\n\n${USAGE}`,
    );
  }
  if (values.token !== undefined && values.token.length < 16) {
    throw new Error(
      `Invalid --token: expected at least 16 characters, found ${values.token.length}.`,
    );
  }
  return {
    host: values.host,
    port,
    dataDir: values['data-dir'],
    token: values.token,
    help: values.help ?? false,
  };
}

/** Prints how to open the running server. */
export function printWelcome(
  running: RunningServe,
  write: (text: string) => void = (text) => process.stdout.write(text),
): void {
  write(
    'NiN Lab is running in browser mode. Open this URL (it contains the access token):\n\n' +
      `  ${running.server.url}\n\n` +
      `Data folder: ${running.lab.folder.root}\nPress Ctrl+C to stop.\n`,
  );
}

/**
 * Runs browser mode from command-line arguments (the flags of USAGE) until SIGINT or SIGTERM:
 * `npm run serve` and `nin-lab serve` both call this.
 */
export async function runServe(argv: string[]): Promise<void> {
  let options: ReturnType<typeof parseServeArgs>;
  try {
    options = parseServeArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }

  const running = await serve(options);
  printWelcome(running);
  const shutdown = () => {
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(resolve(process.argv[1])).href
) {
  runServe(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
