/**
 * The `ferry` command (SPEC §6). Argument parsing is commander's; each subcommand lives in
 * `commands/` and is loaded only when used, so `ferry --help` starts fast.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { parsePort } from './port.ts';

// Two levels below the package root both here and in the bundle (dist/electron/).
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('ferry')
  .description('Upload folders to S3 through presigned URLs, with resumable retry and thumbnails.')
  .version(version)
  .showHelpAfterError()
  // Commander's own usage errors (unknown option, missing argument, bad value) exit 2 like ours
  // (EXIT.usage in common.ts); scripts tell them apart from a failed upload (1).
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

const apiOptions = (cmd: Command) =>
  cmd
    .addOption(new Option('--api <url>', 'backend API URL (default: the embedded backend)').env('FERRY_API_URL'))
    .addOption(new Option('--token <token>', 'API bearer token').env('FERRY_TOKEN'))
    .addOption(new Option('--data-dir <dir>', 'Ferry data directory').env('FERRY_DATA_DIR'));

program
  .command('backend')
  .description('run the embedded backend (API, S3, DynamoDB, processing) and print one JSON line when ready')
  .addOption(new Option('--data-dir <dir>', 'where data persists across restarts').env('FERRY_DATA_DIR'))
  .option('--port <n>', 'API port (0 picks a free one)', parsePort, 0)
  .option('--s3-public-url <url>', 'S3 address to put into presigned URLs')
  .action(async (opts) => (await import('./commands/backend.ts')).run(opts));

apiOptions(
  program
    .command('upload')
    .description('upload files and folders (recursively), wait for processing, exit 0 only if all uploaded')
    .argument('<path...>', 'files or folders')
    .requiredOption('--album <id|title>', 'target album, by ID or title')
    .option('--create-album', 'create the album when none has that title')
    .option('--concurrency <n>', 'most files in flight (small ones; large ones are bounded by bytes in flight)', '16')
    .option('--limit-rate <rate>', 'bandwidth limit, e.g. 5M or 500K')
    .option('--no-wait', 'do not wait for thumbnails')
    .option('--json', 'print a JSON report'),
).action(async (paths, opts) => (await import('./commands/upload.ts')).run(paths, opts));

apiOptions(
  program
    .command('watch')
    .description('keep uploading what appears in a folder')
    .argument('<dir>', 'folder to watch')
    .option('--album <id|title>', 'target album')
    .option('--create-album', 'create the album when none has that title')
    .option('--comfyui', 'ComfyUI output folder: upload as generated media with prompt metadata')
    .option('--concurrency <n>', 'most files in flight (small ones; large ones are bounded by bytes in flight)', '16')
    .option('--limit-rate <rate>', 'bandwidth limit, e.g. 5M'),
).action(async (dir, opts) => (await import('./commands/watch.ts')).run(dir, opts));

apiOptions(program.command('status').description('show the local queue').option('--json', 'print JSON')).action(
  async (opts) => (await import('./commands/status.ts')).run(opts),
);

apiOptions(
  program
    .command('retry')
    .description('retry failed files')
    .argument('[mediaId]', 'one file, by media ID or queue ID')
    .option('--all', 'every failed file'),
).action(async (mediaId, opts) => (await import('./commands/retry.ts')).run(mediaId, opts));

apiOptions(
  program.command('serve').description('serve the UI to a browser on 127.0.0.1, behind a token').option('--port <n>', 'port (0 picks a free one)', parsePort, 0),
).action(async (opts) => (await import('./commands/serve.ts')).run(opts));

await program.parseAsync();
