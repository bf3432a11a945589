import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createProgress } from '../../src/cli/progress.js';

/** A writable that keeps what is written, posing as a terminal or not. */
class FakeStream extends Writable {
  readonly isTTY: boolean;
  readonly columns = 120;
  text = '';

  constructor(isTTY: boolean) {
    super();
    this.isTTY = isTTY;
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const asStream = (stream: FakeStream): NodeJS.WriteStream => stream as unknown as NodeJS.WriteStream;

/** A clock the test moves by hand, in milliseconds. */
function manualClock(): { now: () => number; set: (ms: number) => void } {
  let ms = 0;
  return { now: () => ms, set: (to) => (ms = to) };
}

describe('createProgress', () => {
  it('writes plain lines at most every two seconds, then a final line, when the stream is not a TTY', () => {
    const stream = new FakeStream(false);
    const clock = manualClock();
    const progress = createProgress({ label: 'import', total: 500_000, stream: asStream(stream), now: clock.now });
    clock.set(500);
    progress.update(12_000);
    assert.equal(stream.text, '', 'nothing before two seconds');
    clock.set(2000);
    progress.update(48_620);
    clock.set(3000);
    progress.update(70_000);
    clock.set(4000);
    progress.update(100_000, 2);
    clock.set(20_000);
    progress.update(500_000, 3);
    progress.finish();
    progress.finish();
    progress.update(1);
    assert.deepEqual(stream.text.split('\n'), [
      'import: 48620/500000 lines, 24,310/s, ETA 19s',
      'import: 100000/500000 lines, 25,000/s, ETA 16s, 2 failed',
      'import: 500000/500000 lines, 25,000/s, ETA 0s, 3 failed',
      'import: 500000/500000 lines in 20.0s, 25,000/s, 3 failed',
      '',
    ]);
    assert.doesNotMatch(stream.text, /\u001b/, 'no terminal escapes in plain output');
  });

  it('without a total, shows counts and rate but no ETA', () => {
    const stream = new FakeStream(false);
    const clock = manualClock();
    const progress = createProgress({ label: 'import', total: null, stream: asStream(stream), now: clock.now });
    clock.set(2000);
    progress.update(1000);
    clock.set(2500);
    progress.finish();
    assert.deepEqual(stream.text.split('\n'), ['import: 1000 lines, 500/s', 'import: 1000 lines in 2.5s, 400/s', '']);
  });

  it('draws a bar with done/total, rate and ETA on a TTY, and stops it on finish', () => {
    const stream = new FakeStream(true);
    const clock = manualClock();
    const progress = createProgress({ label: 'import', total: 200, stream: asStream(stream), now: clock.now });
    clock.set(1000);
    progress.update(100);
    clock.set(2000);
    progress.update(200, 1);
    progress.finish();
    assert.match(stream.text, /import .*200\/200 lines in 2\.0s, 100\/s, 1 failed/);
    assert.ok(stream.text.endsWith('\n'), 'the finished bar leaves the cursor on a new line');
  });

  it('writes to stderr by default, never to stdout', () => {
    const written = { stdout: '', stderr: '' };
    const stdoutWrite = process.stdout.write;
    const stderrWrite = process.stderr.write;
    const spy = (name: 'stdout' | 'stderr') =>
      ((chunk: string | Uint8Array) => {
        written[name] += chunk.toString();
        return true;
      }) as typeof process.stdout.write;
    process.stdout.write = spy('stdout');
    process.stderr.write = spy('stderr');
    try {
      const progress = createProgress({ label: 'import', total: 10 });
      progress.update(10);
      progress.finish();
    } finally {
      process.stdout.write = stdoutWrite;
      process.stderr.write = stderrWrite;
    }
    assert.equal(written.stdout, '');
    assert.match(written.stderr, /10\/10 lines/);
  });
});
