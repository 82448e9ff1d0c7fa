import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitStatements, sqlString, SqlSyntaxError, stringValue, tokenize } from './sql-lexer';

describe('splitStatements', () => {
  it('splits on top-level semicolons only', () => {
    const sql = `CREATE TABLE t (a varchar(10));
      INSERT INTO t VALUES ('x;y'), ('it''s'), ('back\\'slash;');
      SELECT $$a;b$$, $tag$c;$$;d$tag$ -- trailing; comment
      ; /* only a comment; */ ;
      SELECT "semi;colon" FROM t`;
    const statements = splitStatements(sql).map((s) => s.text);
    expect(statements).toEqual([
      'CREATE TABLE t (a varchar(10))',
      "INSERT INTO t VALUES ('x;y'), ('it''s'), ('back\\'slash;')",
      'SELECT $$a;b$$, $tag$c;$$;d$tag$',
      'SELECT "semi;colon" FROM t',
    ]);
  });

  it('keeps nested block comments whole', () => {
    expect(splitStatements('SELECT 1 /* a /* b; */ c; */ + 2; SELECT 2').map((s) => s.text)).toEqual([
      'SELECT 1 /* a /* b; */ c; */ + 2',
      'SELECT 2',
    ]);
  });

  it('reports unterminated literals with their position', () => {
    expect(() => splitStatements("SELECT 'abc")).toThrow(SqlSyntaxError);
    try {
      splitStatements("SELECT 1; SELECT 'abc");
    } catch (error) {
      expect((error as SqlSyntaxError).position).toBe(17);
    }
    expect(() => splitStatements('SELECT /* open')).toThrow(/unterminated/);
    expect(() => splitStatements('SELECT $x$ open')).toThrow(/dollar/);
  });
});

describe('tokenize', () => {
  it('tells casts, parameters and slices apart', () => {
    const kinds = tokenize('a::int = :id AND arr[1:2] > $1').filter((t) => t.kind !== 'space');
    expect(kinds.map((t) => `${t.kind}:${t.text}`)).toEqual([
      'word:a',
      'operator:::',
      'word:int',
      'operator:=',
      'param::id',
      'word:AND',
      'word:arr',
      'operator:[',
      'number:1',
      'operator::',
      'number:2',
      'operator:]',
      'operator:>',
      'positional-param:$1',
    ]);
  });
});

describe('stringValue', () => {
  it("reads Redshift's literal rules: '' and \\' are quotes, \\\\ a backslash", () => {
    const [token] = tokenize(String.raw`'it''s \'quoted\' a\\b \n'`);
    expect(stringValue(token!)).toBe("it's 'quoted' a\\b \n");
  });

  it('round-trips any text through sqlString', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const literal = sqlString(text);
        const tokens = tokenize(literal);
        // E'...' lexes as the word E followed by the string.
        expect(tokens).toHaveLength(2);
        expect(stringValue(tokens[1]!)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
