import type { NextFunction, Request, Response } from 'express';
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
    expect(toHttpError(err)).toEqual({ status: 415, reason: 'encoding.unsupported', unexpected: false });
  });

  it('when an error carries a 4xx status without a type then the reason is generic', () => {
    expect(toHttpError(Object.assign(new Error('x'), { status: 400 })).reason).toBe('bad request');
  });

  it('when the database is unreachable then 503 so the apps retry without dropping their URL', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED'), { name: 'MongoServerSelectionError' });
    const { res, logs } = run(err);
    expect(res.statusCode).toBe(503);
    expect(res.body).toBe('database unavailable, retry later');
    expect(logs[0]?.level).toBe('error');
  });

  it.each([
    'MongooseServerSelectionError',
    'MongoNotConnectedError',
    'MongoPoolClearedError',
    'MongoWaitQueueTimeoutError',
  ])('when the driver or Mongoose reports %s then 503', (name) => {
    expect(toHttpError(Object.assign(new Error('down'), { name })).status).toBe(503);
  });

  it('when an insertMany is cut by the outage then the bulk error wrapping it is a 503 too', () => {
    // Seen in npm run faults: MongoBulkWriteError whose errorResponse is the pool error.
    const down = Object.assign(new Error('pool cleared'), { name: 'MongoPoolClearedError' });
    const bulk = Object.assign(new Error('pool cleared'), {
      name: 'MongoBulkWriteError',
      errorResponse: down,
    });
    expect(toHttpError(bulk).status).toBe(503);
    const network = Object.assign(new Error('closed'), { name: 'MongoNetworkError' });
    expect(toHttpError(new Error('wrapped', { cause: network })).status).toBe(503);
    const duplicate = Object.assign(new Error('E11000'), { name: 'MongoBulkWriteError', code: 11000 });
    expect(toHttpError(duplicate).status).toBe(500);
  });

  it('when the database answers a transient failure then 503', () => {
    // Seen in npm run faults: an insertMany cut by the embedded database's shutdown.
    const canceled = {
      ok: 0,
      errmsg: '[msg_insert.go:168] context canceled',
      code: 1,
      codeName: 'InternalError',
    };
    const bulk = Object.assign(new Error('context canceled'), {
      name: 'MongoBulkWriteError',
      errorResponse: canceled,
    });
    expect(toHttpError(bulk).status).toBe(503);
    const labelled = Object.assign(new Error('not primary'), {
      name: 'MongoServerError',
      code: 10107,
      codeName: 'NotWritablePrimary',
      hasErrorLabel: (label: string) => label === 'RetryableWriteError',
    });
    expect(toHttpError(labelled).status).toBe(503);
    const badQuery = Object.assign(new Error('unknown operator'), {
      name: 'MongoServerError',
      code: 2,
      codeName: 'BadValue',
      hasErrorLabel: () => false,
    });
    expect(toHttpError(badQuery).status).toBe(500);
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
