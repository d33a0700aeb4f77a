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

const bwlimitHelp = 'bandwidth timetable as rclone reads it, e.g. "08:00,512k 19:00,off" (bare numbers are KiB/s)';

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
  .option('--oidc-issuer <url>', 'accept this OpenID Connect issuer\'s tokens (`ferry login`) instead of the local token')
  .option('--oidc-client-id <id>', 'the client ID those tokens must be issued to, with --oidc-issuer')
  .option('--s3-port <n>', 'S3 store port (0 picks a free one; fix it for rclone or the AWS CLI)', parsePort, 0)
  .option('--cors-origin <origin...>', 'more browser origins the S3 store answers CORS for (besides the app and loopback serve mode)')
  .option('--print-credentials', "print the S3 store's endpoint, bucket, region and per-install key (for rclone, the AWS CLI) and exit")
  .option('--json', 'with --print-credentials: as one JSON object')
  .action(async (opts) => (await import('./commands/backend.ts')).run(opts));

const loginOptions = (cmd: Command) =>
  cmd
    .addOption(new Option('--api <url>', 'the deployed backend API URL').env('FERRY_API_URL'))
    .addOption(new Option('--data-dir <dir>', 'Ferry data directory (the login is kept there)').env('FERRY_DATA_DIR'));

loginOptions(
  program
    .command('login')
    .description('sign in to a deployed backend in the browser and keep a login that renews itself')
    .addOption(new Option('--issuer <url>', 'OIDC issuer, for an API without GET /auth/config').env('FERRY_OIDC_ISSUER'))
    .addOption(new Option('--client-id <id>', 'OIDC client ID, with --issuer').env('FERRY_OIDC_CLIENT_ID'))
    .option('--no-browser', 'print the sign-in URL instead of opening a browser'),
).action(async (opts) => (await import('./commands/login.ts')).runLogin(opts));

loginOptions(program.command('logout').description('revoke and forget the login for a deployed backend')).action(async (opts) =>
  (await import('./commands/login.ts')).runLogout(opts),
);

apiOptions(
  program
    .command('upload')
    .description('upload files and folders (recursively), wait for processing, exit 0 only if all uploaded')
    .argument('<path...>', 'files or folders')
    .requiredOption('--album <id|title>', 'target album, by ID or title')
    .option('--create-album', 'create the album when none has that title')
    .option('--concurrency <n>', 'most files in flight (small ones; large ones are bounded by bytes in flight)', '16')
    .option('--limit-rate <rate>', 'bandwidth limit, e.g. 5M or 500K')
    .option('--bwlimit <timetable>', bwlimitHelp)
    .option('--no-wait', 'do not wait for thumbnails')
    .option('--json', 'print a JSON report')
    .option('--replace', 'a file that changed since its upload replaces that record (default: the earlier upload is kept)')
    .option('--strip-secrets', 'upload PNGs whose metadata holds API keys or home paths as a copy without them'),
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
    .option('--limit-rate <rate>', 'bandwidth limit, e.g. 5M')
    .option('--bwlimit <timetable>', bwlimitHelp)
    .option('--replace', 'a file rewritten after its upload replaces that record (default: the earlier upload is kept)')
    .option('--strip-secrets', 'upload PNGs whose metadata holds API keys or home paths as a copy without them'),
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
  program
    .command('rm')
    .description('delete uploaded photos or videos: the original, its thumbnails and its record')
    .argument('<mediaId...>', 'media IDs (ferry upload prints them, and --json lists them)')
    .option('-y, --yes', 'do not ask for confirmation (for scripts)'),
).action(async (mediaIds, opts) => (await import('./commands/rm.ts')).run(mediaIds, opts));

apiOptions(
  program.command('serve').description('serve the UI to a browser on 127.0.0.1, behind a token').option('--port <n>', 'port (0 picks a free one)', parsePort, 0),
).action(async (opts) => (await import('./commands/serve.ts')).run(opts));

await program.parseAsync();
