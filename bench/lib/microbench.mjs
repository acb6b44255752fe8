// What the in-process microbenchmarks (serializer.mjs, spans.mjs) share: the repository's root, a
// require() that resolves from it (the library's own dependencies and dist/), and `--node <line>`,
// which re-runs the calling script on that Node line's binary from test/runtimes (the ones the
// suite runs on; `npm run test:node -- <line>` installs them).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const require = createRequire(join(ROOT, 'package.json'));

/** With `--node <line>` among the arguments, runs `scriptUrl` on that line instead and exits. */
export function rerunOnNodeLine(scriptUrl) {
  const flag = process.argv.indexOf('--node');
  if (flag < 0) return;
  const line = process.argv[flag + 1];
  const bin = join(ROOT, 'test/runtimes/node_modules', `node${line}-linux-${process.arch}`, 'bin/node');
  const { status, error } = spawnSync(bin, [fileURLToPath(scriptUrl)], { stdio: 'inherit' });
  if (error) console.error(`cannot run Node ${line} (${bin}): ${error.message}; npm run test:node -- ${line} installs it`);
  process.exit(status ?? 1);
}
