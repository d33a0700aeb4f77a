import { describe, expect, it } from 'vitest';
import { MemoryBudget } from '../../backend-lambda/lib/memory-budget.ts';

/** A task that holds its bytes until released, recording when it started. */
function gated(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return { fn: async () => void (log.push(name), await done), release };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('MemoryBudget', () => {
  it('runs small originals side by side and holds a large one until it fits', async () => {
    const budget = new MemoryBudget(100);
    const log: string[] = [];
    const [a, b, big, c] = [gated(log, 'a'), gated(log, 'b'), gated(log, 'big'), gated(log, 'c')];
    const runs = [budget.run(30, a.fn), budget.run(30, b.fn), budget.run(80, big.fn), budget.run(10, c.fn)];
    await tick();
    // c would fit (70 + 10), but it arrived after big: arrival order keeps big from starving.
    expect(log).toEqual(['a', 'b']);
    a.release();
    await tick();
    expect(log).toEqual(['a', 'b']);
    b.release();
    await tick();
    expect(log).toEqual(['a', 'b', 'big', 'c']);
    big.release();
    c.release();
    await Promise.all(runs);
  });

  it('runs an original larger than the whole budget alone, and frees its share on failure', async () => {
    const budget = new MemoryBudget(100);
    await expect(budget.run(500, async () => Promise.reject(new Error('decode failed')))).rejects.toThrow('decode failed');
    const log: string[] = [];
    const x = gated(log, 'x');
    const y = gated(log, 'y');
    const runs = [budget.run(500, x.fn), budget.run(1, y.fn)];
    await tick();
    expect(log).toEqual(['x']);
    x.release();
    await tick();
    expect(log).toEqual(['x', 'y']);
    y.release();
    await Promise.all(runs);
  });
});
