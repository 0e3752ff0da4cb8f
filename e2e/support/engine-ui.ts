/**
 * Drives the family app in engines Playwright cannot drive here (Firefox ESR over WebDriver BiDi
 * with puppeteer-core, WebKitGTK through WebKitWebDriver with selenium-webdriver) the way a person
 * would: by role and accessible name. Neither driver finds elements by role inside the app's shadow
 * roots (puppeteer's `::-p-aria` finds nothing in Firefox), so a small in-page finder walks the
 * composed tree and names elements as the accessibility tree would for the markup the app uses
 * (aria-labelledby, aria-label, <label>, alt, text); the driver then clicks and types natively.
 */
import type { ElementHandle, JSHandle, Page } from 'puppeteer-core';
import type { WebDriver, WebElement } from 'selenium-webdriver';

type Match = string | { re: string; flags: string };
export interface Query {
  role: string;
  name?: string | RegExp;
  /** Its text content (for roles named by nothing else, such as a paragraph). */
  text?: string | RegExp;
  /** Only inside the first element this query finds. */
  within?: Query;
  /** Also elements that are not rendered (a hidden file input). */
  hidden?: boolean;
}
type WireQuery = Omit<Query, 'name' | 'text' | 'within'> & { name?: Match; text?: Match; within?: WireQuery };

const match = (m: string | RegExp | undefined): Match | undefined => m instanceof RegExp ? { re: m.source, flags: m.flags } : m;
function wire(q: Query): WireQuery {
  return { ...q, name: match(q.name), text: match(q.text), within: q.within && wire(q.within) };
}
const describe = (q: Query): string => `${q.role}${q.name === undefined ? '' : ` "${String(q.name)}"`}` +
  `${q.text === undefined ? '' : ` saying "${String(q.text)}"`}${q.within ? ` in ${describe(q.within)}` : ''}`;

/**
 * Runs in the page (serialized by the driver, so it uses nothing from outside): the elements that
 * match, or their names (`names`).
 */
