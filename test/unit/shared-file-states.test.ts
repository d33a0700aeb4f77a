/** The file state machine: its groups partition what they should, and the store refuses illegal moves. */
import { describe, expect, it } from 'vitest';
import {
  IllegalTransitionError,
  canTransition,
  doneStates,
  fileStates,
  finalStates,
  inFlightStates,
  isFinal,
  retryableStates,
  retryReset,
  statesLeadingTo,
  transitions,
  unsettledStates,
} from '../../shared/file-states.ts';
import { openDatabase } from '../../main/store/db.ts';
import { QueueStore } from '../../main/store/queue-store.ts';

const file = { path: '/p/a.jpg', target: 'album:a', size: 10, mtimeMs: 1, mimeType: 'image/jpeg', albumId: 'a' };

describe('file state machine', () => {
  it('every state is either unsettled or final, never both', () => {
    expect([...unsettledStates, ...finalStates].sort()).toEqual([...fileStates].sort());
    expect(fileStates.filter((s) => isFinal(s) && (unsettledStates as readonly string[]).includes(s))).toEqual([]);
  });

  it('final states go nowhere except back to the queue on retry', () => {
    for (const s of finalStates) expect(transitions[s].filter((t) => t !== 'queued')).toEqual([]);
    for (const s of retryableStates) expect(canTransition(s, 'queued')).toBe(true);
    for (const s of doneStates.filter((d) => !(retryableStates as readonly string[]).includes(d))) expect(canTransition(s, 'queued')).toBe(false);
  });

  it.each([
    ['uploaded', 'uploading'],
    ['skipped', 'queued'],
    ['processing', 'uploading'],
    ['paused', 'uploading'],
    ['failed', 'uploaded'],
    ['queued', 'processing'],
  ] as const)('%s → %s is illegal', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(statesLeadingTo(to)).not.toContain(from);
  });

  it('a crash leaves rows only in states that can go back to queued', () => {
    for (const s of inFlightStates) expect(canTransition(s, 'queued')).toBe(true);
  });

  it('the store refuses an illegal transition and leaves the row as it was', () => {
    const store = new QueueStore(openDatabase(':memory:'));
    const id = store.insertFile(file);
    store.transition(id, 'hashing');
    store.transition(id, 'requesting');
    store.transition(id, 'skipped', { skipReason: 'duplicate of m1' });
    expect(() => store.transition(id, 'uploading', { bytesSent: 5 })).toThrow(IllegalTransitionError);
    expect(() => store.transition(id, 'queued')).toThrow(/skipped → queued/);
    expect(store.get(id)).toMatchObject({ state: 'skipped', bytesSent: 0, skipReason: 'duplicate of m1' });
  });

  it('a retried row starts from the reset patch with its parts gone and its hash kept', () => {
    const store = new QueueStore(openDatabase(':memory:'));
    const id = store.insertFile(file);
    store.transition(id, 'uploading', { sha256: 'a'.repeat(64), mediaId: 'm', uploadType: 'multipart', uploadId: 'u', partSize: 5, partCount: 2 });
    store.savePart(id, 1, '"e1"', 5);
    store.transition(id, 'failed', { error: { code: 'INTERNAL', message: 'boom' } });
    store.forgetUpload(id, retryReset);
    store.transition(id, 'queued');
    expect(store.get(id)).toMatchObject({ state: 'queued', sha256: 'a'.repeat(64), mediaId: null, uploadId: null, bytesSent: 0, attempts: 0, error: null });
    expect(store.parts(id)).toEqual([]);
  });
});
