// What a person sees of a runtime process's log (coordinator or worker): its warnings and errors
// as sentences on the terminal, never the JSON lines that go to its log file. The line that logs
// the process's own final failure (an error with the `error` field: its class name) is left out:
// the CLI reports that failure itself, once, as the command's last word.
import type { EchoSink } from '@dgm/protocol/log';

export function humanEcho(forward: (level: 'warn' | 'error', message: string) => void, prefix = ''): EchoSink {
  return (level, message, fields) => {
    if (level === 'error' && typeof fields.error === 'string') return;
    const detail = typeof fields.reason === 'string' ? `: ${fields.reason}` : '';
    forward(level === 'error' ? 'error' : 'warn', `${prefix}${message}${detail}`);
  };
}
