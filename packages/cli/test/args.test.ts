import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandSpec } from '../src/args.js';
import { flag, formatHelp, list, parseArgs, str } from '../src/args.js';
import { UsageError } from '../src/errors.js';

const spec: CommandSpec = {
  name: 'demo',
  summary: 'a demo command',
  usage: ['demo SRC [DST]'],
  options: [
    { name: 'recursive', short: 'r', type: 'boolean', description: 'recurse' },
    { name: 'quiet', short: 'q', type: 'boolean', description: 'quiet' },
    { name: 'output', short: 'o', value: 'FILE', type: 'string', description: 'output file' },
    { name: 'header', short: 'H', value: 'H', type: 'string', multiple: true, description: 'a header' },
  ],
  minPositionals: 1,
  maxPositionals: 2,
};

describe('parseArgs', () => {
  it('reads long options with a separate or attached value', () => {
    const a = parseArgs(spec, ['--output', 'x.txt', 'src']);
    assert.equal(str(a, 'output'), 'x.txt');
    assert.deepEqual(a.positionals, ['src']);
    assert.equal(str(parseArgs(spec, ['--output=a=b', 's']), 'output'), 'a=b');
  });

  it('reads short options, bundled booleans and a trailing valued short option', () => {
    const a = parseArgs(spec, ['-rq', 's', '-o', 'f']);
    assert.equal(flag(a, 'recursive'), true);
    assert.equal(flag(a, 'quiet'), true);
    assert.equal(str(a, 'output'), 'f');
    const b = parseArgs(spec, ['-ro', 'f', 's']);
    assert.equal(flag(b, 'recursive'), true);
    assert.equal(str(b, 'output'), 'f');
  });

  it('accumulates repeatable options in order', () => {
    const a = parseArgs(spec, ['-H', 'a: 1', 's', '--header', 'b: 2']);
    assert.deepEqual(list(a, 'header'), ['a: 1', 'b: 2']);
    assert.deepEqual(list(parseArgs(spec, ['s']), 'header'), []);
  });

  it('treats a lone - as a positional and stops at --', () => {
    assert.deepEqual(parseArgs(spec, ['-', 'x']).positionals, ['-', 'x']);
    assert.deepEqual(parseArgs(spec, ['--', '-r', '--quiet']).positionals, ['-r', '--quiet']);
  });

  it('rejects unknown options, missing values, repeated single values and bad counts with UsageError', () => {
    const bad: string[][] = [
      ['--nope', 's'],
      ['-z', 's'],
      ['s', '--output'],
      ['s', '-o'],
      ['--quiet=yes', 's'],
      ['-o', 'a', '-o', 'b', 's'],
      ['-or', 'f', 's'],
      [],
      ['a', 'b', 'c'],
    ];
    for (const argv of bad) assert.throws(() => parseArgs(spec, argv), UsageError, argv.join(' '));
    assert.throws(() => parseArgs(spec, ['--nope']), /pail demo: unknown option --nope/);
  });

  it('lets --help through without positionals', () => {
    const a = parseArgs(spec, ['--help']);
    assert.equal(flag(a, 'help'), true);
    assert.equal(flag(parseArgs(spec, ['-h']), 'help'), true);
  });

  it('keeps the raw argv for commands that forward it', () => {
    assert.deepEqual(parseArgs(spec, ['s', '-q']).rawArgv, ['s', '-q']);
  });
});

describe('formatHelp', () => {
  it('lists usage and every option with its placeholder', () => {
    const text = formatHelp(spec);
    assert.match(text, /^pail demo - a demo command\n/);
    assert.match(text, /pail demo SRC \[DST\]/);
    assert.match(text, /-o, --output FILE +output file/);
    assert.match(text, /--header H +a header \(repeatable\)/);
    assert.match(text, /-h, --help/);
  });
});
