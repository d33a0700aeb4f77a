/** The new-version table: what happens to the earlier attempt of a file whose content changed. */
import { describe, expect, it } from 'vitest';
import { fileStates, type FileState } from '../../shared/engine-api.ts';
import { planNewVersion } from '../../main/intake/supersede.ts';

describe('planNewVersion', () => {
  const cases: [FileState, string | null, boolean, string, boolean?][] = [
    ['queued', null, false, 'supersede', false],
    ['hashing', null, false, 'supersede', false],
    ['requesting', 'm1', false, 'supersede', true],
    ['uploading', 'm1', false, 'supersede', true],
    ['failed', 'm1', false, 'supersede', true],
    ['failed', null, true, 'supersede', false],
    ['cancelled', 'm1', false, 'supersede', true],
    ['paused', 'm1', false, 'supersede', true],
    ['skipped', 'dup', false, 'supersede', false],
    ['uploaded', 'm1', false, 'keep'],
    ['processing', 'm1', false, 'keep'],
    ['uploaded', 'm1', true, 'replace-after'],
    ['processing', 'm1', true, 'replace-after'],
  ];
  it.each(cases)('%s (media %s, replace %s) → %s', (state, mediaId, replace, kind, deleteRemote) => {
    const plan = planNewVersion({ state, mediaId }, replace);
    expect(plan.kind).toBe(kind);
    if (plan.kind === 'supersede') expect(plan.deleteRemote).toBe(deleteRemote);
    else expect(plan.reason).toContain('m1');
  });
  it('covers every state', () => {
    for (const s of fileStates) expect(() => planNewVersion({ state: s, mediaId: null }, false)).not.toThrow();
  });
});
