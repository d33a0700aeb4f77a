import { describe, expect, it } from 'vitest';
import { suiteDurations } from '../../scripts/run-tests.ts';

describe('suiteDurations', () => {
  it('lists each test file with its wall time, slowest first, relative to the repo', () => {
    const file = (name: string, startTime: number | undefined, endTime: number | undefined) => ({ name, status: 'passed', startTime, endTime, assertionResults: [] });
    const lines = suiteDurations(
      { testResults: [file('/r/test/unit/a.test.ts', 1000, 1250), file('/r/test/integration/b.test.ts', 0, 12_340), file('/r/test/unit/c.test.ts', undefined, undefined)] },
      '/r',
    );
    expect(lines).toEqual(['  12.3 s  test/integration/b.test.ts', '   0.3 s  test/unit/a.test.ts']);
  });
});
