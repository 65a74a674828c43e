/**
 * Which messages survive the deletion of an account (README "Privacy"): only those it sent
 * that already reached another account's inbox. Everything it received goes, and so does
 * everything it sent that was not delivered yet: pending, blocked (never delivered), or a
 * bottle no account has claimed.
 */

export interface MessageFacts {
  senderId: string;
  /** null for a bottle nobody has claimed. */
  receiverId: string | null;
  deliveryTime: Date;
  blocked: boolean;
}

/** True when the message stays in its receiver's inbox after `userId` is deleted. */
export function staysAfterDeletion(m: MessageFacts, userId: string, now: Date): boolean {
  return (
    m.senderId === userId &&
    m.receiverId !== null &&
    m.receiverId !== userId &&
    !m.blocked &&
    m.deliveryTime.getTime() <= now.getTime()
  );
}
