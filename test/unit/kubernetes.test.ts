// deploy/kubernetes, rendered (test/support/kustomize.ts) with both optional components, without
// a cluster: every manifest validates against the Kubernetes schemas (kubernetes-models: the
// API's OpenAPI schemas compiled to validators), the probes, budgets and selectors fit together,
// and the processes are docker-compose.yml's: same commands, same settings, same ports and probes.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Job } from "kubernetes-models/batch/v1/Job";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Service } from "kubernetes-models/v1/Service";
import type * as v from "valibot";
import { parse } from "yaml";
import {
  controlPlaneSchema,
  dataPlaneSchema,
  migrateSchema,
  seedSchema,
  simulatorSchema,
} from "#shared/env/settings.ts";
import { type Manifest, renderKustomization } from "../support/kustomize.ts";

const root = join(import.meta.dir, "../..");
const base = join(root, "deploy/kubernetes");
const manifests = await renderKustomization(base, [
  join(base, "components/hpa"),
  join(base, "components/demo"),
]);
const compose = parse(await Bun.file(join(root, "docker-compose.yml")).text(), { merge: true });

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "apps/v1/Deployment": Deployment,
  "batch/v1/Job": Job,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
};

function validate(manifest: Manifest) {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!Model) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`);
  new Model(structuredClone(manifest) as never).validate();
}

const find = (kind: string, name: string) => {
  const found = manifests.find((item) => item.kind === kind && item.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
const podSpec = (workload: Manifest) => workload.spec.template.spec;
const container = (workload: Manifest) => podSpec(workload).containers[0];
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

/** Compose service → the workload that runs the same process, and the settings it reads. */
const PROCESSES: Record<
  string,
  { kind: string; name: string; schema: v.ObjectSchema<v.ObjectEntries, undefined> }
> = {
  migrate: { kind: "Job", name: "modelux-migrate", schema: migrateSchema },
  seed: { kind: "Job", name: "modelux-seed", schema: seedSchema },
  controlplane: { kind: "Deployment", name: "modelux-controlplane", schema: controlPlaneSchema },
  simulator: { kind: "Deployment", name: "modelux-simulator", schema: simulatorSchema },
  "dataplane-1": { kind: "Deployment", name: "modelux-dataplane", schema: dataPlaneSchema },
};
/** Compose's service names and the Kubernetes Services standing for them. */
const HOSTS: Record<string, string> = { simulator: "modelux-simulator" };

describe("deploy/kubernetes", () => {
  test("every rendered manifest validates against its Kubernetes schema", () => {
    expect(manifests.length).toBe(13);
    for (const manifest of manifests) {
      expect(() => validate(manifest)).not.toThrow();
    }
  });

  test("the schemas refuse a wrong manifest (the check can fail)", () => {
    const broken = structuredClone(find("Deployment", "modelux-dataplane"));
    broken.spec.replicas = "three";
    expect(() => validate(broken)).toThrow();
    const noSelector = structuredClone(find("PodDisruptionBudget", "modelux-dataplane"));
    noSelector.spec.maxUnavailable = { count: 1 };
    expect(() => validate(noSelector)).toThrow();
  });

  test("data planes: readiness on /readyz, liveness on /healthz, a budget, autoscaling", () => {
    const dataplane = find("Deployment", "modelux-dataplane");
    const main = container(dataplane);
    expect(main.readinessProbe.httpGet.path).toBe("/readyz");
    expect(main.livenessProbe.httpGet.path).toBe("/healthz");
    const pdb = find("PodDisruptionBudget", "modelux-dataplane");
    expect(matches(pdb.spec.selector.matchLabels, dataplane.spec.template.metadata.labels)).toBe(
      true,
    );
    expect(pdb.spec.maxUnavailable).toBe(1);
    const hpa = find("HorizontalPodAutoscaler", "modelux-dataplane");
    expect(hpa.spec.scaleTargetRef).toMatchObject({
      kind: "Deployment",
      name: "modelux-dataplane",
    });
    // A drain outlasts the shutdown grace (30 s) the data plane gives streams in flight.
    expect(podSpec(dataplane).terminationGracePeriodSeconds).toBeGreaterThan(30);
  });

  test("every container has requests and a memory limit, and runs as non-root on a read-only root", () => {
    for (const workload of manifests.filter(
      (item) => item.kind === "Deployment" || item.kind === "Job",
    )) {
      for (const each of podSpec(workload).containers) {
        expect([
          workload.metadata.name,
          each.resources.requests.cpu,
          each.resources.limits.memory,
        ]).toEqual([workload.metadata.name, expect.any(String), expect.any(String)]);
        expect(each.securityContext.readOnlyRootFilesystem).toBe(true);
        // What a process writes: its data dir (if it keeps one) and /tmp, both volumes.
        expect(each.volumeMounts.map((mount: { mountPath: string }) => mount.mountPath)).toContain(
          "/tmp",
        );
      }
      expect(podSpec(workload).securityContext.runAsNonRoot).toBe(true);
    }
  });

  test("every Service selects a workload's pods and names a port they open", () => {
    for (const service of manifests.filter((item) => item.kind === "Service")) {
      const workload = manifests.find(
        (item) =>
          item.kind === "Deployment" &&
          matches(service.spec.selector, item.spec.template.metadata.labels),
      );
      expect([service.metadata.name, workload?.metadata.name]).toEqual([
        service.metadata.name,
        expect.any(String),
      ]);
      const ports = container(workload as Manifest).ports.map(
        (port: { name: string }) => port.name,
      );
      for (const port of service.spec.ports) expect(ports).toContain(port.targetPort);
    }
  });

  describe.each(Object.keys(PROCESSES))("the same process as docker-compose.yml's %s", (name) => {
    const spec = PROCESSES[name] as (typeof PROCESSES)[string];
    const service = compose.services[name];
    const workload = find(spec.kind, spec.name);
    const main = container(workload);
    const configMap = find("ConfigMap", "modelux-config");
    const composeEnvironment: Record<string, string> = Object.fromEntries(
      Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value)]),
    );
    // A host name in compose (a bare name, or a URL's) → the Service standing for it.
    const mapHosts = (value: string) =>
      HOSTS[value] ??
      value.replace(
        /\/\/([a-z0-9-]+)([:/])/g,
        (_match, host: string, after: string) => `//${HOSTS[host] ?? host}${after}`,
      );

    test("runs the same command", () => {
      expect(main.command).toEqual(service.command);
    });

    test("sets the same settings: secrets from the Secret, the rest equal", () => {
      const names = (main.env ?? []).map((entry: { name: string }) => entry.name).sort();
      expect(names).toEqual(Object.keys(composeEnvironment).sort());
      const known = Object.keys(spec.schema.entries);
      for (const entry of (main.env ?? []) as Array<{
        name: string;
        value?: string;
        valueFrom?: Manifest;
      }>) {
        expect(known).toContain(entry.name);
        const composeValue = composeEnvironment[entry.name] ?? "";
        if (entry.name === "MODELUX_NODE_ID") {
          // One per node in compose; the pod's own name here.
          expect(entry.valueFrom?.fieldRef?.fieldPath).toBe("metadata.name");
        } else if (composeValue.startsWith("${") || entry.name === "DATABASE_URL") {
          // A secret: from the shell in compose, from the Secret here.
          expect(entry.valueFrom?.secretKeyRef?.name).toBe("modelux-secrets");
        } else if (entry.valueFrom?.configMapKeyRef) {
          const key = entry.valueFrom.configMapKeyRef.key;
          // NATS is compose's own container; here it is yours, named in the ConfigMap.
          if (entry.name !== "NATS_URL") expect(configMap.data[key]).toBe(mapHosts(composeValue));
          else expect(new URL(configMap.data[key]).protocol).toBe("nats:");
        } else {
          expect(entry.value).toBe(mapHosts(composeValue));
        }
      }
    });

    test("listens and is probed where compose listens and probes", () => {
      const composePorts = (service.ports ?? []).map((port: string) =>
        Number(port.split(":").at(-1)),
      );
      const ports = (main.ports ?? []).map((port: { containerPort: number }) => port.containerPort);
      expect(ports).toEqual(composePorts);
      const check = [service.healthcheck?.test ?? []].flat().join(" ");
      if (main.readinessProbe)
        expect(check).toContain(`:${ports[0]}${main.readinessProbe.httpGet.path}`);
      else expect(check).toBe("");
    });
  });
});
