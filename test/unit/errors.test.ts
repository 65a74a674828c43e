import type { NextFunction, Request, Response } from 'express';
import {
  MongoBulkWriteError,
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
  MongoUnexpectedServerResponseError,
  type TopologyDescription,
} from 'mongodb';
import mongoose from 'mongoose';
import { AppError, errorHandler, toHttpError } from '../../src/http/errors';

function fakeRes() {
  const res = {
    headersSent: false,
    statusCode: 0,
    body: undefined as unknown,
    contentType: '',
    headers: {} as Record<string, string>,
    setHeader(name: string, value: string) {
      res.headers[name] = value;
    },
    status(code: number) {
      res.statusCode = code;
      return res;
    },
    type(t: string) {
      res.contentType = t;
      return res;
    },
    send(b: unknown) {
      res.body = b;
      return res;
    },
  };
  return res;
}

function run(err: unknown, headersSent = false) {
  const res = fakeRes();
  res.headersSent = headersSent;
  const logs: { level: string; obj: unknown }[] = [];
  const req = {
    log: {
      error: (obj: unknown) => logs.push({ level: 'error', obj }),
      warn: (obj: unknown) => logs.push({ level: 'warn', obj }),
      info: (obj: unknown) => logs.push({ level: 'info', obj }),
    },
  };
  const next = jest.fn() as unknown as NextFunction & jest.Mock;
  errorHandler(err, req as unknown as Request, res as unknown as Response, next);
  return { res, next, logs };
}

