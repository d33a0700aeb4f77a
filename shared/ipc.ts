/**
 * The transport contract between the UI and the engine (STYLE.md §2, §3): channel names and zod
 * schemas for every method's arguments, both derived from `engineMethods`, plus the typed proxy the
 * renderer uses. Electron IPC and the serve-mode WebSocket carry exactly these shapes.
 */
import { z } from 'zod';
import { parseBwSchedule } from './bwlimit.ts';
import { errorCodes, type ErrorInfo } from './errors.ts';
import {
  engineMethods,
  fileStates,
  type EngineApi,
  type EngineCallResult,
  type EngineEvent,
  type EngineMethod,
} from './engine-api.ts';

/** Every Ferry IPC channel starts with this; main rejects anything else before looking further. */
export const ipcPrefix = 'ferry:';
/** The one channel engine calls travel on (invoke); the method name is the first argument. */
export const engineCallChannel = 'ferry:engine-call';
/** The channel engine events are pushed on (main → renderer). */
export const engineEventChannel = 'ferry:engine-event';

const id = z.number().int().nonnegative();
const ids = z.array(id).min(1).max(10_000);
const albumId = z.string().min(1).max(64);
const target = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('album'), albumId }),
  z.object({ kind: z.literal('generation'), albumId: albumId.optional() }),
]);
const backend = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('embedded') }),
  z.object({ mode: z.literal('remote'), apiUrl: z.url({ protocol: /^https?$/ }), token: z.string().max(4096), tokenSet: z.boolean().optional() }),
]);
const settingsPatch = z
  .object({
    backend,
    concurrency: z.number().int().min(1).max(64),
    partConcurrency: z.number().int().min(1).max(64),
    bandwidthLimit: z.number().int().min(0),
    bandwidthSchedule: z
      .string()
      .max(1000)
      .superRefine((text, ctx) => {
        try {
          parseBwSchedule(text);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      }),
    startAtLogin: z.boolean(),
    pauseOnBattery: z.boolean(),
  })
  .partial()
  .strict();

/** Argument tuples per method. `satisfies` ties the keys to `engineMethods`, so a new method can't be forgotten. */
export const engineArgSchemas = {
  status: z.tuple([]),
  listQueue: z.tuple([
    z
      .object({
        offset: z.number().int().nonnegative(),
        limit: z.number().int().min(1).max(1000),
        states: z.array(z.enum(fileStates)).optional(),
      })
      .strict(),
  ]),
  addPaths: z.tuple([z.array(z.string().min(1).max(4096)).min(1).max(10_000), target]),
  pauseAll: z.tuple([]),
  resumeAll: z.tuple([]),
  pause: z.tuple([id]),
  resume: z.tuple([id]),
  retry: z.tuple([id]),
  retryAllFailed: z.tuple([]),
  cancel: z.tuple([ids]),
  dismiss: z.tuple([ids]),
  clearFinished: z.tuple([]),
  deleteMedia: z.tuple([z.array(z.string().min(1).max(128)).min(1).max(100)]),
  listFolder: z.union([z.tuple([]), z.tuple([z.string().min(1).max(4096).optional()])]),
  preview: z.tuple([id]),
  listAlbums: z.tuple([]),
  createAlbum: z.tuple([z.string().trim().min(1).max(200)]),
  listAlbumMedia: z.union([z.tuple([albumId]), z.tuple([albumId, z.string().max(2048).optional()])]),
  listWatches: z.tuple([]),
  addWatch: z.tuple([
    z.object({ dir: z.string().min(1).max(4096), albumId: albumId.optional(), comfyui: z.boolean() }).strict(),
  ]),
  setWatchEnabled: z.tuple([id, z.boolean()]),
  removeWatch: z.tuple([id]),
  getSettings: z.tuple([]),
  updateSettings: z.tuple([settingsPatch]),
} satisfies Record<EngineMethod, z.ZodType>;

const engineMethodSet: ReadonlySet<string> = new Set(engineMethods);

/** True when `name` is one of the engine's methods (and not, say, `constructor` or `__proto__`). */
export function isEngineMethod(name: unknown): name is EngineMethod {
  return typeof name === 'string' && engineMethodSet.has(name);
}

/** Checks a call's method and arguments; the error names the method and the offending field. */
export function validateEngineCall(
  method: unknown,
  args: unknown,
): { ok: true; method: EngineMethod; args: unknown[] } | { ok: false; error: ErrorInfo } {
  if (!isEngineMethod(method)) {
    return { ok: false, error: { code: 'INVALID_REQUEST', message: `Unknown engine method ${JSON.stringify(method)}.` } };
  }
  const parsed = engineArgSchemas[method].safeParse(args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    return {
      ok: false,
      error: { code: 'INVALID_REQUEST', message: `Bad arguments to ${method}${where}: ${issue?.message ?? 'invalid'}.` },
    };
  }
  return { ok: true, method, args: parsed.data as unknown[] };
}

const errorInfoSchema = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/** Turns anything thrown by an engine method into the error shape that crosses the boundary. */
export function toErrorInfo(err: unknown): ErrorInfo {
  const direct = errorInfoSchema.safeParse(err);
  if (direct.success) return direct.data;
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown; details?: unknown; toJSON?: () => unknown; info?: unknown };
    for (const candidate of [e.info, typeof e.toJSON === 'function' ? e.toJSON() : undefined]) {
      const parsed = errorInfoSchema.safeParse(candidate);
      if (parsed.success) return parsed.data;
      const nested = errorInfoSchema.safeParse((candidate as { error?: unknown } | undefined)?.error);
      if (nested.success) return nested.data;
    }
    const code = errorCodes.includes(e.code as never) ? (e.code as ErrorInfo['code']) : 'INTERNAL';
    const message = typeof e.message === 'string' && e.message ? e.message : 'Something went wrong in the engine.';
    return { code, message };
  }
  return { code: 'INTERNAL', message: String(err) };
}

