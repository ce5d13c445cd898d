/**
 * Envelope fields come from the event context only; a caller's field of the same name would
 * silently replace them (a wrong event id or sequence still passes the schema), so it is refused.
 */
export function rejectReservedKeys(name: string, fields: object, reserved: readonly string[]): void {
  const clashes = Object.keys(fields).filter((key) => reserved.includes(key));
  if (clashes.length > 0) {
    throw new Error(`Event ${name}: fields must not set envelope field(s) ${clashes.join(', ')}; they come from the context`);
  }
}
