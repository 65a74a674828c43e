/**
 * Recognising a repeated send (../shared/CONTRACT.md §3 send: app retries). A send is fingerprinted;
 * time is cut into buckets of the retry window W, and a send at time t claims the keys of
 * its bucket b = floor(t / W) and of b + 1, in that order, each by a unique insert, and
 * goes ahead only if it won both.
 *
 * The fingerprint is an HMAC keyed with a secret, not a plain hash: a stored hash of a
 * short text could be checked against guesses by anyone reading the database. There is
 * one secret per data key (src/crypto/keyring.ts dedupSecrets), and a send claims the keys
 * of every fingerprint, bucket by bucket, in one global order: a process started before a
 * key rotation and one started after share the fingerprints of the keys both hold.
 *
 * Exactness: two identical sends less than W apart have buckets equal or adjacent, so they
 * share a key and at most one goes ahead; sends 2W or more apart share none, so both go
 * ahead; between W and 2W it depends on where the bucket boundary falls. Because every
 * send inserts its keys in one ascending order and stops at its first lost key, some send
 * of a group of identical ones always wins all its keys: a retry is never lost to its twin
 * (a loser stopped at a key another send holds, which went on to higher keys; keys are
 * finitely many, so some send ends with all of its own).
 */
import { createHmac } from 'node:crypto';
import type { DeliveryOption } from './deliveryTime';
import { describeOption } from './deliveryTime';
import type { Receiver } from './receivers';

export interface SendContent {
  senderId: string;
  receivers: readonly Receiver[];
  message: string;
  photoId: string;
  videoId: string;
  soundId: string;
  option: DeliveryOption;
}

/** HMAC-SHA256 keyed with `secret` over every part of a send, the receivers in a canonical order. */
export function sendFingerprint(send: SendContent, secret: Buffer): string {
  const receivers = send.receivers.map((r) => (r.kind === 'id' ? `id${r.id}` : `num${r.phone}`)).sort();
  const parts = [
    send.senderId,
    receivers.join(','),
    send.message,
    send.photoId,
    send.videoId,
    send.soundId,
    describeOption(send.option),
  ];
  // JSON keeps part boundaries unambiguous whatever the texts contain.
  return createHmac('sha256', secret).update(JSON.stringify(parts)).digest('hex');
}

/**
 * The keys a send at `now` claims, in insertion order: its bucket, then the next, each
 * with every fingerprint (one per data key) in sorted order.
 */
export function dedupKeys(fingerprints: readonly string[], now: Date, windowSeconds: number): string[] {
  const bucket = Math.floor(now.getTime() / (windowSeconds * 1000));
  const sorted = [...new Set(fingerprints)].sort();
  return [bucket, bucket + 1].flatMap((b) => sorted.map((f) => `${f}:${b}`));
}

/** When a claimed key can be forgotten: after the end of the later bucket. */
export function dedupExpiry(now: Date, windowSeconds: number): Date {
  const w = windowSeconds * 1000;
  return new Date((Math.floor(now.getTime() / w) + 2) * w);
}