/** Thrown by the renderer's proxy when the engine answered `{ok: false}`; keeps the wire error intact. */
export class EngineCallError extends Error {
  readonly code: ErrorInfo['code'];
  readonly details: ErrorInfo['details'];
  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = 'EngineCallError';
    this.code = info.code;
    this.details = info.details;
  }
}

/** Sends one call and resolves with the engine's answer envelope. */
export type EngineCall = (method: EngineMethod, args: unknown[]) => Promise<EngineCallResult>;

/** Builds the typed `EngineApi` the renderer uses from one `call` function, walking `engineMethods`. */
export function createEngineProxy(call: EngineCall): EngineApi {
  const api: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const method of engineMethods) {
    api[method] = async (...args: unknown[]) => {
      // JSON has no undefined: drop trailing optional arguments so tuple schemas stay exact.
      while (args.length && args[args.length - 1] === undefined) args.pop();
      const result = await call(method, args);
      if (!result.ok) throw new EngineCallError(result.error);
      return result.value;
    };
  }
  return api as unknown as EngineApi;
}

/** What the preload exposes as `window.ferry` in the desktop app. */
export interface FerryBridge {
  call: EngineCall;
  /** Subscribes to engine events; returns the unsubscribe function. */
  onEvent(listener: (event: EngineEvent) => void): () => void;
  /** The absolute path of a dropped `File` (Electron's `webUtils.getPathForFile`); '' when it has none. */
  pathForFile(file: unknown): string;
  platform: string;
}

// ---- serve mode WebSocket frames ---------------------------------------------------------------

/** Browser → server: one engine call, answered by a frame with the same `id`. */
export const wsCallFrame = z.object({ id: z.number().int().nonnegative(), method: z.string().max(64), args: z.array(z.unknown()).max(4) });
export type WsCallFrame = z.infer<typeof wsCallFrame>;

/** Server → browser: an answer or a pushed event. */
export type WsServerFrame = { id: number; result: EngineCallResult } | { event: EngineEvent };
