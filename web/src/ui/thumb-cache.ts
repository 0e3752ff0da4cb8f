/**
 * Decrypted thumbnails as object URLs, with a bounded cache: a 10,000-photo grid only ever holds
 * the URLs near the screen, and evicted ones are revoked so their memory is freed. Screens load
 * them with `app.photos.thumbnail` (keys as library items have them, `album/photo`).
 */

export class ThumbCache {
  readonly #urls = new Map<string, string>();
  readonly #loading = new Map<string, Promise<string | undefined>>();
  constructor(private readonly load: (id: string) => Promise<Blob | undefined>, private readonly max = 600) {}

  peek(id: string): string | undefined {
    const url = this.#urls.get(id);
    if (url) {
      this.#urls.delete(id);
      this.#urls.set(id, url); // most recently used last
    }
    return url;
  }

  get(id: string): Promise<string | undefined> {
    const hit = this.peek(id);
    if (hit) return Promise.resolve(hit);
    let p = this.#loading.get(id);
    if (!p) {
      p = this.load(id).then((blob) => {
        this.#loading.delete(id);
        if (!blob) return undefined;
        const url = URL.createObjectURL(blob);
        this.#urls.set(id, url);
        while (this.#urls.size > this.max) {
          const [oldest, old] = this.#urls.entries().next().value as [string, string];
          this.#urls.delete(oldest);
          URL.revokeObjectURL(old);
        }
        return url;
      }, (e: unknown) => {
        this.#loading.delete(id);
        console.warn('thumbnail failed', e);
        return undefined;
      });
      this.#loading.set(id, p);
    }
    return p;
  }

  clear(): void {
    for (const url of this.#urls.values()) URL.revokeObjectURL(url);
    this.#urls.clear();
  }
}
