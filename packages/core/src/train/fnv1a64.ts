// FNV-1a, 64-bit, in plain 16-bit-limb integer arithmetic (no BigInt, no node:crypto) so it runs
// the same in Node and browsers and costs ~15 integer operations per byte. Used to compare
// manifests and weights between processes; collisions are not an adversarial concern there.

/** Incremental FNV-1a-64 hasher. */
export class Fnv1a64 {
  // State as four 16-bit limbs, least significant first: offset basis 0xcbf29ce484222325.
  private h0 = 0x2325;
  private h1 = 0x8422;
  private h2 = 0x9ce4;
  private h3 = 0xcbf2;

  /** Feeds raw bytes. */
  update(bytes: Uint8Array): this {
    let { h0, h1, h2, h3 } = this;
    for (let i = 0; i < bytes.length; i++) {
      h0 ^= bytes[i];
      // h * 0x100000001b3 mod 2^64 = h * 0x1b3 + (h << 40).
      let t0 = h0 * 0x1b3;
      let t1 = h1 * 0x1b3;
      let t2 = h2 * 0x1b3 + (h0 << 8);
      const t3 = h3 * 0x1b3 + (h1 << 8);
      t1 += t0 >>> 16;
      t0 &= 0xffff;
      t2 += t1 >>> 16;
      t1 &= 0xffff;
      h3 = (t3 + (t2 >>> 16)) & 0xffff;
      h2 = t2 & 0xffff;
      h1 = t1;
      h0 = t0;
    }
    this.h0 = h0;
    this.h1 = h1;
    this.h2 = h2;
    this.h3 = h3;
    return this;
  }

  /** Feeds a string as UTF-8. */
  updateString(text: string): this {
    return this.update(new TextEncoder().encode(text));
  }

  /** The hash so far as 16 lowercase hex digits. */
  hex(): string {
    return [this.h3, this.h2, this.h1, this.h0].map((limb) => limb.toString(16).padStart(4, '0')).join('');
  }
}

/** FNV-1a-64 of a string's UTF-8 bytes, as 16 hex digits. */
export function fnv1a64Hex(text: string): string {
  return new Fnv1a64().updateString(text).hex();
}
