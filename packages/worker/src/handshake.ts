// Joining a run: HELLO (with the config and manifest hashes when this worker has a config, and
// what it offers the data planes), and the coordinator's WELCOME. A WELCOME without a rank
// carries the coordinator's config: the worker builds its replica from it and says HELLO again
// with both hashes; a WELCOME with a rank admits it.
import { hostname } from 'node:os';
import { buildReplicaModel, disposeReplicaModel, type GradientReducer, type ReplicaModel } from '@dgm/core';
import type { WorkerPlanes } from '@dgm/plane';
import { checkRunConfig, configHash, type Message, type RunConfig, type WelcomeMessage } from '@dgm/protocol';
import type { Logger } from '@dgm/protocol/log';
import type { CurveKeyPair } from '@dgm/protocol/security';
import { CoordinatorMessageError } from './errors.js';

export interface Admission {
  rank: number;
  worldSize: number;
  run: string;
  config: RunConfig;
  parts: ReplicaModel;
}

export class Handshake {
  private config: RunConfig | null;
  /** The replica's model and Trainer, once there is a config. */
  parts: ReplicaModel | null = null;

  constructor(
    config: RunConfig | null,
    private run: string,
    private readonly send: (message: Message) => Promise<void>,
    private readonly planes: WorkerPlanes,
    private readonly reducer: GradientReducer,
    private readonly identity: { backend: string; device: string; sharedMemory: boolean; log: Logger; rank: number | null; coordinator: string; keyPair: CurveKeyPair | null; ringPorts: string },
  ) {
    this.config = config;
    if (config) this.parts = buildReplicaModel(config, reducer);
  }

  async hello(): Promise<void> {
    const offer = this.parts
      ? await this.planes.offer({
          gradSizes: this.parts.gradSizes,
          sharedMemory: this.identity.sharedMemory,
          coordinator: this.identity.coordinator,
          keyPair: this.identity.keyPair,
          ringPorts: this.identity.ringPorts,
          log: (msg, detail) => this.identity.log.info(msg, detail),
        })
      : { shmId: null, shmPath: null, ringAddress: null, ringKey: null };
    await this.send({
      type: 'HELLO',
      run: this.run,
      configHash: this.config ? configHash(this.config) : null,
      manifestHash: this.parts ? this.parts.manifestHash : null,
      backend: this.identity.backend,
      device: this.identity.device,
      pid: process.pid,
      host: hostname(),
      rank: this.identity.rank,
      ...offer,
    });
  }

  /** Handles a WELCOME: null while the handshake goes on, the admission once this worker has a rank. */
  async onWelcome(m: WelcomeMessage): Promise<Admission | null> {
    if (m.rank === null) {
      // The coordinator sent its config: build from it and present our manifest.
      const config = checkRunConfig(m.config);
      if (configHash(config) !== m.configHash) throw new CoordinatorMessageError('the config in WELCOME does not match its own hash');
      this.config = config;
      if (this.parts) disposeReplicaModel(this.parts);
      this.parts = buildReplicaModel(config, this.reducer);
      await this.hello();
      return null;
    }
    this.run = m.run;
    return { rank: m.rank, worldSize: m.worldSize, run: m.run, config: this.config!, parts: this.parts! };
  }
}
