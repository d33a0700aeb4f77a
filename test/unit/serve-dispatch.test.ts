/**
 * The IPC contract both transports share: every engine method has an argument schema, calls are
 * validated before the engine runs, errors cross as data, and the renderer's proxy rethrows them.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { engineMethods, type EngineApi } from '../../shared/engine-api.ts';
import {
  createEngineProxy,
  EngineCallError,
  engineArgSchemas,
  engineCallChannel,
  engineEventChannel,
  validateEngineCall,
} from '../../shared/ipc.ts';
import { dispatchEngineCall } from '../../main/ipc/dispatch.ts';
import { InMemoryFakeEngine, makeItems } from './renderer-fake-engine.ts';

describe('engine call validation', () => {
  it('has an argument schema for every method and nothing else', () => {
    expect(Object.keys(engineArgSchemas).sort()).toEqual([...engineMethods].sort());
  });

  it.each([
    ['unknown method', 'deleteEverything', []],
    ['prototype key', '__proto__', []],
    ['missing args', 'retry', []],
    ['wrong type', 'retry', ['7']],
    ['extra field', 'listQueue', [{ offset: 0, limit: 10, sql: 'DROP' }]],
    ['huge page', 'listQueue', [{ offset: 0, limit: 1_000_000 }]],
    ['bad target', 'addPaths', [['/x'], { kind: 'bucket', albumId: 'a' }]],
    ['non-http backend', 'updateSettings', [{ backend: { mode: 'remote', apiUrl: 'file:///etc/passwd', token: '' } }]],
    ['no ids to dismiss', 'dismiss', [[]]],
    ['a negative row id', 'cancel', [[-1]]],
    ['too many deletes at once', 'deleteMedia', [Array.from({ length: 101 }, (_, i) => `m${i}`)]],
    ['a preview of no row', 'preview', ['../etc/passwd']],
    ['a folder path that is not a string', 'listFolder', [42]],
  ])('refuses %s', (_what, method, args) => {
    const r = validateEngineCall(method, args);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('INVALID_REQUEST');
  });

  it.each([
    ['dismiss', [[1, 2]]],
    ['cancel', [[3]]],
    ['deleteMedia', [['m1', 'm2']]],
    ['listFolder', []],
    ['listFolder', ['/home/you']],
    ['preview', [7]],
    ['status', []],
    ['listQueue', [{ offset: 100, limit: 100, states: ['failed'] }]],
    ['addPaths', [['/photos'], { kind: 'generation' }]],
    ['listAlbumMedia', ['album-1']],
    ['listAlbumMedia', ['album-1', 'cursor']],
    ['updateSettings', [{ concurrency: 8, backend: { mode: 'remote', apiUrl: 'https://api.example.test', token: 't' } }]],
  ])('accepts %s %j', (method, args) => {
    expect(validateEngineCall(method, args).ok).toBe(true);
  });
});

describe('dispatch and proxy', () => {
  it('runs a valid call and answers {ok, value}; void answers null', async () => {
    const fake = new InMemoryFakeEngine(makeItems(3));
    expect(await dispatchEngineCall(fake.api, 'listQueue', [{ offset: 1, limit: 1 }])).toMatchObject({ ok: true, value: { total: 3, items: [{ id: 2 }] } });
    expect(await dispatchEngineCall(fake.api, 'pauseAll', [])).toEqual({ ok: true, value: null });
  });

  it('carries a thrown error as data, keeping a known code', async () => {
    const fake = new InMemoryFakeEngine();
    fake.failNext.set('listAlbums', Object.assign(new Error('token refused'), { code: 'UNAUTHORIZED' }));
    expect(await dispatchEngineCall(fake.api, 'listAlbums', [])).toEqual({ ok: false, error: { code: 'UNAUTHORIZED', message: 'token refused' } });
  });

  it('gives the renderer a typed proxy that rethrows engine errors', async () => {
    const fake = new InMemoryFakeEngine(makeItems(2));
    const proxy: EngineApi = createEngineProxy((method, args) => dispatchEngineCall(fake.api, method, args));
    expect((await proxy.listQueue({ offset: 0, limit: 5 })).total).toBe(2);
    await proxy.listAlbumMedia('a1', undefined);
    fake.failNext.set('createAlbum', new Error('backend down'));
    const err = await proxy.createAlbum('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineCallError);
    expect(err).toMatchObject({ code: 'INTERNAL', message: 'backend down' });
  });

  it('keeps the preload channel names equal to the contract', () => {
    const preload = readFileSync('main/preload/preload.ts', 'utf8');
    expect(preload).toContain(`const engineCallChannel = '${engineCallChannel}'`);
    expect(preload).toContain(`const engineEventChannel = '${engineEventChannel}'`);
    expect(preload).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer\s*\)/);
  });
});
