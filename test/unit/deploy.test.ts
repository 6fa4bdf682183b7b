import { readFileSync } from 'node:fs';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

/**
 * The Kubernetes manifests (deploy/kubernetes): each object valid against the Kubernetes API's
 * schemas (kubernetes-models), and what the service needs of them: probes on /health and
 * /ready, a grace period longer than the drain, a migration Job on the same image, selectors
 * that select the Deployment's pods. (The compose file and the systemd unit are checked by
 * their own tools: .ci/deploy-files.)
 */
const documents = parseAllDocuments(readFileSync(new URL('../../deploy/kubernetes/sidebar.yaml', import.meta.url), 'utf8')).map((doc) => doc.toJS());
const byKind = (kind: string) => documents.find((doc) => doc.kind === kind);
const models: Record<string, new (value: never) => { validate(): void }> = {
  Deployment: Deployment as never,
  Service: Service as never,
  Job: Job as never,
  PodDisruptionBudget: PodDisruptionBudget as never,
  HorizontalPodAutoscaler: HorizontalPodAutoscaler as never,
};

describe('Kubernetes manifests', () => {
  it('hold a Deployment, Service, Job, PodDisruptionBudget and HorizontalPodAutoscaler, each valid against the API schemas', () => {
    expect(documents.map((doc) => doc.kind)).toEqual(['Deployment', 'Service', 'Job', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']);
    for (const doc of documents) {
      const Model = models[doc.kind as string];
      expect(Model, doc.kind).toBeDefined();
      expect(() => new (Model as NonNullable<typeof Model>)(doc as never).validate(), doc.kind).not.toThrow();
    }
    // The validation bites: a probe without a port is refused.
    const broken = structuredClone(byKind('Deployment'));
    broken.spec.template.spec.containers[0].livenessProbe.httpGet.port = undefined;
    expect(() => new Deployment(broken).validate()).toThrow();
  });

  it('the pods live on /health, are ready on /ready, drain within the grace period, and run read-only as a user', () => {
    const pod = byKind('Deployment').spec.template.spec;
    const [container] = pod.containers;
    expect(container.livenessProbe.httpGet.path).toBe('/health');
    expect(container.readinessProbe.httpGet.path).toBe('/ready');
    const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    const preStopMs = Number(/setTimeout\(\(\) => \{\}, (\d+)\)/.exec(container.lifecycle.preStop.exec.command.join(' '))?.[1]);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(env.SHUTDOWN_GRACE_MS) + preStopMs);
    expect(env.MIGRATE_ON_START).toBe('false');
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(container.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
  });

  it('the Job migrates with the same image and secrets; the Service, budget and autoscaler point at the Deployment', () => {
    const deployment = byKind('Deployment');
    const [serve] = deployment.spec.template.spec.containers;
    const [migrate] = byKind('Job').spec.template.spec.containers;
    expect(migrate.image).toBe(serve.image);
    expect(migrate.args).toEqual(['migrate']);
    expect(migrate.envFrom).toEqual(serve.envFrom);
    const labels = deployment.spec.template.metadata.labels;
    expect(byKind('Service').spec.selector).toEqual(labels);
    expect(byKind('PodDisruptionBudget').spec.selector.matchLabels).toEqual(labels);
    expect(byKind('HorizontalPodAutoscaler').spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(byKind('HorizontalPodAutoscaler').spec.minReplicas).toBeGreaterThanOrEqual(deployment.spec.replicas);
  });
});

/**
 * The operator's alerting rules (deploy/prometheus) and Grafana dashboard (deploy/grafana) ask
 * only for metrics the service exports: a metric renamed in the code must be renamed there too.
 * (promtool tests the rules' logic; test/prometheus runs every query against a real Prometheus.)
 */
describe('alert rules and dashboard', () => {
  const exported = async (): Promise<Set<string>> => {
    const { createMetrics } = await import('../../src/observability/metrics.js');
    const metrics = createMetrics({ defaultMetrics: true, settings: { refreshAlertSeconds: 30, refreshIntervalSeconds: 300 } });
    const names = new Set<string>();
    for (const metric of await metrics.registry.getMetricsAsJSON()) {
      names.add(metric.name);
      if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
    }
    return names;
  };
  const named = (expr: string) => [...expr.matchAll(/\b(?:sidebar|nodejs|process)_[a-z0-9_]+\b/g)].map((m) => m[0]);
  const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/dashboards/sidebar.json', import.meta.url), 'utf8')) as {
    panels: { type: string; title: string; targets?: { expr: string }[] }[];
  };
  const rules = parseAllDocuments(readFileSync(new URL('../../deploy/prometheus/alerts.yaml', import.meta.url), 'utf8'))[0]?.toJS() as {
    groups: { rules: { alert: string; expr: string }[] }[];
  };

  it('every metric the dashboard queries is exported, and every panel queries one', async () => {
    const names = await exported();
    const panels = dashboard.panels.filter((panel) => panel.type !== 'row');
    expect(panels.length).toBeGreaterThan(10);
    for (const panel of panels) {
      const asked = (panel.targets ?? []).flatMap((target) => named(target.expr));
      expect(asked.length, panel.title).toBeGreaterThan(0);
      for (const name of asked) expect(names.has(name), `${panel.title}: ${name}`).toBe(true);
    }
  });

  it('every metric the alert rules name is exported', async () => {
    const names = await exported();
    const all = rules.groups.flatMap((group) => group.rules);
    expect(all.length).toBeGreaterThanOrEqual(8);
    for (const rule of all) for (const name of named(rule.expr)) expect(names.has(name), `${rule.alert}: ${name}`).toBe(true);
    // The check bites: a name the service does not export is caught.
    expect(names.has('sidebar_refresh_seconds_total')).toBe(false);
  });
});
