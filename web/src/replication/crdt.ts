/**
 * The album state machine as pure functions over DECRYPTED ops (the vault layer decrypts,
 * then calls these; relays never can). Two CRDTs:
 *  - add-wins observed-remove sets (photos of an album, members): an add makes a unique tag
 *    (author:seq); a remove deletes only the tags it observed, so a concurrent add survives.
 *  - last-writer-wins registers (album name, a photo's caption): the highest
 *    (lamport, author, seq) wins.
 * State after any set of ops is the same whatever the order they were applied in, and
 * applying an op twice changes nothing, so peers that edited offline converge.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export type CrdtBody =
  | { kind: 'add'; set: string; element: string }
  | { kind: 'remove'; set: string; element: string; observed: string[] }
  | { kind: 'set'; register: string; value: JsonValue };

/** A decrypted op: author, seq and lamport come from the verified envelope, not the body. */
export interface CrdtOp {
  author: string;
  seq: number;
  lamport: number;
  body: CrdtBody;
}

interface RegisterValue {
  value: JsonValue;
  lamport: number;
  author: string;
  seq: number;
}

/** Treat as immutable: every function here returns a new state and leaves its input alone. */
export interface CrdtState {
  readonly adds: ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<string>>>;
  readonly removed: ReadonlySet<string>;
  readonly registers: ReadonlyMap<string, RegisterValue>;
  readonly applied: ReadonlySet<string>;
  /** Highest lamport seen: a new local op uses clock + 1. */
  readonly clock: number;
}

export interface CrdtView {
  sets: Record<string, string[]>;
  registers: Record<string, JsonValue>;
}

export const opTag = (op: { author: string; seq: number }): string => `${op.author}:${op.seq}`;

export function emptyState(): CrdtState {
  return { adds: new Map(), removed: new Set(), registers: new Map(), applied: new Set(), clock: 0 };
}

/** (lamport, author, seq) total order: the LWW tiebreak. */
function newer(a: { lamport: number; author: string; seq: number }, b: RegisterValue): boolean {
  if (a.lamport !== b.lamport) return a.lamport > b.lamport;
  if (a.author !== b.author) return a.author > b.author;
  return a.seq > b.seq;
}

/** The state's own collections, for a holder that applies ops in place (applyOpsInPlace). */
export interface MutableCrdtState {
  adds: Map<string, Map<string, Set<string>>>;
  removed: Set<string>;
  registers: Map<string, RegisterValue>;
  applied: Set<string>;
  clock: number;
}

export function emptyMutableState(): MutableCrdtState {
  return { adds: new Map(), removed: new Set(), registers: new Map(), applied: new Set(), clock: 0 };
}

/** Applies ops (any order, duplicates allowed). Copies the state once per call. */
export function applyOps(state: CrdtState, ops: Iterable<CrdtOp>): CrdtState {
  const adds = new Map<string, Map<string, Set<string>>>();
  for (const [set, m] of state.adds) adds.set(set, new Map([...m].map(([el, tags]) => [el, new Set(tags)])));
  const copy: MutableCrdtState = { adds, removed: new Set(state.removed), registers: new Map(state.registers), applied: new Set(state.applied), clock: state.clock };
  applyOpsInPlace(copy, ops);
  return copy;
}

/**
 * applyOps without the copy: `state` is changed. For a holder that owns its state and applies
 * ops one at a time (an album of 100,000 photos would otherwise copy itself once per op).
 */
export function applyOpsInPlace(state: MutableCrdtState, ops: Iterable<CrdtOp>): void {
  const { adds, removed, registers, applied } = state;
  for (const op of ops) {
    const tag = opTag(op);
    if (applied.has(tag)) continue;
    applied.add(tag);
    state.clock = Math.max(state.clock, op.lamport);
    const b = op.body;
    if (b.kind === 'add') {
      let m = adds.get(b.set);
      if (!m) adds.set(b.set, (m = new Map()));
      let tags = m.get(b.element);
      if (!tags) m.set(b.element, (tags = new Set()));
      tags.add(tag);
    } else if (b.kind === 'remove') {
      // Tombstone the observed tags even if their adds have not arrived yet (any order works).
      for (const t of b.observed) removed.add(t);
    } else {
      const cur = registers.get(b.register);
      const cand = { value: b.value, lamport: op.lamport, author: op.author, seq: op.seq };
      if (!cur || newer(cand, cur)) registers.set(b.register, cand);
    }
  }
}

export const applyOp = (state: CrdtState, op: CrdtOp): CrdtState => applyOps(state, [op]);

/** Live tags of an element: its adds that no remove has observed. */
function liveTags(state: CrdtState, set: string, element: string): string[] {
  const tags = state.adds.get(set)?.get(element);
  return tags ? [...tags].filter((t) => !state.removed.has(t)) : [];
}

export function has(state: CrdtState, set: string, element: string): boolean {
  return liveTags(state, set, element).length > 0;
}

export function members(state: CrdtState, set: string): string[] {
  const m = state.adds.get(set);
  if (!m) return [];
  return [...m.keys()].filter((el) => has(state, set, el)).sort();
}

export function register(state: CrdtState, name: string): JsonValue | undefined {
  return state.registers.get(name)?.value;
}

/** A plain, sorted view: equal views mean converged states. */
export function materialize(state: CrdtState): CrdtView {
  const sets: Record<string, string[]> = {};
  for (const set of [...state.adds.keys()].sort()) {
    const els = members(state, set);
    if (els.length > 0) sets[set] = els;
  }
  const registers: Record<string, JsonValue> = {};
  for (const name of [...state.registers.keys()].sort()) registers[name] = state.registers.get(name)!.value;
  return { sets, registers };
}

// ── making local ops (the caller signs and encrypts them) ───────────────────────────────

export function makeAdd(state: CrdtState, author: string, seq: number, set: string, element: string): CrdtOp {
  return { author, seq, lamport: state.clock + 1, body: { kind: 'add', set, element } };
}

/** Removes what this replica has observed; an add it has not seen yet will win. */
export function makeRemove(state: CrdtState, author: string, seq: number, set: string, element: string): CrdtOp {
  return { author, seq, lamport: state.clock + 1, body: { kind: 'remove', set, element, observed: liveTags(state, set, element) } };
}

export function makeSet(state: CrdtState, author: string, seq: number, name: string, value: JsonValue): CrdtOp {
  return { author, seq, lamport: state.clock + 1, body: { kind: 'set', register: name, value } };
}

// ── checking decrypted bodies (an author may be buggy or hostile) ───────────────────────

const isStr = (x: unknown, max = 256): x is string => typeof x === 'string' && x.length > 0 && x.length <= max;

/** Validates a decrypted body before it reaches applyOps; undefined means "drop it". */
export function parseCrdtBody(x: unknown): CrdtBody | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const o = x as Record<string, unknown>;
  if (o.kind === 'add' && isStr(o.set) && isStr(o.element)) return { kind: 'add', set: o.set, element: o.element };
  if (o.kind === 'remove' && isStr(o.set) && isStr(o.element) && Array.isArray(o.observed) && o.observed.every((t) => isStr(t, 128))) {
    return { kind: 'remove', set: o.set, element: o.element, observed: o.observed as string[] };
  }
  if (o.kind === 'set' && isStr(o.register) && o.value !== undefined) {
    return { kind: 'set', register: o.register, value: o.value as JsonValue };
  }
  return undefined;
}
