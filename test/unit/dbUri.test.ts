/** The scripts' and the bench's database naming on a MONGODB_URI (src/db/uri.ts). */
import { withDatabase } from '../../src/db/uri';

describe('withDatabase', () => {
  it('when the URI names no database then the name is added', () => {
    expect(withDatabase('mongodb://127.0.0.1:27017/', 'bench_api')).toBe(
      'mongodb://127.0.0.1:27017/bench_api',
    );
    expect(withDatabase('mongodb://127.0.0.1:27017', 'x')).toBe('mongodb://127.0.0.1:27017/x');
  });

  it('when the URI lists several hosts then it is kept as it is, which the URL parser refuses', () => {
    const uri = 'mongodb://a.example:27017,b.example:27017/?replicaSet=rs0';
    expect(() => new URL(uri).host).toThrow();
    expect(withDatabase(uri, 'load')).toBe('mongodb://a.example:27017,b.example:27017/load?replicaSet=rs0');
  });

  it('when the URI names a database then it is replaced', () => {
    expect(withDatabase('mongodb://127.0.0.1:27017/legacy', 'pictever')).toBe(
      'mongodb://127.0.0.1:27017/pictever',
    );
  });

  it('when the URI has credentials and names a database then that stays the authentication database', () => {
    expect(withDatabase('mongodb+srv://u:p@cluster.example/prod?retryWrites=true', 'bench')).toBe(
      'mongodb+srv://u:p@cluster.example/bench?retryWrites=true&authSource=prod',
    );
    expect(withDatabase('mongodb://u:p@h/prod?authSource=admin', 'bench')).toBe(
      'mongodb://u:p@h/bench?authSource=admin',
    );
  });

  it('when the text is not a MongoDB URI then it says so', () => {
    expect(() => withDatabase('postgres://h/db', 'x')).toThrow('not a mongodb://');
  });
});
