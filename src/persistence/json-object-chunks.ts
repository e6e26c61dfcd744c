const SEPARATOR = Buffer.from(',\n');

/** One `"key":value` member of a JSON object, encoded once and kept until the value changes. */
export function jsonMember(key: string, valueJson: string): Buffer {
  return Buffer.from(`${JSON.stringify(key)}:${valueJson}`);
}

/**
 * A JSON object made of already-encoded members (each one buffer, or several in a row), as a list of buffers for one
 * vectored write: no string of the whole file is ever built, so a write costs
 * the kernel's copy and not a large allocation and its garbage. `before` and
 * `after` wrap the object (for a file whose object sits inside another).
 */
export function jsonObjectChunks(members: Iterable<Buffer | readonly Buffer[]>, before = '', after = ''): Buffer[] {
  const chunks: Buffer[] = [Buffer.from(`${before}{\n`)];
  for (const member of members) {
    if (chunks.length > 1) chunks.push(SEPARATOR);
    if (Buffer.isBuffer(member)) chunks.push(member);
    else chunks.push(...member);
  }
  chunks.push(Buffer.from(`\n}${after}\n`));
  return chunks;
}