function fvFind(q: WireQuery, names: boolean): Element[] | string[] {
  const norm = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
  const all: Element[] = [];
  const walk = (root: Document | ShadowRoot) => {
    for (const el of root.querySelectorAll('*')) {
      all.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  const textOf = (el: Element): string => {
    let out = '';
    const rec = (n: Node) => {
      if (n.nodeType === Node.TEXT_NODE) out += (n as Text).data;
      if (n.nodeType !== Node.ELEMENT_NODE) return;
      const e = n as Element;
      if (e.getAttribute('aria-hidden') === 'true' || ['STYLE', 'SCRIPT', 'TEMPLATE'].includes(e.tagName)) return;
      if (e.tagName === 'IMG') out += ` ${e.getAttribute('alt') ?? ''} `;
      else if (e.getAttribute('aria-label')) out += ` ${e.getAttribute('aria-label')} `;
      else for (const c of (e.shadowRoot ?? e).childNodes) rec(c);
    };
    for (const c of (el.shadowRoot ?? el).childNodes) rec(c);
    return norm(out);
  };
  const roleOf = (el: Element): string => {
    const explicit = el.getAttribute('role');
    if (explicit) return explicit.split(' ')[0]!;
    const tag = el.tagName.toLowerCase();
    if (tag === 'input') {
      const type = (el.getAttribute('type') ?? 'text').toLowerCase();
      const roles: Record<string, string> = { checkbox: 'checkbox', radio: 'radio', button: 'button', submit: 'button', range: 'slider', file: 'file', search: 'searchbox' };
      return roles[type] ?? (['text', 'password', 'email', 'tel', 'url', 'number'].includes(type) ? 'textbox' : type);
    }
    const roles: Record<string, string> = { p: 'paragraph', button: 'button', textarea: 'textbox', select: 'combobox', img: 'img', ol: 'list', ul: 'list', li: 'listitem', nav: 'navigation', dialog: 'dialog', h1: 'heading', h2: 'heading', h3: 'heading', h4: 'heading', progress: 'progressbar' };
    if (tag === 'a') return el.hasAttribute('href') ? 'link' : '';
    return roles[tag] ?? '';
  };
  const nameOf = (el: Element): string => {
    const root = el.getRootNode() as Document | ShadowRoot;
    const by = el.getAttribute('aria-labelledby');
    if (by) return norm(by.split(/\s+/).map((id) => { const t = root.getElementById(id); return t ? textOf(t) : ''; }).join(' '));
    const label = el.getAttribute('aria-label');
    if (label?.trim()) return norm(label);
    const labels = (el as HTMLInputElement).labels;
    if (labels?.length) return norm([...labels].map(textOf).join(' '));
    if (el.tagName === 'IMG') return norm(el.getAttribute('alt'));
    if (['button', 'link', 'heading', 'listitem', 'option', 'tab', 'menuitem', 'status', 'alert'].includes(roleOf(el))) return textOf(el);
    return norm(el.getAttribute('title'));
  };
  const matches = (want: Match | undefined, got: string) =>
    want === undefined || (typeof want === 'string' ? got === want : new RegExp(want.re, want.flags).test(got));
  const shown = (el: Element) => el.checkVisibility ? el.checkVisibility() : el.getClientRects().length > 0;
  const inside = (el: Element, box: Element) => {
    for (let n: Node | null = el; n; n = n.parentNode ?? (n as ShadowRoot).host ?? null) if (n === box) return true;
    return false;
  };
  const find = (w: WireQuery): Element[] => {
    const box = w.within ? find(w.within)[0] : undefined;
    if (w.within && !box) return [];
    return all.filter((el) => roleOf(el) === w.role && (w.hidden || shown(el)) && (!box || inside(el, box)) && matches(w.name, nameOf(el)) && matches(w.text, textOf(el)));
  };
  const found = find(q);
  return names ? found.map(nameOf) : found;
}

/** One engine's page, as the specs drive it. */
export interface EngineUI {
  readonly engine: string;
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  /** Waits until the query finds something; fails naming what it looked for. */
  waitFor(q: Query, timeoutMs?: number): Promise<void>;
  /** The accessible names of everything the query finds now. */
  names(q: Query): Promise<string[]>;
  click(q: Query, timeoutMs?: number): Promise<void>;
  /** Clears the field, then types as a person would. */
  type(q: Query, text: string): Promise<void>;
  upload(q: Query, path: string): Promise<void>;
  /** Runs `fn(element, arg)` in the page on the first element the query finds (waits for it). */
  onElement<T, A>(q: Query, fn: (el: Element, arg: A) => T, arg: A): Promise<T>;
  /** Polls `fn` on the element until it returns something truthy; returns that. */
  pollElement<T, A>(q: Query, fn: (el: Element, arg: A) => T, arg: A, what: string, timeoutMs?: number): Promise<NonNullable<T>>;
  /** Runs `fn(arg)` in the page. */
  run<T, A>(fn: (arg: A) => T, arg: A): Promise<T>;
  screenshot(path: string): Promise<void>;
}

/**
 * `fn` as the page will run it: the drivers send its source, and a loader that keeps function
 * names (tsx, esbuild) leaves calls to its `__name` helper in that source.
 */
const portable = <F extends (...a: never[]) => unknown>(fn: F): F => new Function('...args', `const __name = (f) => f; return (${fn.toString()})(...args);`) as F;
const find = portable(fvFind);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function poll<T>(get: () => Promise<T>, what: string, timeoutMs: number): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await get();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e; // the page navigating or re-rendering under the query: try again
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await sleep(150);
  }
}

