// Runs the jest suite, unchanged, on another Node.js line: `npm run test:node -- 24 [jest args]`.
// The runtime is the official binary from the npm registry (package.json beside this file, pinned
// by its lockfile), installed on first use. It goes first on PATH and runs jest itself, so jest's
// workers and every child process the tests start (process.execPath) run on that line too.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const [line, ...jestArgs] = process.argv.slice(2);
const supported = ['22', '24', '26'];
if (!supported.includes(line)) {
  console.error(`usage: npm run test:node -- <${supported.join('|')}> [jest arguments]`);
  process.exit(2);
}

const binDir = join(here, 'node_modules', `node${line}-${process.platform}-${process.arch}`, 'bin');
if (!existsSync(join(binDir, 'node'))) {
  const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--prefix', here], { stdio: 'inherit' });
  if (install.status !== 0 || !existsSync(join(binDir, 'node'))) {
    console.error(`no Node.js ${line} binary for ${process.platform}-${process.arch} in ${here}/package.json`);
    process.exit(1);
  }
}

const node = join(binDir, 'node');
const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(`Running the suite on Node.js ${version} (${node})`);
const jest = spawnSync(node, [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), ...jestArgs], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}` },
});
process.exit(jest.status ?? 1);
