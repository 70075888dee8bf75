import { tableStatements } from '../../lib/table-grants';

// The route table's access as IAM statements (lib/route-function.ts writes them into each role).
describe('table statements', () => {
  test('reads and writes never share a statement; a user write has its own, held to partial ReturnValues', () => {
    const statements = tableStatements(
      { GetItem: ['THROTTLE#'], UpdateItem: ['USER#', 'THROTTLE#'], PutItem: ['THROTTLE#'] },
      { writes: ['passwordHash'] },
    );
    expect(statements.map((s) => [s.actions, s.prefixes, s.read, s.returnValues])).toEqual([
      [['GetItem'], ['THROTTLE#'], true, undefined],
      [['UpdateItem'], ['USER#'], false, ['NONE', 'UPDATED_OLD', 'UPDATED_NEW']],
      [['UpdateItem', 'PutItem'], ['THROTTLE#'], false, undefined],
    ]);
    expect(statements[1].attributes).toEqual(['passwordHash', 'pk', 'sk']);
    expect(statements[0].attributes).toEqual([
      'expiresAt',
      'failures',
      'lastWrite',
      'lockedUntil',
      'pk',
      'sk',
      'windowStart',
    ]);
  });

  test("a user's password hash is readable only when granted", () => {
    const read = (readsPasswordHash?: boolean) =>
      tableStatements({ BatchGetItem: ['SESSION#', 'USER#', 'GLOBAL#'] }, { readsPasswordHash })[0].attributes;
    expect(read()).not.toContain('passwordHash');
    expect(read()).toEqual(expect.arrayContaining(['username', 'disabled', 'credentialVersion', 'jti', 'generation']));
    expect(read(true)).toContain('passwordHash');
  });

  test('a write of user items that lists no attributes is refused at synth, never granted every attribute', () => {
    expect(() => tableStatements({ UpdateItem: ['USER#'] })).toThrow(/must list the attributes/);
  });

  test('the sessions index: its keys, nothing of the items', () => {
    expect(tableStatements({ Query: ['USER#'] })).toEqual([
      {
        actions: ['Query'],
        prefixes: ['USER#'],
        index: true,
        read: true,
        attributes: ['gsi1pk', 'gsi1sk', 'pk', 'sk'],
      },
    ]);
  });
});
