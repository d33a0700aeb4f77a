/**
 * `npm run deploy [-- <cdk args>]`: deploys the Ferry stack with the caller's AWS credentials
 * (profile, SSO or environment, whatever the AWS CLI would use), then prints its outputs and the
 * lines that point the `ferry` command at it. See docs/DEPLOY.md.
 *
 *   npm run deploy                               # deploy (asks before IAM changes)
 *   npm run deploy -- --profile me -c thumbnailBaseUrl=https://img.example.com
 *   npm run deploy -- bootstrap | diff | destroy  # the other cdk commands, same app
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

/** The CDK commands this script forwards; anything else is a cdk argument for `deploy`. */
const COMMANDS = ['deploy', 'bootstrap', 'diff', 'destroy', 'synth'] as const;
export const OUTPUTS_FILE = 'cdk.out/ferry-outputs.json';

/** The `cdk` argv for this script's arguments; the app runs under the same Node as this script. */
export function cdkArgs(argv: string[], nodePath: string = process.execPath): string[] {
  const first = argv[0];
  const command = (COMMANDS as readonly string[]).includes(first ?? '') ? first! : 'deploy';
  const rest = command === first ? argv.slice(1) : argv;
  const app = `"${nodePath}" backend-lambda/infra/synth.ts`;
  const args = [command, '--app', app, ...rest];
  if (command === 'deploy') args.push('--outputs-file', OUTPUTS_FILE);
  return args;
}

type StackOutputs = Record<string, Record<string, string>>;

/** Human lines for the deployed outputs: the values, then how to use them. */
export function describeOutputs(outputs: StackOutputs): string[] {
  const lines: string[] = [];
  for (const [stack, values] of Object.entries(outputs)) {
    lines.push(`${stack}:`);
    const width = Math.max(...Object.keys(values).map((k) => k.length));
    for (const [key, value] of Object.entries(values)) lines.push(`  ${key.padEnd(width)}  ${value}`);
    if (values.ApiUrl && values.UserPoolClientId && values.Region) {
      lines.push(
        '',
        'Point ferry at it (docs/DEPLOY.md, step 4 makes a user and a token):',
        `  export FERRY_API_URL=${values.ApiUrl}`,
        `  export FERRY_TOKEN=$(aws cognito-idp initiate-auth --region ${values.Region} --client-id ${values.UserPoolClientId} \\`,
        `      --auth-flow USER_PASSWORD_AUTH --auth-parameters USERNAME=you@example.com,PASSWORD='...' \\`,
        `      --query AuthenticationResult.IdToken --output text)`,
        `  npx ferry upload ./photos --album demo --create-album`,
      );
    }
  }
  return lines;
}

if (import.meta.main) {
  const args = cdkArgs(process.argv.slice(2));
  if (args[0] === 'deploy') rmSync(OUTPUTS_FILE, { force: true });
  console.log(`npx cdk ${args.join(' ')}`);
  const run = spawnSync('npx', ['--no-install', 'cdk', ...args], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
  if (args[0] === 'deploy' && existsSync(OUTPUTS_FILE)) {
    const outputs = JSON.parse(readFileSync(OUTPUTS_FILE, 'utf8')) as StackOutputs;
    console.log(['', ...describeOutputs(outputs)].join('\n'));
  }
}
