// The Kubernetes examples (examples/k8s) parse and validate: the core objects (Service, Job) and
// every pod template and resource block inside the Kubeflow objects against the Kubernetes
// OpenAPI schemas (kubernetes-models' validate()), and the dgm command each pod runs parses as
// `dgm launch` flags. No npm package carries the Kubeflow CRD schemas (PyTorchJob, TrainJob), so
// their own fields are checked here by name, as the operators read them.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Job } from 'kubernetes-models/batch/v1';
import { PodTemplateSpec, ResourceRequirements, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseCommandArgs } from '../src/args/command-spec.js';
import { COMMANDS } from '../src/commands/registry.js';

type Doc = Record<string, any>;

function manifests(name: string): Doc[] {
  const text = readFileSync(fileURLToPath(new URL(`../../../examples/k8s/${name}`, import.meta.url)), 'utf8');
  return parseAllDocuments(text).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as Doc;
  });
}

/** `dgm <argv>` must be `dgm launch` with flags dgm accepts. */
function expectLaunch(argv: string[]): void {
  expect(argv[0]).toBe('launch');
  const launch = COMMANDS.find((c) => c.spec.name === 'launch')!;
  expect(() => parseCommandArgs(launch.spec, argv.slice(1))).not.toThrow();
}

const envOf = (container: Doc) => Object.fromEntries((container.env ?? []).map((e: Doc) => [e.name, e.value ?? e.valueFrom]));

describe('examples/k8s', () => {
  it('indexed-job.yaml: a headless Service and an Indexed Job whose pods name rank 0 through it', () => {
    const [service, job] = manifests('indexed-job.yaml');
    new Service(service as never).validate();
    new Job(job as never).validate();
    expect(service.spec.clusterIP).toBe('None');
    expect(job.spec.completionMode).toBe('Indexed');
    const pod = job.spec.template.spec;
    expect(pod.subdomain).toBe(service.metadata.name);
    const [container] = pod.containers;
    expectLaunch(container.args);
    const env = envOf(container);
    expect(env.DGM_RANK).toEqual({ fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } });
    expect(env.DGM_WORLD_SIZE).toBe(String(job.spec.completions));
    expect(env.DGM_MASTER_ADDR).toBe(`${job.metadata.name}-0.${service.metadata.name}`);
    expect(Number(env.DGM_PORT)).toBe(service.spec.ports[0].port);
  });

  it('pytorchjob.yaml: a Kubeflow PyTorchJob whose pod templates are valid Kubernetes pods', () => {
    const [job] = manifests('pytorchjob.yaml');
    expect([job.apiVersion, job.kind]).toEqual(['kubeflow.org/v1', 'PyTorchJob']);
    const replicas = job.spec.pytorchReplicaSpecs;
    expect(Object.keys(replicas)).toEqual(['Master', 'Worker']);
    for (const spec of Object.values(replicas) as Doc[]) {
      new PodTemplateSpec(spec.template).validate();
      expect(Number.isInteger(spec.replicas)).toBe(true);
      const [container] = spec.template.spec.containers;
      // The operator finds its container by the name 'pytorch'.
      expect(container.name).toBe('pytorch');
      expectLaunch(container.args);
    }
    // MASTER_PORT is the master's container port named pytorchjob-port.
    expect(replicas.Master.template.spec.containers[0].ports).toEqual([{ containerPort: 23456, name: 'pytorchjob-port' }]);
  });

  it('trainjob.yaml: a Kubeflow TrainJob on the torch runtime', () => {
    const [job] = manifests('trainjob.yaml');
    expect([job.apiVersion, job.kind]).toEqual(['trainer.kubeflow.org/v1alpha1', 'TrainJob']);
    expect(job.spec.runtimeRef.name).toBe('torch-distributed');
    const trainer = job.spec.trainer;
    new ResourceRequirements(trainer.resourcesPerNode).validate();
    expect(Number.isInteger(trainer.numNodes) && Number.isInteger(trainer.numProcPerNode)).toBe(true);
    expect(trainer.command[0]).toBe('dgm');
    expectLaunch(trainer.command.slice(1));
  });

  it('the image they run: the Dockerfile copies what exists, installs with npm ci, runs dgm as a non-root user', () => {
    // No Docker engine runs here (the docker command is only a client), so the image is not built.
    const repo = fileURLToPath(new URL('../../../', import.meta.url));
    const lines = readFileSync(`${repo}Dockerfile`, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(lines[0]).toBe('FROM node:20-slim');
    for (const line of lines.filter((l) => l.startsWith('COPY '))) {
      for (const source of line.split(/\s+/).slice(1, -1)) expect(existsSync(`${repo}${source}`), source).toBe(true);
    }
    expect(lines.join('\n')).toMatch(/RUN npm ci /);
    expect(lines.join('\n')).toContain('ln -s /opt/dgm/packages/cli/bin/dgm.js /usr/local/bin/dgm');
    expect(existsSync(`${repo}packages/cli/bin/dgm.js`)).toBe(true);
    expect(lines).toContain('USER node');
    expect(lines.at(-2)).toBe('ENTRYPOINT ["dgm"]');
  });

  it('the validator refuses what Kubernetes would refuse', () => {
    const [, job] = manifests('indexed-job.yaml');
    expect(() => new Job({ ...job, spec: { ...job.spec, completions: 'two' } } as never).validate()).toThrow();
    const [container] = job.spec.template.spec.containers;
    expect(() => new PodTemplateSpec({ spec: { containers: [{ ...container, ports: [{ containerPort: 'x' }] }] } } as never).validate()).toThrow();
  });
});
