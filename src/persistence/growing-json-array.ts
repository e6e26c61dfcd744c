const CLOSE = Buffer.from(']');

/**
 * The encoded JSON object member `"key":[item,item,...]`, grown in place: adding
 * an item encodes that item alone and copies it after the others (the buffer
 * doubles when full, so the copying is constant per item on average). A write of
 * the whole file reuses the bytes already encoded instead of encoding a user's
 * whole history again on every commit.
 *
 * Bytes handed out by `chunks()` are never changed afterwards: items are only
 * ever added after them, so a write in flight can keep using them.
 */
export class GrowingJsonArray {
  private buffer: Buffer;
  private length: number;
  private empty: boolean;

  constructor(key: string, itemsJson: readonly string[]) {
    const head = `${JSON.stringify(key)}:[${itemsJson.join(',')}`;
    const size = Buffer.byteLength(head);
    this.buffer = Buffer.allocUnsafe(Math.max(256, size * 2));
    this.length = this.buffer.write(head, 0, 'utf8');
    this.empty = itemsJson.length === 0;
  }

  push(itemJson: string): void {
    const needed = this.length + 1 + Buffer.byteLength(itemJson);
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    if (!this.empty) this.length += this.buffer.write(',', this.length, 'utf8');
    this.length += this.buffer.write(itemJson, this.length, 'utf8');
    this.empty = false;
  }

  /** The member as it is now, for a vectored write. */
  chunks(): Buffer[] {
    return [this.buffer.subarray(0, this.length), CLOSE];
  }
}
