/**
 * A history cursor on the wire: a store's position of an exchange, as a
 * string. Clients must treat it as opaque; it is a string so that its form can
 * change without breaking them.
 */
export const HISTORY_CURSOR_PATTERN = /^[1-9]\d{0,15}$/;

export function encodeCursor(position: number | undefined): string | null {
  return position === undefined ? null : String(position);
}

/** The position of a cursor that matched HISTORY_CURSOR_PATTERN. */
export function decodeCursor(cursor: string | undefined): number | undefined {
  return cursor === undefined ? undefined : Number(cursor);
}
