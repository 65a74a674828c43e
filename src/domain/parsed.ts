/** What a reader of client input returns: the value, or why it was refused (a 400's reason). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };
