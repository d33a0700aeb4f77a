/** scripts/deploy.ts: the cdk command line it builds and the outputs it prints. */
import { describe, expect, it } from 'vitest';
import { cdkArgs, describeOutputs, OUTPUTS_FILE } from '../../scripts/deploy.ts';

describe('cdkArgs', () => {
  it('deploys by default, passing arguments through and asking for an outputs file', () => {
    expect(cdkArgs(['--profile', 'me', '-c', 'stackName=FerryDev'], '/opt/node')).toEqual([
      'deploy',
      '--app',
      '"/opt/node" backend-lambda/infra/synth.ts',
      '--profile',
      'me',
      '-c',
      'stackName=FerryDev',
      '--outputs-file',
      OUTPUTS_FILE,
    ]);
  });

  it('forwards bootstrap, diff and destroy with the same app and no outputs file', () => {
    for (const command of ['bootstrap', 'diff', 'destroy']) {
      expect(cdkArgs([command, '--force'], 'node')).toEqual([command, '--app', '"node" backend-lambda/infra/synth.ts', '--force']);
    }
  });
});

describe('describeOutputs', () => {
  it('lists the outputs and the commands that point ferry at the API', () => {
    const text = describeOutputs({
      Ferry: { ApiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com', UserPoolClientId: 'client123', Region: 'eu-west-1', BucketName: 'ferry-bucket' },
    }).join('\n');
    expect(text).toContain('  BucketName        ferry-bucket');
    expect(text).toContain('export FERRY_API_URL=https://abc.execute-api.eu-west-1.amazonaws.com');
    expect(text).toContain('--region eu-west-1 --client-id client123');
    expect(text).toContain('--auth-flow USER_PASSWORD_AUTH');
  });

  it('prints only the values when the stack has no API outputs', () => {
    expect(describeOutputs({ Other: { X: '1' } })).toEqual(['Other:', '  X  1']);
  });
});
