import os from 'node:os';
import { tf } from '@dgm/core';

/** What a figure was measured on, printed next to it: the machine is shared and noisy. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  tfjs: string;
  loadAverage: [number, number, number];
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  const [l1, l5, l15] = os.loadavg();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    tfjs: tf.version_core,
    loadAverage: [round2(l1!), round2(l5!), round2(l15!)],
  };
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