describe('AppError and the error middleware', () => {
  it.each([
    [AppError.badRequest('bad json'), 400, 'bad json'],
    [AppError.unauthorized(), 401, 'login required'],
    [AppError.forbidden('cross-site request refused'), 403, 'cross-site request refused'],
    [AppError.notFound(), 404, 'not found'],
    [AppError.notAcceptable('taken'), 406, 'taken'],
    [AppError.tooManyRequests(), 429, 'too many requests, try again later'],
    [AppError.unsupportedMediaType('compressed'), 415, 'compressed'],
    [AppError.unavailable(), 503, 'service temporarily unavailable'],
  ])('when an AppError is thrown then its own status and reason are sent (%#)', (err, status, reason) => {
    const { res, logs } = run(err);
    expect(res.statusCode).toBe(status);
    expect(res.body).toBe(reason);
    expect(res.contentType).toBe('text/plain');
    expect(logs[0]?.level).toBe('info');
  });

  it('when a 429 is sent then it carries Retry-After: the given seconds rounded up, else a minute', () => {
    expect(run(AppError.tooManyRequests('slow down', 12.2)).res.headers['Retry-After']).toBe('13');
    expect(run(AppError.tooManyRequests('slow down', 0)).res.headers['Retry-After']).toBe('1');
    expect(run(AppError.tooManyRequests()).res.headers['Retry-After']).toBe('60');
  });

  it('when a 503 names a retry time then Retry-After is sent; other errors send none', () => {
    expect(run(AppError.unavailable('busy', 1)).res.headers['Retry-After']).toBe('1');
    expect(run(AppError.unavailable()).res.headers['Retry-After']).toBeUndefined();
    expect(run(AppError.unauthorized()).res.headers['Retry-After']).toBeUndefined();
  });

  it('when a body parser reports 413 then 413 with a reason, not 400 or 500', () => {
    const err = Object.assign(new Error('too large'), { status: 413, type: 'entity.too.large' });
    const { res } = run(err);
    expect(res.statusCode).toBe(413);
    expect(res.body).toBe('request body too large');
    expect(res.headers.Connection).toBe('close');
  });

  it('when the 413 names the limit then the reason says it', () => {
    const err = Object.assign(new Error('too large'), {
      status: 413,
      limit: 65536,
      type: 'entity.too.large',
    });
    expect(run(err).res.body).toBe('request body too large (at most 65536 bytes here)');
  });

  it('when an AppError carries a retry delay then Retry-After is sent in whole seconds (at least 1)', () => {
    expect(run(AppError.tooManyRequests('quota', 3600)).res.headers['Retry-After']).toBe('3600');
    expect(run(AppError.tooManyRequests('quota', 0.2)).res.headers['Retry-After']).toBe('1');
    expect(run(AppError.tooManyRequests()).res.headers['Retry-After']).toBe('60'); // every 429 carries one
  });

  it('when a middleware error carries a 4xx statusCode then it is kept', () => {
    const err = Object.assign(new Error('x'), { statusCode: 415, type: 'encoding.unsupported' });
    expect(toHttpError(err)).toEqual({ status: 415, reason: 'encoding.unsupported', level: 'info' });
  });

  it('when an error carries a 4xx status without a type then the reason is generic', () => {
    expect(toHttpError(Object.assign(new Error('x'), { status: 400 })).reason).toBe('bad request');
  });

  it('when the database is unreachable then 503 with Retry-After 5, logged as a warning', () => {
    const err = new MongoServerSelectionError('connect ECONNREFUSED', {} as TopologyDescription);
    const { res, logs } = run(err);
    expect(res.statusCode).toBe(503);
    expect(res.body).toBe('database unavailable, retry later');
    expect(res.contentType).toBe('text/plain');
    expect(res.headers['Retry-After']).toBe('5');
    expect(logs).toEqual([{ level: 'warn', obj: { err, status: 503 } }]);
  });

  it('when the database answers a fault (a reply without its cursor) then 503 with Retry-After 1', () => {
    const err = new MongoUnexpectedServerResponseError('BSON element "cursor" is missing');
    const { res, logs } = run(err);
    expect(res.statusCode).toBe(503);
    expect(res.body).toBe('database error, retry later');
    expect(res.headers['Retry-After']).toBe('1');
    expect(logs[0]?.level).toBe('warn');
  });

  it('when Mongoose reports no server at connect then 503 too', () => {
    expect(toHttpError(new mongoose.Error.MongooseServerSelectionError('down')).status).toBe(503);
  });

  it('when an insertMany is cut by the outage or a busy server then the bulk error wrapping it is a 503', () => {
    // Seen in npm run faults: a MongoBulkWriteError wrapping the pool error, and one wrapping
    // the InternalError "context canceled" of a write cut by the database's shutdown.
    const cut = new MongoBulkWriteError(new MongoNetworkError('pool cleared'), {} as never);
    expect(toHttpError(cut)).toMatchObject({ status: 503, retryAfterSeconds: 5 });
    const canceled = new MongoServerError({
      ok: 0,
      errmsg: 'context canceled',
      code: 1,
      codeName: 'InternalError',
    });
    expect(toHttpError(new MongoBulkWriteError(canceled, {} as never))).toMatchObject({
      status: 503,
      retryAfterSeconds: 1,
    });
    expect(toHttpError(new Error('wrapped', { cause: new MongoNetworkError('closed') })).status).toBe(503);
  });

  it('when the server refuses our command for its content then 500, a bug of ours logged as an error', () => {
    const badQuery = new MongoServerError({
      ok: 0,
      errmsg: 'unknown operator',
      code: 2,
      codeName: 'BadValue',
    });
    const { res, logs } = run(badQuery);
    expect(res.statusCode).toBe(500);
    expect(res.headers['Retry-After']).toBeUndefined();
    expect(logs[0]?.level).toBe('error');
    const duplicate = new MongoBulkWriteError(
      { message: 'E11000', code: 11000, writeErrors: [{ code: 11000 }] as never },
      {} as never,
    );
    expect(toHttpError(duplicate).status).toBe(500);
  });

  it('when our code throws a TypeError or a cast error then 500', () => {
    expect(run(new TypeError('x is undefined')).res.statusCode).toBe(500);
    expect(toHttpError(new mongoose.Error.CastError('ObjectId', 'nope', '_id')).status).toBe(500);
  });

  it('when an unknown error is thrown then 500 without its message, and it is logged', () => {
    const { res, logs } = run(new Error('secret internals at /path'));
    expect(res.statusCode).toBe(500);
    expect(res.body).toBe('internal error');
    expect(logs[0]?.level).toBe('error');
  });

  it('when a non-error value is thrown then 500', () => {
    expect(run('boom').res.statusCode).toBe(500);
    expect(run(null).res.statusCode).toBe(500);
  });

  it('when a 5xx status is carried by a foreign error then it is still a bare 500', () => {
    expect(toHttpError(Object.assign(new Error('x'), { status: 502 })).status).toBe(500);
  });

  it('when headers were already sent then it defers to Express', () => {
    const err = new Error('late');
    const { res, next } = run(err, true);
    expect(next).toHaveBeenCalledWith(err);
    expect(res.statusCode).toBe(0);
  });
});
