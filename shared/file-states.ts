/**
 * The file state machine, declared once: the states a queued file goes through, the groups callers
 * ask about, which moves between states are allowed, and what a retried row starts from. The store
 * enforces `canTransition`; the engine, the CLI, Electron and the renderer read the groups from here.
 *
 * ```
 * queued → hashing → requesting → uploading → processing → uploaded
 *                        │             │            └──────→ failed (processing said so)
 *                        └→ skipped    └→ failed (fatal answer or attempts used up)
 * paused / cancelled from any state that is not final; failed and cancelled go back to queued on retry
 * ```
 */

export const fileStates = [
  'queued',
  'hashing',
  'requesting',
  'uploading',
  'processing',
  'uploaded',
  'failed',
  'skipped',
  'paused',
  'cancelled',
] as const;
export type FileState = (typeof fileStates)[number];

/** The engine is working on the file right now; a crash leaves rows here, and start-up requeues them. */
export const inFlightStates = ['hashing', 'requesting', 'uploading'] as const satisfies readonly FileState[];
/** Still to be sent: waiting in the queue or in flight (processing and paused are not). */
export const pendingStates = ['queued', ...inFlightStates] as const satisfies readonly FileState[];
/** Not settled yet: what the UI's "active" filter shows. */
export const unsettledStates = [...pendingStates, 'processing', 'paused'] as const satisfies readonly FileState[];
/** States a row never leaves by itself (only a retry by the user moves failed or cancelled). */
export const finalStates = ['uploaded', 'failed', 'skipped', 'cancelled'] as const satisfies readonly FileState[];
/** Final and fine: what "clear finished" removes and the UI's "done" filter shows. */
export const doneStates = ['uploaded', 'skipped', 'cancelled'] as const satisfies readonly FileState[];
/** A retry puts these back in the queue. */
export const retryableStates = ['failed', 'cancelled'] as const satisfies readonly FileState[];
/** The user can cancel these (processing is the backend's now; cancelling it only hides the result). */
export const cancellableStates = [...pendingStates, 'paused'] as const satisfies readonly FileState[];

const member = (group: readonly FileState[]) => (s: FileState) => group.includes(s);
/** True for hashing, requesting, uploading. */
export const isInFlight = member(inFlightStates);
/** True for queued and the in-flight states. */
export const isPending = member(pendingStates);
/** True for uploaded, failed, skipped, cancelled. */
export const isFinal = member(finalStates);
/** True for failed and cancelled. */
export const isRetryable = member(retryableStates);
/** True for what the user may cancel. */
export const isCancellable = member(cancellableStates);

/**
 * Where each state may go. A run resumed after a crash starts from `queued` with its upload already
 * requested, so `queued` reaches every step; a forgotten upload (404, NoSuchUpload) sends `uploading`
 * back to `requesting`. Writing the state a row is already in is always allowed.
 */
export const transitions: Readonly<Record<FileState, readonly FileState[]>> = {
  queued: ['hashing', 'requesting', 'uploading', 'uploaded', 'failed', 'skipped', 'paused', 'cancelled'],
  hashing: ['requesting', 'uploading', 'uploaded', 'failed', 'skipped', 'queued', 'paused', 'cancelled'],
  requesting: ['uploading', 'uploaded', 'failed', 'skipped', 'queued', 'paused', 'cancelled'],
  // skipped: a multipart upload's completion found the same bytes already in the album
  uploading: ['requesting', 'processing', 'uploaded', 'failed', 'skipped', 'queued', 'paused', 'cancelled'],
  processing: ['uploaded', 'failed', 'cancelled'],
  paused: ['queued', 'cancelled'],
  uploaded: [],
  failed: ['queued'],
  skipped: [],
  cancelled: ['queued'],
};

/** True when a row in `from` may be moved to `to`. */
export function canTransition(from: FileState, to: FileState): boolean {
  return from === to || transitions[from].includes(to);
}

/** The states a row may be in to be moved to `to` (the store puts this in its UPDATE's WHERE). */
export function statesLeadingTo(to: FileState): FileState[] {
  return fileStates.filter((from) => canTransition(from, to));
}

/** A move the state machine does not allow. */
export class IllegalTransitionError extends Error {
  readonly id: number;
  readonly from: FileState;
  readonly to: FileState;

  constructor(id: number, from: FileState, to: FileState) {
    super(`file ${id}: ${from} → ${to} is not a transition of the file state machine`);
    this.name = 'IllegalTransitionError';
    this.id = id;
    this.from = from;
    this.to = to;
  }
}

/**
 * What a row loses when the server forgot its upload (expired, aborted): the media ID, key, multipart
 * ID and plan, and its parts (the store clears them along with this patch).
 */
export const forgottenUpload = {
  mediaId: null,
  objectKey: null,
  uploadType: null,
  uploadId: null,
  partSize: null,
  partCount: null,
  bytesSent: 0,
} as const;

/**
 * What a retried row starts from: a failed or cancelled record can't be resumed, so its upload is
 * forgotten and its attempts and error cleared; the file's sha256 is kept.
 */
export const retryReset = { ...forgottenUpload, attempts: 0, error: null } as const;
