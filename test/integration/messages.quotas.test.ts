/**
 * The chain of daily quota entries (src/services/messages/quotas.ts), at the service:
 * racers are admitted in chain order, whatever the interleaving, and never past a quota;
 * a refused request writes nothing; a refund appends its amounts negated, freeing its
 * share. The HTTP side (429 texts, Retry-After, stored messages) is in
 * messages.limits.test.ts.
 */
import { Types } from 'mongoose';
import type { QuotaAmounts } from '../../src/domain/quota';
import { QuotaHit } from '../../src/models';
import { chargeDailyQuotas } from '../../src/services/messages/quotas';
import { testConfig } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';

useTestDatabase();
const config = testConfig({ MESSAGES_PER_DAY: '5', PUSHES_PER_DAY: '0', CONTACT_LOOKUPS_PER_DAY: '0' });
const now = new Date(Date.UTC(2025, 6, 1, 10, 0, 0));
const OVER = { status: 429, reason: 'daily limit of 5 messages reached; try again after midnight UTC' };

const charge = (user: Types.ObjectId, messages: number) => chargeDailyQuotas(config, user, { messages }, now);

/** The user's entries of the day as [seq, messages, running total], in order. */
async function chainOf(user: Types.ObjectId): Promise<[number, number, number][]> {
  const hits = await QuotaHit.find({ user_id: user }).sort({ seq: 1 }).lean();
  return hits.map((h) => [h.seq, h.amounts.messages, h.total.messages]);
}

const outcomes = (settled: PromiseSettledResult<unknown>[]) => settled.map((s) => s.status).sort();

describe('the chain of quota entries', () => {
  it('when two requests race and only one fits then one is admitted and the chain holds it alone, ten times over', async () => {
    const users = Array.from({ length: 10 }, () => new Types.ObjectId());
    const pairs = await Promise.all(users.map((u) => Promise.allSettled([charge(u, 3), charge(u, 3)])));
    for (const [i, settled] of pairs.entries()) {
      expect(outcomes(settled)).toEqual(['fulfilled', 'rejected']);
      expect(settled.find((s) => s.status === 'rejected')?.reason).toMatchObject(OVER);
      expect(await chainOf(users[i]!)).toEqual([[0, 3, 3]]);
    }
  });

  it('when eight requests of one message race against five then five are admitted, numbered 0 to 4', async () => {
    const user = new Types.ObjectId();
    const settled = await Promise.allSettled(Array.from({ length: 8 }, () => charge(user, 1)));
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(5);
    expect(await chainOf(user)).toEqual([0, 1, 2, 3, 4].map((n) => [n, 1, n + 1]));
  });

  it('when a request is over then it writes nothing; a refund appends its amounts negated and frees its share', async () => {
    const user = new Types.ObjectId();
    const first = await charge(user, 2); // 0: 2 of 5
    await expect(charge(user, 4)).rejects.toMatchObject(OVER); // 2 + 4 of 5: nothing written
    await charge(user, 3); // 1: 2 + 3 = 5
    await expect(charge(user, 1)).rejects.toMatchObject(OVER); // 5 + 1 of 5: nothing written
    await first.refund(); // 2: its work failed, 5 - 2 = 3
    await charge(user, 2); // 3: 3 + 2 = 5
    await expect(charge(user, 1)).rejects.toMatchObject(OVER);
    expect(await chainOf(user)).toEqual([
      [0, 2, 2],
      [1, 3, 5],
      [2, -2, 3],
      [3, 2, 5],
    ]);
  });

  it('when a request uses only kinds without a quota then nothing is written', async () => {
    const user = new Types.ObjectId();
    const use: Partial<QuotaAmounts> = { pushes: 3, lookups: 10 };
    await (await chargeDailyQuotas(config, user, use, now)).refund();
    expect(await QuotaHit.countDocuments({ user_id: user })).toBe(0);
  });
});
