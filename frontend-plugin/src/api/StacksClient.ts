import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import {
  Fleet,
  Stack,
  StacksFilter,
  StackTemplate,
  StackTemplateVersion,
  UpgradePlan,
  UpgradeTask,
} from './types';

/** Stackyard's stacks API, /api/stacks/v1. */
export interface StacksApi {
  getTemplates(): Promise<StackTemplate[]>;
  getTemplateVersions(name: string): Promise<StackTemplateVersion[]>;
  getFleet(name: string, options?: { toVersion?: string }): Promise<Fleet>;
  getStacks(filter?: StacksFilter): Promise<Stack[]>;
  getStack(namespace: string, name: string): Promise<Stack>;
  /** Plans an upgrade; without toVersion, to the template's newest version. */
  planUpgrade(namespace: string, name: string, options?: { toVersion?: string }): Promise<UpgradePlan>;
  /** Starts an upgrade task; 409 when the plan digest is stale. */
  upgrade(namespace: string, name: string, request: { toVersion: string; planDigest: string }): Promise<UpgradeTask>;
}

export const stacksApiRef = createApiRef<StacksApi>({ id: 'plugin.stacks.service' });

/**
 * An error answer of the stacks API. message is the server's own message
 * from Backstage's error envelope ({error: {name, message}, response:
 * {statusCode}}), so it can be shown to people as it is.
 */
export class StacksApiError extends Error {
  /** The HTTP status, e.g. 409. */
  readonly statusCode: number;
  /** The envelope's error.name, e.g. ConflictError; or the status text. */
  readonly errorName: string;
  /** The request, e.g. "POST /stacks/default/checkout/upgrade". */
  readonly request: string;

  constructor(opts: { message: string; statusCode: number; errorName: string; request: string }) {
    super(opts.message);
    this.name = 'StacksApiError';
    this.statusCode = opts.statusCode;
    this.errorName = opts.errorName;
    this.request = opts.request;
  }

  /** Reads an error answer: the envelope's message, else the body's text, else the status. */
  static async fromResponse(res: Response, request: string): Promise<StacksApiError> {
    const text = await res.text().catch(() => '');
    let name = res.statusText || `HTTP ${res.status}`;
    let message = '';
    try {
      const body = JSON.parse(text);
      if (body && typeof body.error === 'object' && body.error) {
        if (typeof body.error.message === 'string') message = body.error.message;
        if (typeof body.error.name === 'string') name = body.error.name;
      }
    } catch {
      // not JSON: a proxy's page, say
    }
    if (!message) message = text.trim().slice(0, 500) || `${request} failed with ${res.status} ${res.statusText}`.trim();
    return new StacksApiError({ message, statusCode: res.status, errorName: name, request });
  }
}

/** Talks to the stacks plugin found through discovery (pluginId "stacks"). */
export class StacksClient implements StacksApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async getTemplates(): Promise<StackTemplate[]> {
    return (await this.get<{ items: StackTemplate[] }>('/templates')).items;
  }

  async getTemplateVersions(name: string): Promise<StackTemplateVersion[]> {
    return (await this.get<{ items: StackTemplateVersion[] }>(`/templates/${enc(name)}/versions`)).items;
  }

  async getFleet(name: string, options: { toVersion?: string } = {}): Promise<Fleet> {
    return this.get<Fleet>(`/templates/${enc(name)}/fleet${query({ toVersion: options.toVersion })}`);
  }

  async getStacks(filter: StacksFilter = {}): Promise<Stack[]> {
    const q = query({ owner: filter.owner, template: filter.template, behind: filter.behind ? 'true' : undefined });
    return (await this.get<{ items: Stack[] }>(`/stacks${q}`)).items;
  }

  async getStack(namespace: string, name: string): Promise<Stack> {
    return this.get<Stack>(`/stacks/${enc(namespace)}/${enc(name)}`);
  }

  async planUpgrade(namespace: string, name: string, options: { toVersion?: string } = {}): Promise<UpgradePlan> {
    const body = options.toVersion ? { toVersion: options.toVersion } : {};
    return this.send<UpgradePlan>('POST', `/stacks/${enc(namespace)}/${enc(name)}/plan`, body);
  }

  async upgrade(namespace: string, name: string, request: { toVersion: string; planDigest: string }): Promise<UpgradeTask> {
    return this.send<UpgradeTask>('POST', `/stacks/${enc(namespace)}/${enc(name)}/upgrade`, {
      toVersion: request.toVersion,
      planDigest: request.planDigest,
    });
  }

  private async get<T>(path: string): Promise<T> {
    return this.send<T>('GET', path);
  }

  private async send<T>(method: string, path: string, body?: unknown): Promise<T> {
    const base = `${await this.discoveryApi.getBaseUrl('stacks')}/v1`;
    const init: RequestInit = { method, headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers = { ...init.headers, 'Content-Type': 'application/json' };
      init.body = JSON.stringify(body);
    }
    const res = await this.fetchApi.fetch(`${base}${path}`, init);
    if (!res.ok) throw await StacksApiError.fromResponse(res, `${method} ${path}`);
    return (await res.json()) as T;
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
