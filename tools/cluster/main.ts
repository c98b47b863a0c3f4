// `node tools/dist/cluster/main.js up|exec|down|list`: a simulated cluster of network-namespace
// hosts on this machine (simulated-cluster.ts), for trying multi-host runs and benchmarks by hand.
// Needs root. Every mistake is one sentence and exit code 2 (the flags: ../bench/bench-args.ts).
import { spawnSync } from 'node:child_process';
import { readBenchArgs, refuse } from '../bench/bench-args.js';
import { SimulatedCluster } from './simulated-cluster.js';

const USAGE = 'node tools/dist/cluster/main.js up --hosts N [--rate 1gbit] [--id ID] [--shm-size 2g] | exec --id ID HOST -- COMMAND [ARGS...] | down --id ID | down --all | list';
const ABOUT = `  up     make N hosts; prints the id and each host's address
  exec   run a command on host HOST (name or index)
  down   remove a cluster (its processes too)
  list   the clusters on this machine`;

function run(argv: string[]): number {
  // What follows `--` is the command to run on a host, never flags of this script.
  const dash = argv.indexOf('--');
  const own = dash === -1 ? argv : argv.slice(0, dash);
  const command = dash === -1 ? [] : argv.slice(dash + 1);
  const { values, positionals: [verb, ...positionals] } = readBenchArgs({ usage: USAGE, about: ABOUT, config: {
    args: own,
    allowPositionals: true,
    options: { hosts: { type: 'string' }, rate: { type: 'string' }, id: { type: 'string' }, all: { type: 'boolean' }, 'shm-size': { type: 'string' } },
  } });
  switch (verb) {
    case 'up': {
      const hosts = Number(values.hosts);
      if (values.hosts === undefined || !Number.isInteger(hosts)) refuse('up needs --hosts N (a whole number of hosts)');
      const cluster = SimulatedCluster.up({ hosts, rate: values.rate, id: values.id, shmSize: values['shm-size'] });
      console.log(`cluster ${cluster.id}: ${hosts} host(s)${values.rate ? `, links shaped to ${values.rate}` : ''}`);
      for (const h of cluster.hosts) console.log(`  ${h.name}  ${h.address}  (${h.iface})`);
      return 0;
    }
    case 'exec': {
      if (!values.id || positionals.length !== 1 || command.length === 0) refuse('exec needs --id ID, one host and -- COMMAND');
      const cluster = SimulatedCluster.attach(values.id);
      const which = positionals[0]!;
      const host = cluster.hosts.find((h) => h.name === which || String(h.record.index) === which);
      if (!host) refuse(`no host '${which}' in cluster ${values.id} (hosts: ${cluster.hosts.map((h) => h.name).join(', ')})`);
      const [file, ...args] = host.commandLine(command[0]!, command.slice(1));
      return spawnSync(file!, args, { stdio: 'inherit' }).status ?? 1;
    }
    case 'down': {
      const ids = values.all ? SimulatedCluster.ids() : values.id ? [values.id] : null;
      if (!ids) refuse('down needs --id ID or --all');
      for (const id of ids) SimulatedCluster.attach(id).down();
      return 0;
    }
    case 'list':
      for (const id of SimulatedCluster.ids()) {
        const c = SimulatedCluster.attach(id);
        console.log(`${id}: ${c.hosts.map((h) => `${h.name} ${h.address}`).join(', ')}${c.record.rate ? ` (${c.record.rate})` : ''}`);
      }
      return 0;
    default:
      refuse(`${verb ? `unknown command '${verb}'` : 'a command is needed'}; usage: ${USAGE}`);
  }
}

try {
  process.exitCode = run(process.argv.slice(2));
} catch (e) {
  // What SimulatedCluster refuses (a rate, an unknown id): one sentence, exit code 2 like the flags'.
  console.error((e as Error).message);
  process.exitCode = 2;
}
