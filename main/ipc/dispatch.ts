/**
 * One place that turns an untrusted call (from Electron IPC or the serve WebSocket) into an engine
 * method call: method allow-listed by `engineMethods`, arguments parsed by the zod tuples in
 * shared/ipc.ts, errors carried back as data (STYLE.md §4) instead of thrown across the boundary.
 */
import type { EngineApi, EngineCallResult } from '../../shared/engine-api.ts';
import { toErrorInfo, validateEngineCall } from '../../shared/ipc.ts';

/** Validates and runs one engine call; never throws. */
export async function dispatchEngineCall(api: EngineApi, method: unknown, args: unknown): Promise<EngineCallResult> {
  const checked = validateEngineCall(method, args);
  if (!checked.ok) return checked;
  try {
    const fn = api[checked.method] as (...a: unknown[]) => Promise<unknown>;
    const value = await fn.apply(api, checked.args);
    // undefined is not JSON; void methods answer null so both transports agree.
    return { ok: true, value: value === undefined ? null : value };
  } catch (err) {
    return { ok: false, error: toErrorInfo(err) };
  }
}
