/** What every import pass is given: both databases and the run's settings. */
import type { Db } from 'mongodb';
import type { Keyring } from '../../src/crypto/keyring';
import type { AddressBookContact } from '../../src/domain/addressBook';
import type { CheckpointStore } from './checkpoints';
import type { Progress } from './stream';

export interface Normalisers {
  normaliseEmail: (raw: string) => string;
  normalisePhone: (raw: string) => string;
  parseContacts: (text: string) => AddressBookContact[];
}

export interface PassDeps extends Normalisers {
  source: Db;
  target: Db;
  dryRun: boolean;
  batchSize: number;
  checkpoints: CheckpointStore;
  progress: Progress;
  shouldStop: () => boolean;
  /** The run's clock (created_at of push jobs; claim time of stranded bottles). */
  now: Date;
  /** bcrypt cost of the imported passwords (BCRYPT_COST). */
  bcryptCost: number;
  /** Passwords hashed at once (the cores). */
  hashConcurrency: number;
  /** Encrypts what the models encrypt (src/crypto/fields.ts) as it is copied. */
  keyring: Keyring;
}

/** Target collection names, as our models declare them. */
export const TARGET = {
  users: 'users',
  phoneOwners: 'phone_owners',
  messages: 'messages',
  pushJobs: 'push_jobs',
  pushSchedule: 'push_schedule',
  addressBookEntries: 'address_book_entries',
  sendChoices: 'send_choices',
  receiveLabels: 'receive_labels',
  statusTiers: 'status_tiers',
  jobRuns: 'job_runs',
} as const;
