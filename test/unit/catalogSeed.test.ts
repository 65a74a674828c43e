import { Types } from 'mongoose';
import { RANDOM_DELAY } from '../../src/domain/deliveryTime';
import { SEED_SEND_CHOICES } from '../../src/services/catalog/seed';

describe('seeded send choices', () => {
  it('when Android sorts order_id as strings then the order is the numeric order', () => {
    const ids = SEED_SEND_CHOICES.map((c) => c.order_id);
    const numeric = [...ids].sort((a, b) => a - b).map(String);
    const asStrings = ids.map(String).sort();
    expect(asStrings).toEqual(numeric);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('when Android 1.1 asks for its two hard-coded keys then both are seeded', () => {
    const keys = SEED_SEND_CHOICES.map((c) => c._id.toHexString());
    expect(keys).toEqual(expect.arrayContaining(['53b95c02edb08c3d6885041f', '53b95c02edb08c3d68850420']));
    expect(SEED_SEND_CHOICES.every((c) => c._id instanceof Types.ObjectId)).toBe(true);
  });

  it('when the surprise choice is drawn then it uses the original bounds (no bounds of its own)', () => {
    const surprise = SEED_SEND_CHOICES.find((c) => c.time_random);
    expect(surprise).toBeDefined();
    expect(surprise).not.toHaveProperty('random_min');
    expect(RANDOM_DELAY).toEqual({ min: 5_259_487, max: 25_000_000 });
  });
});
