/**
 * The numbering of daily quota hits (src/services/messages/quotas.ts), at the service:
 * racers are admitted in the order of their numbers, whatever the interleaving; a request
 * the day's hits already put over writes nothing; hits refused after their insert, and
 * refunded ones, keep their numbers with nothing charged, and later requests that fit are
 * admitted. The HTTP side (429 texts, Retry-After, stored messages) is in
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

/** The user's hits of the day as [seq, messages], in order. */
async function hitsOf(user: Types.ObjectId): Promise<[number, number][]> {
  const hits = await QuotaHit.find({ user_id: user }).sort({ seq: 1 }).lean();
  return hits.map((h) => [h.seq, h.messages]);
}

const outcomes = (settled: PromiseSettledResult<unknown>[]) => settled.map((s) => s.status).sort();

describe('numbered quota hits', () => {
  it('when two requests race and only one fits then the lower number is admitted, ten times over', async () => {
    const users = Array.from({ length: 10 }, () => new Types.ObjectId());
    const pairs = await Promise.all(users.map((u) => Promise.allSettled([charge(u, 3), charge(u, 3)])));
    for (const [i, settled] of pairs.entries()) {
      expect(outcomes(settled)).toEqual(['fulfilled', 'rejected']);
      const refused = settled.find((s) => s.status === 'rejected');
      expect(refused?.reason).toMatchObject(OVER);
      // The loser either read the winner's hit (refused before writing) or was numbered 1.
      expect([
        [[0, 3]],
        [
          [0, 3],
          [1, 0],
        ],
      ]).toContainEqual(await hitsOf(users[i]!));
    }
  });

  it('when eight requests of one message race against five then the first five numbers are admitted', async () => {
    const user = new Types.ObjectId();
    const settled = await Promise.allSettled(Array.from({ length: 8 }, () => charge(user, 1)));
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(5);
    const hits = await hitsOf(user);
    expect(hits.map(([, n]) => n)).toEqual([1, 1, 1, 1, 1, ...hits.slice(5).map(() => 0)]);
    expect(hits.map(([seq]) => seq)).toEqual(hits.map((_, i) => i));
  });

  it('when a request is over by the hits there then it writes nothing; a refunded hit keeps its number at 0 and frees its share', async () => {
    const user = new Types.ObjectId();
    const first = await charge(user, 2); // 0: 2 of 5
    await expect(charge(user, 4)).rejects.toMatchObject(OVER); // 2 + 4 of 5: no hit
    await charge(user, 3); // 1: 2 + 3 = 5
    await expect(charge(user, 1)).rejects.toMatchObject(OVER); // 5 + 1 of 5: no hit
    await first.refund(); // 0: its work failed, zeroed
    await charge(user, 2); // 2: 0 + 3 + 2 = 5
    expect(await hitsOf(user)).toEqual([
      [0, 0],
      [1, 3],
      [2, 2],
    ]);
  });

  it('when a request uses only kinds without a quota then no hit is written', async () => {
    const user = new Types.ObjectId();
    const use: Partial<QuotaAmounts> = { pushes: 3, lookups: 10 };
    await (await chargeDailyQuotas(config, user, use, now)).refund();
    expect(await QuotaHit.countDocuments({ user_id: user })).toBe(0);
  });
});
