/**
 * Child process for the race test: tries to insert claims 0..n-1 into a collection with
 * `concurrency` callers at once and prints how many inserts it won.
 * Usage: raceInserts.ts <uri> <collection> <n> <concurrency>
 */
import { MongoClient, MongoServerError } from 'mongodb';

async function main(): Promise<void> {
  const [uri, name, n, concurrency] = process.argv.slice(2);
  const client = await MongoClient.connect(uri!);
  const coll = client.db().collection<{ _id: string }>(name!);
  let next = 0;
  let won = 0;
  const caller = async () => {
    while (next < Number(n)) {
      const id = `claim-${next++}`;
      try {
        await coll.insertOne({ _id: id });
        won++;
      } catch (err) {
        if (!(err instanceof MongoServerError && err.code === 11000)) throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Number(concurrency) }, caller));
  await client.close();
  process.stdout.write(`${won}\n`);
}

void main();
