import { StacksApiError, StacksClient } from './StacksClient';
import { getStackRef, isStackAvailable, templateName } from '../annotations';
import { compareVersions } from '../components/common/semver';
import { Entity } from '@backstage/catalog-model';

type Call = { url: string; init?: RequestInit };

function client(responses: Array<{ status: number; body: unknown }>) {
  const calls: Call[] = [];
  const discoveryApi = { getBaseUrl: async (id: string) => `http://stackyard.test/api/${id}` };
  const fetchApi = {
    fetch: async (url: string, init?: RequestInit) => {
      calls.push({ url, init });
      const r = responses.shift()!;
      return new Response(typeof r.body === 'string' ? r.body : JSON.stringify(r.body), {
        status: r.status,
        statusText: r.status === 409 ? 'Conflict' : 'OK',
        headers: { 'Content-Type': 'application/json' },
      });
    },
  };
  return { api: new StacksClient({ discoveryApi, fetchApi: fetchApi as any }), calls };
}

describe('StacksClient', () => {
  it('finds the stacks plugin through discovery and reads /v1', async () => {
    const { api, calls } = client([{ status: 200, body: { items: [{ name: 'web-service' }] } }]);
    const templates = await api.getTemplates();
    expect(templates.map(t => t.name)).toEqual(['web-service']);
    expect(calls[0].url).toBe('http://stackyard.test/api/stacks/v1/templates');
    expect(calls[0].init?.method).toBe('GET');
  });

  it('encodes path segments and query parameters', async () => {
    const { api, calls } = client([
      { status: 200, body: { template: 't', toVersion: '2.0.0', total: 0, groups: {} } },
      { status: 200, body: { items: [] } },
    ]);
    await api.getFleet('web service', { toVersion: '2.0.0' });
    await api.getStacks({ owner: 'group:default/team-a', template: 'web-service', behind: true });
    expect(calls[0].url).toBe('http://stackyard.test/api/stacks/v1/templates/web%20service/fleet?toVersion=2.0.0');
    expect(calls[1].url).toBe(
      'http://stackyard.test/api/stacks/v1/stacks?owner=group%3Adefault%2Fteam-a&template=web-service&behind=true',
    );
  });

  it('POSTs a plan and an upgrade with the plan digest', async () => {
    const { api, calls } = client([
      { status: 200, body: { status: 'ready', digest: 'sha256:abc', to: '2.0.0' } },
      { status: 202, body: { taskId: 't1', stack: 'default/checkout', toVersion: '2.0.0', branch: 'b' } },
    ]);
    const plan = await api.planUpgrade('default', 'checkout', { toVersion: '2.0.0' });
    const task = await api.upgrade('default', 'checkout', { toVersion: plan.to, planDigest: plan.digest });
    expect(calls[0].url).toBe('http://stackyard.test/api/stacks/v1/stacks/default/checkout/plan');
    expect(calls[0].init?.method).toBe('POST');
    expect(JSON.parse(String(calls[0].init?.body))).toEqual({ toVersion: '2.0.0' });
    expect(calls[1].url).toBe('http://stackyard.test/api/stacks/v1/stacks/default/checkout/upgrade');
    expect(JSON.parse(String(calls[1].init?.body))).toEqual({ toVersion: '2.0.0', planDigest: 'sha256:abc' });
    expect(task.taskId).toBe('t1');
  });

  it("throws the envelope's message, name and status", async () => {
    const { api } = client([
      {
        status: 409,
        body: {
          error: { name: 'ConflictError', message: 'the upgrade plan of default/checkout changed since it was made' },
          response: { statusCode: 409 },
        },
      },
    ]);
    const err = await api.upgrade('default', 'checkout', { toVersion: '2.0.0', planDigest: 'x' }).catch(e => e);
    expect(err).toBeInstanceOf(StacksApiError);
    expect(err.message).toBe('the upgrade plan of default/checkout changed since it was made');
    expect(err.errorName).toBe('ConflictError');
    expect(err.statusCode).toBe(409);
  });

  it('falls back to the body or the status when there is no envelope', async () => {
    const { api } = client([{ status: 502, body: 'Bad Gateway from the proxy' }]);
    const err = await api.getTemplates().catch(e => e);
    expect(err.message).toBe('Bad Gateway from the proxy');
    expect(err.statusCode).toBe(502);
  });
});

describe('annotations', () => {
  const entity = (annotations?: Record<string, string>): Entity => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'checkout', annotations },
  });

  it('reads stackyard.dev/stack', () => {
    expect(isStackAvailable(entity({ 'stackyard.dev/stack': 'default/checkout' }))).toBe(true);
    expect(isStackAvailable(entity({}))).toBe(false);
    expect(isStackAvailable(entity())).toBe(false);
    expect(getStackRef(entity({ 'stackyard.dev/stack': 'team/checkout' }))).toEqual({ namespace: 'team', name: 'checkout' });
    expect(getStackRef(entity({ 'stackyard.dev/stack': 'checkout' }))).toEqual({ namespace: 'default', name: 'checkout' });
    expect(templateName('template:default/web-service')).toBe('web-service');
  });

  it('orders versions semantically', () => {
    expect(['1.10.0', '1.2.0', '2.0.0', '2.0.0-rc.1'].sort(compareVersions)).toEqual([
      '1.2.0',
      '1.10.0',
      '2.0.0-rc.1',
      '2.0.0',
    ]);
  });
});
