import { databaseName, parseArgs } from '../../scripts/import-legacy';
import { TARGET } from '../../scripts/import/passDeps';
import { EXAMPLES_KEPT, addNote, formatReport, newStats, recordSkip } from '../../scripts/import/report';
import * as models from '../../src/models';

describe('import report', () => {
  it('when records are skipped then the count is exact and only the first examples are kept', () => {
    const s = newStats('message', 'messages');
    for (let i = 0; i < EXAMPLES_KEPT + 5; i++) recordSkip(s, `id${i}`, 'no sender_id');
    expect(s.skipped).toBe(EXAMPLES_KEPT + 5);
    expect(s.reasons.get('no sender_id')?.examples).toHaveLength(EXAMPLES_KEPT);
  });

  it('when formatted then every collection has its counts, notes and reasons', () => {
    const s = newStats('user', 'users');
    Object.assign(s, { status: 'done', read: 3, inserted: 1, present: 1 });
    recordSkip(s, 'abc', 'no email');
    addNote(s, 'push jobs scheduled', undefined, 0); // nothing to say: left out
    addNote(s, 'unknown status label', 'def');
    const text = formatReport({ dryRun: false, interrupted: false, collections: [s] });
    expect(text.split('\n')).toEqual([
      'Legacy import report',
      'user → users: done',
      '  read 3, inserted 1, already present 1, skipped 1',
      '  note: unknown status label: 1 (e.g. def)',
      '  skipped: no email: 1 (e.g. abc)',
    ]);
  });

  it('when a run failed then the report says why and how to continue', () => {
    const text = formatReport({
      dryRun: false,
      interrupted: true,
      failure: 'connection lost',
      collections: [],
    });
    expect(text).toContain('FAILED: connection lost');
    expect(text).toContain('run the same command again');
  });

  it('when our models are registered then the import writes to their collections', () => {
    expect(TARGET).toEqual({
      users: models.User.collection.collectionName,
      phoneOwners: models.PhoneOwner.collection.collectionName,
      messages: models.Message.collection.collectionName,
      pushJobs: models.PushJob.collection.collectionName,
      pushSchedule: models.PushSchedule.collection.collectionName,
      addressBookEntries: models.AddressBookEntry.collection.collectionName,
      sendChoices: models.SendChoice.collection.collectionName,
      receiveLabels: models.ReceiveLabel.collection.collectionName,
      statusTiers: models.StatusTier.collection.collectionName,
      jobRuns: models.JobRun.collection.collectionName,
    });
  });
});

describe('import-legacy arguments', () => {
  it('when --from is given then defaults apply', () => {
    expect(parseArgs(['--from', 'mongodb://h/legacy'])).toEqual({
      from: 'mongodb://h/legacy',
      dryRun: false,
      batchSize: 1000,
    });
    expect(parseArgs(['--from=mongodb://h/x', '--dry-run', '--batch-size', '50'])).toMatchObject({
      dryRun: true,
      batchSize: 50,
    });
  });

  it('when arguments are wrong then the error says what to do', () => {
    expect(() => parseArgs([])).toThrow('--from is required');
    expect(() => parseArgs(['--from', 'http://x'])).toThrow('mongodb:// or mongodb+srv://');
    expect(() => parseArgs(['--from', 'mongodb://h/x', '--batch-size', '0'])).toThrow('positive integer');
    expect(() => parseArgs(['--frm', 'x'])).toThrow('unknown argument --frm');
  });

  it('when the source URI is read then its database name is required', () => {
    expect(databaseName('mongodb://u:p@h1:1,h2:2/pictever?replicaSet=rs')).toBe('pictever');
    expect(() => databaseName('mongodb://h:27017')).toThrow('must name the database');
  });
});
