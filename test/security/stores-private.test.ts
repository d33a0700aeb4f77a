/**
 * The embedded DynamoDB store answers only the backend (no TCP port exists; its socket is 0600 in a
 * 0700 directory), and the data directory and everything in it are the user's alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { createAlbum, makeJpeg, startTestBackend, uploadToAlbum, type TestBackend } from '../helpers/backend.ts';
import { LOCAL_TABLE } from '../../backend-lambda/local/index.ts';

let backend: TestBackend;
let dataDir: string;
beforeAll(async () => {
  // A data dir as an older Ferry left it: world-readable directory, files and subdirectories.
  dataDir = mkdtempSync(join(tmpdir(), 'ferry-sec-'));
  chmodSync(dataDir, 0o755);
  mkdirSync(join(dataDir, 'backend'), { mode: 0o755 });
  writeFileSync(join(dataDir, 'settings.json'), '{}', { mode: 0o644 });
  writeFileSync(join(dataDir, 'backend', 'old.log'), 'x', { mode: 0o644 });
  chmodSync(join(dataDir, 'backend'), 0o755);
  chmodSync(join(dataDir, 'settings.json'), 0o644);
  backend = await startTestBackend({ dataDir });
  const albumId = await createAlbum(backend);
  await uploadToAlbum(backend, albumId, await makeJpeg(200, 150), { filename: 'gps.jpg', mimeType: 'image/jpeg' });
  await backend.idle();
});
afterAll(async () => {
  await backend?.destroy();
});

/** The TCP ports this process listens on (Linux: /proc/net/tcp* matched to our socket fds). */
function listeningTcpPorts(): Set<number> {
  const ours = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) ours.add(m[1]!);
    } catch {
      // closed while listing
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A: LISTEN
      if (ours.has(f[9]!)) ports.add(parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

describe('DynamoDB answers only the backend', () => {
  it.runIf(process.platform === 'linux')('no TCP port besides the API and the S3 store', () => {
    expect(backend.dynamodb).toMatch(/^unix:\//);
    expect(listeningTcpPorts()).toEqual(new Set([Number(new URL(backend.api).port), Number(new URL(backend.s3).port)]));
  });
  it('its socket is 0600 in a 0700 directory, and the old way in (a TCP endpoint) reaches nothing', async () => {
    const socketPath = backend.dynamodb.replace(/^unix:/, '');
    expect(lstatSync(socketPath).mode & 0o777).toBe(0o600);
    expect(lstatSync(join(socketPath, '..')).mode & 0o777).toBe(0o700);
    // The audit's Scan, sent the way it used to be (a loopback TCP endpoint, any key): every port
    // this process listens on is the API or S3, neither of which speaks DynamoDB.
    for (const port of listeningTcpPorts()) {
      const ddb = new DynamoDBClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
      await expect(ddb.send(new ScanCommand({ TableName: LOCAL_TABLE }))).rejects.toBeTruthy();
      ddb.destroy();
    }
  });
  it('the socket path refuses a connection once the backend is gone (no stale listener)', async () => {
    const other = await startTestBackend();
    const socketPath = other.dynamodb.replace(/^unix:/, '');
    await other.destroy();
    await expect(
      new Promise((resolve, reject) => {
        const s = connect(socketPath, () => resolve(s.end()));
        s.on('error', reject);
      }),
    ).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('data at rest is private', () => {
  it('the data dir and everything in it are 0700 / 0600, old entries tightened', () => {
    const open: string[] = [];
    const walk = (p: string) => {
      const st = lstatSync(p);
      if (st.isSymbolicLink()) return;
      if (st.mode & 0o077) open.push(`${p} ${(st.mode & 0o777).toString(8)}`);
      if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
    };
    walk(dataDir);
    expect(open).toEqual([]);
    expect(lstatSync(dataDir).mode & 0o777).toBe(0o700);
    expect(lstatSync(join(dataDir, 'settings.json')).mode & 0o777).toBe(0o600);
    expect(lstatSync(join(dataDir, 'backend', 's3-key.json')).mode & 0o777).toBe(0o600);
    // s3rver's object files and dynalite's leveldb were written by the backend, not just tightened
    expect(readdirSync(join(dataDir, 'backend', 's3')).length).toBeGreaterThan(0);
    expect(readdirSync(join(dataDir, 'backend', 'dynamodb')).length).toBeGreaterThan(0);
  });
});