/** Firefox (or any puppeteer page). */
export function puppeteerUI(page: Page, engine = 'firefox'): EngineUI {
  const firstNow = async (q: Query): Promise<ElementHandle<Element> | undefined> => {
    const list = await page.evaluateHandle(find, wire(q), false) as JSHandle<unknown>;
    const el = await list.evaluateHandle((l: unknown) => (l as Element[])[0] ?? null);
    await list.dispose();
    const handle = el.asElement() as ElementHandle<Element> | null;
    if (!handle) await el.dispose();
    return handle ?? undefined;
  };
  const first = (q: Query, timeoutMs = 15_000) => poll(() => firstNow(q), describe(q), timeoutMs);
  const on = async <T, A>(el: ElementHandle<Element>, fn: (el: Element, arg: A) => T, arg: A): Promise<T> => {
    try {
      return await el.evaluate(portable(fn) as (e: Element, a: unknown) => never, arg) as T;
    } finally {
      await el.dispose();
    }
  };
  const ui: EngineUI = {
    engine,
    async goto(url) { await page.goto(url); },
    async reload() { await page.reload(); },
    async waitFor(q, timeoutMs) { await (await first(q, timeoutMs)).dispose(); },
    async names(q) { return page.evaluate(find, wire(q), true) as Promise<string[]>; },
    async click(q, timeoutMs) {
      const el = await first(q, timeoutMs);
      await el.click();
      await el.dispose();
    },
    async type(q, text) {
      const el = await first(q);
      await el.evaluate((e) => { (e as HTMLInputElement).value = ''; });
      await el.type(text);
      await el.dispose();
    },
    async upload(q, path) {
      const el = await first({ ...q, hidden: true }) as ElementHandle<HTMLInputElement>;
      await el.uploadFile(path);
      await el.dispose();
    },
    async onElement(q, fn, arg) { return on(await first(q), fn, arg); },
    pollElement(q, fn, arg, what, timeoutMs = 30_000) {
      return poll(async () => {
        const el = await firstNow(q);
        return el ? on(el, fn, arg) : undefined;
      }, `${describe(q)}: ${what}`, timeoutMs) as Promise<NonNullable<ReturnType<typeof fn>>>;
    },
    run(fn, arg) { return page.evaluate(portable(fn) as (a: unknown) => never, arg); },
    async screenshot(path) { await page.screenshot({ path }); },
  };
  return ui;
}

/** WebKitGTK (or any selenium session). */
export function seleniumUI(driver: WebDriver, engine = 'webkit'): EngineUI {
  const call = (fn: (...a: never[]) => unknown, ...args: unknown[]) => driver.executeScript(`return (${portable(fn).toString()}).apply(null, arguments)`, ...args);
  const query = (q: Query, names: boolean) => call(fvFind, wire(q), names);
  const first = (q: Query, timeoutMs = 15_000) =>
    poll(async () => ((await query(q, false)) as WebElement[])[0], describe(q), timeoutMs);
  const ui: EngineUI = {
    engine,
    async goto(url) { await driver.get(url); },
    async reload() { await driver.navigate().refresh(); },
    async waitFor(q, timeoutMs) { await first(q, timeoutMs); },
    async names(q) { return (await query(q, true)) as string[]; },
    async click(q, timeoutMs) { await (await first(q, timeoutMs)).click(); },
    async type(q, text) {
      const el = await first(q);
      await el.clear();
      await el.sendKeys(text);
    },
    async upload(q, path) { await (await first({ ...q, hidden: true })).sendKeys(path); },
    async onElement(q, fn, arg) { return call(fn, await first(q), arg) as never; },
    pollElement(q, fn, arg, what, timeoutMs = 30_000) {
      return poll(async () => {
        const el = ((await query(q, false)) as WebElement[])[0];
        return el ? (call(fn, el, arg) as Promise<ReturnType<typeof fn>>) : undefined;
      }, `${describe(q)}: ${what}`, timeoutMs) as Promise<NonNullable<ReturnType<typeof fn>>>;
    },
    async run(fn, arg) { return call(fn, arg) as never; },
    async screenshot(path) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(path, Buffer.from(await driver.takeScreenshot(), 'base64'));
    },
  };
  return ui;
}
