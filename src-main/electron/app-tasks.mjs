#!/usr/bin/env node
// Runs the Electron tasks of package.json (dev, start, build, package) with clear messages
// where this machine cannot do them: no Electron binary (the optional `electron` package did
// not install, typically offline), or electron-builder without network access.
// Usage: node src-main/electron/app-tasks.mjs dev|start|build|package [extra arguments]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Returns the Electron executable's path, or null when the package or its binary is missing. */
function electronBinary() {
  try {
    // The electron package's main module is the path of the binary it downloaded.
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

/** Returns the bin script of a package; its exports name no bin paths, so go from package.json. */
function binOf(packageName, relative) {
  return join(dirname(require.resolve(`${packageName}/package.json`)), relative);
}

/** Runs a Node script with inherited output; returns its exit code. */
function runNode(script, args, options = {}) {
  const result = spawnSync(process.execPath, [script, ...args], {
    cwd: ROOT,
    stdio: 'inherit',
    ...options,
  });
  return result.status ?? 1;
}

function requireElectron(task) {
  if (electronBinary() !== null) {
    return true;
  }
  process.stderr.write(
    `npm run ${task} needs the Electron binary, which is not installed here (the optional ` +
      '`electron` package downloads it at install time and fails offline), so use ' +
      '`npm run serve` to run NiN Lab in the browser instead.\n',
  );
  return false;
}

function electronVite(args) {
  return runNode(binOf('electron-vite', 'bin/electron-vite.js'), args);
}

/** Matches electron-builder output that shows a download failed for lack of network. */
const OFFLINE_PATTERN =
  /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|getaddrinfo|socket hang up/;

/**
 * Runs electron-builder, passing its output through except stack-trace lines, which are kept
 * and printed only for failures that are not about the network. Resolves with the exit code.
 */
function runElectronBuilder(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [binOf('electron-builder', 'cli.js'), ...args], {
      cwd: ROOT,
      stdio: ['inherit', 'pipe', 'pipe'],
    });
    const stackLines = [];
    let offline = false;
    const forward = (stream, target) => {
      createInterface({ input: stream }).on('line', (line) => {
        offline ||= OFFLINE_PATTERN.test(line);
        if (/^\s+at /.test(line)) {
          stackLines.push(line);
        } else {
          target.write(`${line}\n`);
        }
      });
    };
    forward(child.stdout, process.stdout);
    forward(child.stderr, process.stderr);
    child.on('close', (code) => {
      if (code !== 0 && !offline && stackLines.length > 0) {
        process.stderr.write(`${stackLines.join('\n')}\n`);
      }
      resolve({ code: code ?? 1, offline });
    });
  });
}

/** Builds, then runs electron-builder; a failure is explained once in plain words. */
async function packageApp(args) {
  const built = electronVite(['build']);
  if (built !== 0) {
    return built;
  }
  const { code, offline } = await runElectronBuilder(args);
  if (code === 0) {
    return 0;
  }
  const reason = offline
    ? 'electron-builder could not download what it needs (the Electron 45 runtime for each target and its packaging tools) because this machine has no network access.'
    : 'electron-builder failed; its messages are above.';
  process.stderr.write(
    `\n${reason} The app itself is built in out/. Run \`npm run package\` again on a machine with internet access to make the installers in release/.\n`,
  );
  return code;
}

async function main([task, ...args]) {
  switch (task) {
    case 'build':
      return electronVite(['build', ...args]);
    case 'dev':
      return requireElectron(task) ? electronVite(['dev', ...args]) : 1;
    case 'start': {
      if (!requireElectron(task)) {
        return 1;
      }
      const built = electronVite(['build']);
      return built === 0 ? electronVite(['preview', ...args]) : built;
    }
    case 'package':
      return packageApp(args);
    default:
      process.stderr.write(
        `Unknown task ${JSON.stringify(task ?? '')}: expected dev, start, build or package.\n`,
      );
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
