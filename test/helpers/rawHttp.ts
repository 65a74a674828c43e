/**
 * HTTP/1.1 over a plain socket, for the probes that must control what a client has sent
 * when the server answers: a request whose body is only partly sent, then the rest, then
 * another request on the same connection. supertest always sends the whole body first.
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Express } from 'express';
import { answerClientError } from '../../src/http/errors';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The app on a real port of the loopback, with the web process's clientError listener. */
export async function listen(app: Express): Promise<{ server: Server; port: number }> {
  const server = createServer(app);
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** One connection; answers are read in order as they complete (Content-Length framed). */
export class RawConnection {
  private buffer = Buffer.alloc(0);
  private waiting: ((answer: RawAnswer) => void)[] = [];
  private ready: RawAnswer[] = [];
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => undefined); // a reset shows as `closed` and a missing answer
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.write(data, (err) => (err ? reject(err) : resolve())),
    );
  }

  /** The next complete answer; rejects after `timeoutMs` (a probe that hangs must fail, not wait). */
  next(timeoutMs = 10_000): Promise<RawAnswer> {
    const done = this.ready.shift();
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer in time')), timeoutMs);
      this.waiting.push((a) => {
        clearTimeout(timer);
        resolve(a);
      });
    });
  }

  end(): void {
    this.socket.destroy();
  }

  private drain(): void {
    for (;;) {
      const headEnd = this.buffer.indexOf('\r\n\r\n');
      if (headEnd === -1) return;
      const [statusLine, ...lines] = this.buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      const length = Number(headers['content-length'] ?? 0);
      if (this.buffer.length < headEnd + 4 + length) return;
      const body = this.buffer.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(headEnd + 4 + length);
      const answer = { status: Number(statusLine!.split(' ')[1]), headers, body };
      const waiter = this.waiting.shift();
      if (waiter) waiter(answer);
      else this.ready.push(answer);
    }
  }
}

/** The head of a request: request line, Host, Content-Length when a body follows, extras. */
export function head(method: string, path: string, headers: Record<string, string | number> = {}): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...lines, '', ''].join('\r\n');
}
