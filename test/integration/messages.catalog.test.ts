import { ReceiveLabel, SendChoice, StatusTier } from '../../src/models';
import {
  seedCatalog,
  SEED_RECEIVE_LABELS,
  SEED_SEND_CHOICES,
  SEED_STATUS_TIERS,
} from '../../src/services/catalog/seed';
import { statusNamer } from '../../src/services/messages/status';
import { startupTasks } from '../../src/startup';
import { buildTestApp, captureLogger, testConfig } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { sendAndroid } from '../helpers/messageFactories';
import { loggedIn } from '../helpers/session';
import { messageWith } from '../helpers/encrypted';

useTestDatabase();
const config = testConfig({ FOUNDER_PHONES: '0033600000042' });
const { logger } = captureLogger();
const sizes = async () => [
  await SendChoice.countDocuments({}),
  await ReceiveLabel.countDocuments({}),
  await StatusTier.countDocuments({}),
];
const seeded = [SEED_SEND_CHOICES.length, SEED_RECEIVE_LABELS.length, SEED_STATUS_TIERS.length];

describe('catalog seeding', () => {
  it('when the database is empty then start-up seeds the catalog, and a second start-up adds nothing', async () => {
    await startupTasks({ logger });
    expect(await sizes()).toEqual(seeded);
    await startupTasks({ logger });
    expect(await sizes()).toEqual(seeded);
  });

  it('when the seed runs again and again, even at once, then it inserts only missing ids and keeps edits', async () => {
    await SendChoice.updateOne(
      { _id: '53b95c02edb08c3d6885041a' },
      { $set: { send_label: 'In 60 minutes' } },
    );
    await SendChoice.deleteOne({ _id: '53b95c02edb08c3d6885041b' });
    const results = await Promise.all([seedCatalog({ onlyEmpty: false }), seedCatalog({ onlyEmpty: false })]);
    expect(results.map((r) => r.sendChoices).sort()).toEqual([0, 1]);
    expect(await sizes()).toEqual(seeded);
    expect((await SendChoice.findById('53b95c02edb08c3d6885041a').lean())!.send_label).toBe('In 60 minutes');
  });

  it('when an operator removed an entry then start-up does not bring it back', async () => {
    await StatusTier.deleteOne({ rank: 5 });
    await startupTasks({ logger });
    expect(await StatusTier.countDocuments({})).toBe(SEED_STATUS_TIERS.length - 1);
    await seedCatalog({ onlyEmpty: false });
  });
});

describe('catalog edits without a code change', () => {
  it('when a send choice is edited in the database then the apps see it and it delivers accordingly', async () => {
    const t = buildTestApp({ CATALOG_CACHE_SECONDS: '0' });
    const u = await loggedIn(t.app, {});
    await SendChoice.create({
      _id: '5f00000000000000000000c1',
      order_id: 8,
      send_label: 'On New Year 2100',
      send_label_fr: 'Au Nouvel An 2100',
      active: true,
      time_absolute: true,
      time_delay: 4102444800,
    });
    await SendChoice.updateOne({ _id: '53b95c02edb08c3d6885041e' }, { $set: { active: false } });
    const list = (await u.get('/get_send_choices').expect(200)).body as { key: string }[];
    expect(list.map((c) => c.key)).toContain('5f00000000000000000000c1');
    expect(list.map((c) => c.key)).not.toContain('53b95c02edb08c3d6885041e');
    await sendAndroid(u.post('/send'), {
      message: 'far',
      receiver_ids: JSON.stringify([`id${u.user.id}`]),
      delivery_option: JSON.stringify({ type: '5f00000000000000000000c1' }),
    }).expect(200);
    expect((await messageWith({ message: 'far' }))!.delivery_time).toEqual(new Date(4102444800_000));
  });

  it('when a choice is inactive then a send still using its key (an app with an old list) works', async () => {
    const t = buildTestApp({ CATALOG_CACHE_SECONDS: '0' });
    const u = await loggedIn(t.app, {});
    await sendAndroid(u.post('/send'), {
      message: 'old key',
      receiver_ids: JSON.stringify([`id${u.user.id}`]),
      delivery_option: JSON.stringify({ type: '53b95c02edb08c3d6885041e' }),
    }).expect(200);
  });
});

describe('statusNamer (contact lists)', () => {
  it('when users are named then their stored rank is used, in the viewer language, founders as Founder', async () => {
    const en = await statusNamer(config, 'US');
    const fr = await statusNamer(config, 'fr');
    expect(en({ status_rank: 0 })).toBe('Newbie');
    expect(en({})).toBe('Newbie');
    expect(en({ status_rank: 2, device: { phone: '0033611111111' } })).toBe('Time traveller');
    expect(fr({ status_rank: 2 })).toBe('Voyageur du temps');
    expect(fr({ status_rank: 0, device: { phone: '0033600000042' } })).toBe('Founder');
  });
});
