import { describe, expect, it } from 'vitest';
import {
  applyOp, applyOps, emptyState, has, makeAdd, makeRemove, makeSet, materialize, opTag, parseCrdtBody, register,
  type CrdtOp, type CrdtState,
} from '../crdt.ts';
import { Rng } from './rng.ts';

const AUTHORS = ['alice', 'bob', 'carol'];
const PHOTOS = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];
const MEMBERS = ['m0', 'm1', 'm2'];
const REGS = ['name', 'caption:p0', 'caption:p1'];

interface Replica {
  author: string;
  seq: number;
  state: CrdtState;
  ops: Map<string, CrdtOp>;
}

function localOp(r: Replica, rng: Rng): CrdtOp {
  const seq = ++r.seq;
  const k = rng.int(5);
  if (k === 0 || k === 1) {
    const [set, els] = rng.int(3) === 0 ? ['members', MEMBERS] : ['photos', PHOTOS];
    return k === 0 ? makeAdd(r.state, r.author, seq, set, rng.pick(els)) : makeRemove(r.state, r.author, seq, set, rng.pick(els));
  }
  return makeSet(r.state, r.author, seq, rng.pick(REGS), `${r.author}-${seq}`);
}

function receive(r: Replica, ops: CrdtOp[]): void {
  for (const op of ops) r.ops.set(opTag(op), op);
  r.state = applyOps(r.state, ops);
}

/** An independent oracle: membership and registers from the whole op set, by definition. */
function oracle(ops: CrdtOp[]): { sets: Record<string, string[]>; registers: Record<string, unknown> } {
  const removed = new Set(ops.flatMap((o) => (o.body.kind === 'remove' ? o.body.observed : [])));
  const sets: Record<string, Set<string>> = {};
  for (const o of ops) {
    if (o.body.kind === 'add' && !removed.has(opTag(o))) (sets[o.body.set] ??= new Set()).add(o.body.element);
  }
  const best = new Map<string, CrdtOp>();
  for (const o of ops) {
    if (o.body.kind !== 'set') continue;
    const cur = best.get(o.body.register);
    const key = (x: CrdtOp): [number, string, number] => [x.lamport, x.author, x.seq];
    const gt = (x: CrdtOp, y: CrdtOp): boolean => {
      const [a, b] = [key(x), key(y)];
      return a[0] !== b[0] ? a[0] > b[0] : a[1] !== b[1] ? a[1] > b[1] : a[2] > b[2];
    };
    if (!cur || gt(o, cur)) best.set(o.body.register, o);
  }
  const registers: Record<string, unknown> = {};
  for (const name of [...best.keys()].sort()) registers[name] = (best.get(name)!.body as { value: unknown }).value;
  const out: Record<string, string[]> = {};
  for (const name of Object.keys(sets).sort()) out[name] = [...sets[name]!].sort();
  return { sets: out, registers };
}

describe('CRDT (pure functions over decrypted ops)', () => {
  it('property: 3 replicas with random offline edits and partial syncs converge (300 seeded runs)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rng = new Rng(seed);
      const reps: Replica[] = AUTHORS.map((author) => ({ author, seq: 0, state: emptyState(), ops: new Map() }));
      for (let step = 0; step < 60; step++) {
        if (rng.int(4) > 0) {
          const r = rng.pick(reps);
          const op = localOp(r, rng);
          receive(r, [op]);
        } else {
          // A partial, one-way sync of a random subset in a random order (offline peers meet briefly).
          const [from, to] = rng.shuffle([...reps]);
          const subset = rng.shuffle([...from!.ops.values()]).filter(() => rng.int(2) === 0);
          receive(to!, subset);
        }
      }
      const all = [...new Map(reps.flatMap((r) => [...r.ops])).values()];
      for (const r of reps) receive(r, rng.shuffle([...all]));
      const views = reps.map((r) => materialize(r.state));
      expect(views[1], `seed ${seed}`).toEqual(views[0]);
      expect(views[2], `seed ${seed}`).toEqual(views[0]);
      expect(views[0], `seed ${seed}`).toEqual(oracle(all));
      // Any order, with duplicates, from scratch gives the same state.
      const replay = applyOps(emptyState(), rng.shuffle([...all, ...all.slice(0, 10)]));
      expect(materialize(replay), `seed ${seed}`).toEqual(views[0]);
    }
  });

  it('add wins over a concurrent remove; a remove wins over the adds it saw', () => {
    let a = emptyState();
    const add1 = makeAdd(a, 'alice', 1, 'photos', 'p');
    a = applyOp(a, add1);
    let b = applyOp(emptyState(), add1);
    const rm = makeRemove(b, 'bob', 1, 'photos', 'p'); // bob saw add1
    const add2 = makeAdd(a, 'alice', 2, 'photos', 'p'); // concurrent re-add by alice
    a = applyOps(a, [add2, rm]);
    b = applyOps(b, [rm, add2]);
    expect(has(a, 'photos', 'p')).toBe(true);
    expect(materialize(a)).toEqual(materialize(b));
    const rm2 = makeRemove(a, 'alice', 3, 'photos', 'p');
    expect(has(applyOp(a, rm2), 'photos', 'p')).toBe(false);
  });

  it('last writer wins by (lamport, author), and the clock moves forward', () => {
    const s = emptyState();
    const x = { ...makeSet(s, 'alice', 1, 'name', 'A'), lamport: 5 };
    const y = { ...makeSet(s, 'bob', 1, 'name', 'B'), lamport: 5 };
    expect(register(applyOps(s, [x, y]), 'name')).toBe('B');
    expect(register(applyOps(s, [y, x]), 'name')).toBe('B');
    const after = applyOps(s, [x, y]);
    expect(makeSet(after, 'alice', 2, 'name', 'C').lamport).toBe(6);
  });

  it('never mutates its input, and ignores duplicates', () => {
    const s0 = applyOp(emptyState(), makeAdd(emptyState(), 'a', 1, 'photos', 'p'));
    const before = JSON.stringify(materialize(s0));
    const op = makeRemove(s0, 'b', 1, 'photos', 'p');
    const s1 = applyOps(s0, [op, op]);
    expect(JSON.stringify(materialize(s0))).toBe(before);
    expect(s0.applied.size).toBe(1);
    expect(materialize(s1)).toEqual(materialize(applyOp(s0, op)));
  });

  it('validates decrypted bodies before use', () => {
    expect(parseCrdtBody({ kind: 'add', set: 'photos', element: 'p' })).toBeDefined();
    expect(parseCrdtBody({ kind: 'remove', set: 'photos', element: 'p', observed: ['a:1'] })).toBeDefined();
    expect(parseCrdtBody({ kind: 'set', register: 'name', value: null })).toBeDefined();
    for (const bad of [null, 1, {}, { kind: 'add', set: '', element: 'p' }, { kind: 'remove', set: 's', element: 'e', observed: [1] }, { kind: 'set', register: 'n' }]) {
      expect(parseCrdtBody(bad)).toBeUndefined();
    }
  });
});
