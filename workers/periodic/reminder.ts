/**
 * The no-phone reminder (../shared/CONTRACT.md §5): about 24 to 64 h after signup, a user who has
 * not defined a phone number gets one email, in French or English. "Once per user" is
 * the insert of `reminder:<user id>` into job_runs; if the mail fails the key is given
 * back so the next run tries again (the window is 40 h wide).
 */
import { emailLanguage } from '../../src/domain/language';
import type { Logger } from '../../src/logger';
import type { Mailer } from '../../src/mail/mailer';
import { renderTemplate } from '../../src/mail/templates';
import { User } from '../../src/models/user';
import { forgetOnce, takeOnce } from './runs';
import { HOUR_MS } from '../../src/domain/time';

export const REMINDER_AFTER_MS = 24 * HOUR_MS;
export const REMINDER_UNTIL_MS = 64 * HOUR_MS;

export interface ReminderDeps {
  mailer: Mailer;
  logger: Logger;
  workerId: string;
  now: () => Date;
}

/** Sends the reminders due now; returns how many were sent by this worker. */
export async function sendSignupReminders(deps: ReminderDeps): Promise<number> {
  const now = deps.now();
  const users = await User.find({
    created_at: {
      $gte: new Date(now.getTime() - REMINDER_UNTIL_MS),
      $lte: new Date(now.getTime() - REMINDER_AFTER_MS),
    },
  })
    .select({ email: 1, country_code: 1, device: 1, deleting_at: 1 })
    .lean();
  let sent = 0;
  for (const user of users) {
    // Accounts made from a Facebook id alone carry a placeholder address: nobody reads it.
    if (user.device?.phone || user.email.endsWith('@pictever.com')) continue;
    // An account being deleted lost its device with the mark: it is not waiting for a number.
    if (user.deleting_at) continue;
    const key = `reminder:${user._id.toString()}`;
    if (!(await takeOnce(key, 'reminder', deps.workerId, now))) continue;
    const { subject, text } = renderTemplate('reminder', emailLanguage(user.country_code), {
      email: user.email,
    });
    try {
      await deps.mailer.send({ to: user.email, subject, text });
      sent += 1;
    } catch (err) {
      await forgetOnce(key);
      deps.logger.warn({ err, user_id: user._id.toString() }, 'reminder email failed; will retry');
    }
  }
  return sent;
}
