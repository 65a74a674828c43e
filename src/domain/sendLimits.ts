/**
 * Sizes a /send may carry (README "Limits"): a message is stored once per receiver and
 * returned by every /receive_all that covers it, so its size is bounded where it comes in.
 */

/** S3 object keys are at most 1,024 bytes of UTF-8: a longer media id names nothing. */
export const MAX_MEDIA_ID_BYTES = 1024;

export interface SendContent {
  message: string;
  photoId: string;
  videoId: string;
  soundId: string;
}

/** UTF-8 length without encoding texts far over the limit (each unit is 1 to 3 bytes). */
function overBytes(text: string, max: number): boolean {
  if (text.length > max) return true;
  return text.length * 3 > max && Buffer.byteLength(text, 'utf8') > max;
}

/**
 * Why a send is too large, or undefined. Text is counted in UTF-16 units, as Android's
 * String and iOS's NSString count the characters of their text fields.
 */
export function sendSizeProblem(send: SendContent, maxChars: number): string | undefined {
  if (send.message.length > maxChars) return `message too long: at most ${maxChars} characters`;
  const media = { photo_id: send.photoId, video_id: send.videoId, sound_id: send.soundId };
  for (const [field, id] of Object.entries(media)) {
    if (overBytes(id, MAX_MEDIA_ID_BYTES)) return `${field} too long: at most ${MAX_MEDIA_ID_BYTES} bytes`;
  }
  return undefined;
}
