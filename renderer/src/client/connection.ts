/**
 * The renderer's one way to the engine: an `EngineApi` proxy generated from `engineMethods`
 * (shared/ipc.ts) over either the desktop preload bridge (`window.ferry`) or serve mode's WebSocket.
 */
import type { EngineApi, EngineCallResult, EngineEvent, EngineMethod } from '../../../shared/engine-api.ts';
import { createEngineProxy, type FerryBridge, type WsServerFrame } from '../../../shared/ipc.ts';

export interface EngineConnection {
  api: EngineApi;
  onEvent(listener: (event: EngineEvent) => void): () => void;
  /** Transport up/down (the serve process went away, say); desktop IPC is always up. */
  onLink(listener: (up: boolean) => void): () => void;
  /** Absolute path of a dropped file; only the desktop app can know it. */
  pathForFile?: (file: File) => string;
  kind: 'desktop' | 'browser';
}

type Listener<T> = (value: T) => void;

function emitter<T>() {
  const listeners = new Set<Listener<T>>();
  return {
    on(l: Listener<T>) {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    emit(v: T) {
      for (const l of [...listeners]) l(v);
    },
  };
}

/** The desktop app: calls go through the preload's single `window.ferry` object. */
export function connectDesktop(bridge: FerryBridge): EngineConnection {
  return {
    api: createEngineProxy((method, args) => bridge.call(method, args)),
    onEvent: (l) => bridge.onEvent(l),
    onLink: () => () => {},
    pathForFile: (file) => bridge.pathForFile(file),
    kind: 'desktop',
  };
}

export interface WsOptions {
  /** how long a call waits for the socket to (re)open before failing */
  connectTimeoutMs?: number;
  maxBackoffMs?: number;
}

/** Serve mode: JSON frames over one WebSocket, reconnecting with capped backoff when it drops. */
export function connectWebSocket(url: string, opts: WsOptions = {}): EngineConnection & { close(): void } {
  const connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
  const maxBackoffMs = opts.maxBackoffMs ?? 5_000;
  const events = emitter<EngineEvent>();
  const link = emitter<boolean>();
  const pending = new Map<number, (r: EngineCallResult) => void>();
  const waitingForOpen = new Set<() => void>();
  let nextId = 1;
  let socket: WebSocket | undefined;
  let up = false;
  let closed = false;
  let backoff = 250;

  const failAll = (message: string) => {
    for (const resolve of pending.values()) resolve({ ok: false, error: { code: 'NETWORK', message } });
    pending.clear();
  };

  const open = () => {
    if (closed) return;
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      up = true;
      backoff = 250;
      link.emit(true);
      for (const w of [...waitingForOpen]) w();
    };
    ws.onmessage = (msg) => {
      const frame = JSON.parse(String(msg.data)) as WsServerFrame;
      if ('event' in frame) return events.emit(frame.event);
      const resolve = pending.get(frame.id);
      pending.delete(frame.id);
      resolve?.(frame.result);
    };
    ws.onclose = () => {
      const wasUp = up;
      up = false;
      failAll('Lost the connection to Ferry. It reconnects on its own.');
      if (wasUp) link.emit(false);
      if (closed) return;
      setTimeout(open, backoff);
      backoff = Math.min(backoff * 2, maxBackoffMs);
    };
  };

  const whenOpen = () =>
    new Promise<boolean>((resolve) => {
      if (up) return resolve(true);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        waitingForOpen.delete(onOpen);
        resolve(ok);
      };
      const onOpen = () => done(true);
      const timer = setTimeout(() => done(false), connectTimeoutMs);
      waitingForOpen.add(onOpen);
    });

  const call = async (method: EngineMethod, args: unknown[]): Promise<EngineCallResult> => {
    if (!(await whenOpen()) || !socket) {
      return { ok: false, error: { code: 'NETWORK', message: 'Ferry is not reachable. Is `ferry serve` still running?' } };
    }
    const id = nextId++;
    const answer = new Promise<EngineCallResult>((resolve) => pending.set(id, resolve));
    socket.send(JSON.stringify({ id, method, args }));
    return answer;
  };

  open();
  return {
    api: createEngineProxy(call),
    onEvent: events.on,
    onLink: link.on,
    kind: 'browser',
    close() {
      closed = true;
      socket?.close();
    },
  };
}

/** Picks the transport for where the page runs: the preload bridge, else the serving origin's socket. */
export function connectFromPage(): EngineConnection {
  const bridge = (window as { ferry?: FerryBridge }).ferry;
  if (bridge) return connectDesktop(bridge);
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  if (token) {
    // Out of the address bar, history and anything shared from it: the HttpOnly cookie set with
    // this page carries the token from now on (reloads included); the socket URL keeps a copy.
    params.delete('token');
    const rest = params.toString();
    history.replaceState(history.state, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
  }
  const ws = new URL('/ws', location.href);
  ws.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  ws.search = token ? `?token=${encodeURIComponent(token)}` : '';
  return connectWebSocket(ws.toString());
}
