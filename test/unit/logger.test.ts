import { Writable } from 'node:stream';
import { MongoBulkWriteError, MongoServerError } from 'mongodb';
import { createLogger, serializeError } from '../../src/logger';

function logged(write: (logger: ReturnType<typeof createLogger>) => void): string {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  write(createLogger('info', sink));
  return lines.join('');
}

describe('error logging never carries documents', () => {
  const doc = { email: 'secret-person@example.com', message: 'a private letter' };

  it('when a bulk write fails then its operations and result are left out, its codes kept', () => {
    const err = new MongoBulkWriteError(
      {
        message: 'E11000 duplicate key',
        code: 11000,
        writeErrors: [{ index: 0, code: 11000, errmsg: 'E11000 duplicate key', op: doc }],
      } as never,
      { insertedCount: 0, insertedIds: { 0: 'x' }, result: { writeErrors: [{ op: doc }] } } as never,
    );
    const line = logged((l) => l.error({ err }, 'insert failed'));
    expect(line).not.toContain('secret-person');
    expect(line).not.toContain('private letter');
    expect(JSON.parse(line)).toMatchObject({ err: { writeErrorCount: 1, writeErrorCodes: [11000] } });
  });

  it("when a duplicate key error names the key's value then only its pattern is logged", () => {
    const err = new MongoServerError({
      message: `E11000 duplicate key error collection: pictever.users index: email_1 dup key: { email: "${doc.email}" }`,
      code: 11000,
      keyPattern: { email: 1 },
      keyValue: { email: doc.email },
    });
    const line = logged((l) => l.error({ err }, 'insert failed'));
    expect(line).not.toContain('secret-person');
    expect(JSON.parse(line)).toMatchObject({ err: { code: 11000, keyPattern: { email: 1 } } });
  });

  it('when pino-http hands over an already serialized error then it is cleaned the same way', () => {
    const cleaned = serializeError({ type: 'Error', message: 'x', op: doc, keyValue: doc }) as object;
    expect(JSON.stringify(cleaned)).not.toContain('secret-person');
    expect(cleaned).toMatchObject({ type: 'Error', message: 'x' });
  });
});
