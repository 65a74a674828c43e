/**
 * Recognising a repeated send (../shared/CONTRACT.md §3 send: app retries). A send is fingerprinted;
 * time is cut into buckets of the retry window W, and a send at time t claims the keys of
 * its bucket b = floor(t / W) and of b + 1, in that order, each by a unique insert, and
 * goes ahead only if it won both.
 *
 * Exactness: two identical sends less than W apart have buckets equal or adjacent, so they
 * share a key and at most one goes ahead; sends 2W or more apart share none, so both go
 * ahead; between W and 2W it depends on where the bucket boundary falls. Because every
 * send inserts its keys in ascending order and stops at its first lost key, some send of a
 * group of identical ones always wins all its keys: a retry is never lost to its twin.
 */
import { createHash } from 'node:crypto';
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

/** sha256 over every part of a send, with the receivers in a canonical order. */
export function sendFingerprint(send: SendContent): string {
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
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** The two keys a send at `now` claims, in insertion order. */
export function dedupKeys(fingerprint: string, now: Date, windowSeconds: number): [string, string] {
  const bucket = Math.floor(now.getTime() / (windowSeconds * 1000));
  return [`${fingerprint}:${bucket}`, `${fingerprint}:${bucket + 1}`];
}

/** When a claimed key can be forgotten: after the end of the later bucket. */
export function dedupExpiry(now: Date, windowSeconds: number): Date {
  const w = windowSeconds * 1000;
  return new Date((Math.floor(now.getTime() / w) + 2) * w);
}
