import { describe, expect, it } from 'vitest';
import { chooseOutputMode, colorEnabled, formatDuration, formatPlainLine, formatProgressLine, RateMeter, Reporter, type StepProgress, type TextStream } from '../src/index.js';

const progress: StepProgress = { step: 30, totalSteps: 120, epoch: 1, totalEpochs: 3, losses: { loss: 143.2567, kl: 8.1234 }, imagesPerSec: 812.4, etaSeconds: 95 };

function buffer(isTTY = false, columns = 100): TextStream & { text: string } {
  const b = { text: '', isTTY, columns, write: (chunk: string) => (b.text += chunk) };
  return b;
}

describe('progress formatting', () => {
  it('formats durations', () => {
    expect([formatDuration(0), formatDuration(59.4), formatDuration(75), formatDuration(3725), formatDuration(NaN)]).toEqual(['0s', '59s', '1m15s', '1h02m', '--']);
  });

  it('draws step/total, epoch, losses, images/s and ETA on one line that fits the terminal', () => {
    const line = formatProgressLine(progress, 120, false);
    expect(line).toBe('[######..................] 30/120  epoch 1/3  loss=143.3 kl=8.123  812 img/s  ETA 1m35s');
    expect(formatProgressLine({ ...progress, losses: { loss: 1 } }, 120, false)).toMatch(/^\[######\.{18}\] 30\/120/);
    expect(formatProgressLine(progress, 60, false).length).toBeLessThan(60);
    expect(formatProgressLine(progress, 60, false)).toMatch(/^30\/120  epoch/);
    expect(formatProgressLine(progress, 120, true)).toContain('\x1b[32m');
  });

  it('writes plain lines for logs', () => {
    expect(formatPlainLine(progress)).toBe('step 30/120 (25%) epoch 1/3 loss=143.3 kl=8.123 812 img/s eta 1m35s');
  });

  it('says a run of N epochs is done at its last step, not "epoch N-1/N" (epochs count from 0)', () => {
    const last = { ...progress, step: 120, epoch: 2, etaSeconds: 0 };
    expect(formatPlainLine({ ...last, step: 119 })).toMatch(/^step 119\/120 \(99%\) epoch 2\/3 /);
    expect(formatPlainLine(last)).toBe('step 120/120 (100%) 3/3 epochs done loss=143.3 kl=8.123 812 img/s eta 0s');
    expect(formatProgressLine(last, 120, false)).toBe('[########################] 120/120  3/3 epochs done  loss=143.3 kl=8.123  812 img/s  ETA 0s');
    // A run given in steps has no epoch total: its last line keeps the step's epoch.
    expect(formatPlainLine({ ...last, totalEpochs: null })).toMatch(/^step 120\/120 \(100%\) epoch 2 /);
  });

  it('estimates speed and ETA from recent steps', () => {
    const meter = new RateMeter(64);
    expect(meter.etaSeconds(0, 10)).toBeNaN();
    meter.record(1, 1000);
    meter.record(2, 1500);
    meter.record(3, 2000);
    expect(meter.imagesPerSec()).toBeCloseTo(128);
    expect(meter.etaSeconds(3, 10)).toBeCloseTo(3.5);
  });
});

describe('Reporter', () => {
  it('picks json, bar or plain output, and colour only on a terminal without NO_COLOR', () => {
    expect(chooseOutputMode(true, buffer(true), buffer(true))).toBe('json');
    expect(chooseOutputMode(false, buffer(true), buffer(true))).toBe('tty');
    expect(chooseOutputMode(false, buffer(false), buffer(true))).toBe('plain');
    expect(colorEnabled('tty', {})).toBe(true);
    expect(colorEnabled('tty', { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled('plain', {})).toBe(false);
  });

  it('redraws the bar on stderr, clears it for messages and keeps results on stdout', () => {
    const stdout = buffer(true);
    const stderr = buffer(true, 120);
    let t = 0;
    const r = new Reporter({ mode: 'tty', stdout, stderr, color: false, now: () => t });
    r.progress(progress);
    t += 10;
    r.progress({ ...progress, step: 31 }); // throttled
    t += 200;
    r.progress({ ...progress, step: 32 });
    r.info('checkpoint written');
    r.result({ grid: 'g.png' }, ['Samples: g.png']);
    r.close();
    expect(stderr.text).toContain('\r\x1b[2K[');
    expect(stderr.text).not.toContain(' 31/120');
    expect(stderr.text).toContain(' 32/120');
    expect(stderr.text).toContain('\r\x1b[2Kcheckpoint written\n');
    expect(stdout.text).toBe('Samples: g.png\n');
  });

  it('prints only JSON lines on stdout in json mode', () => {
    const stdout = buffer();
    const stderr = buffer();
    const r = new Reporter({ mode: 'json', stdout, stderr, color: false });
    r.progress({ ...progress, etaSeconds: NaN });
    r.warn('slow disk');
    r.event('workers', { pids: [1, 2] });
    r.result({ elbo: -100 }, ['ignored']);
    expect(stderr.text).toBe('');
    const lines = stdout.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.event)).toEqual(['step', 'log', 'workers', 'result']);
    expect(lines[0]).toMatchObject({ step: 30, totalSteps: 120, etaSeconds: null, losses: { loss: 143.2567 } });
    expect(lines[3]).toEqual({ event: 'result', elbo: -100 });
  });

  it('writes plain progress at most once per interval, always the last step, and feeds the log sink', () => {
    const stderr = buffer();
    let t = 0;
    const logged: string[] = [];
    const r = new Reporter({ mode: 'plain', stdout: buffer(), stderr, color: false, plainIntervalMs: 1000, now: () => t });
    r.attachLog((level, message) => logged.push(`${level}:${message}`));
    for (let step = 1; step <= 120; step++) {
      t += 100;
      r.progress({ ...progress, step });
    }
    const lines = stderr.text.trim().split('\n');
    expect(lines.length).toBe(13);
    expect(lines.at(-1)).toMatch(/^step 120\/120 \(100%\)/);
    expect(logged.length).toBe(13);
    expect(stderr.text).not.toContain('\x1b');
  });
});
