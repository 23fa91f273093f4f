import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { PersistedQueryNotInList, type Logger } from '@roombook/kernel';
import { Counter, Gauge, type Registry } from 'prom-client';
import { readPersistedQueryManifest, type PersistedQueryManifest } from './persistedQueryManifest';

/** `enforce`: only the manifest's operations run; `audit`: any runs, the others are counted; `off`: no manifest. */
export type TrustedDocumentsMode = 'enforce' | 'audit' | 'off';

/** What an operation request carries that trusted documents look at (a POST body, a GET's parameters, a graphql-ws payload). */
export interface OperationRequest {
  readonly query?: unknown;
  readonly operationName?: unknown;
  readonly extensions?: unknown;
}

/** Several changes to the manifest in a row (an editor, a copy) are read once. */
const RELOAD_DEBOUNCE_MS = 50;

/**
 * The operations this router trusts: Apollo's persisted-query manifest, named by
 * PERSISTED_DOCUMENTS_PATH. `admit` decides on a request before anything parses it: an operation
 * sent by id (`extensions.persistedQuery.sha256Hash`) runs the manifest's text for that id, one
 * sent as text runs when that exact text is in the manifest, and anything else is refused
 * (enforce) or served and counted (audit). The manifest is read again when its file changes
 * or on SIGHUP, without a restart; a new file that is not a manifest leaves the last good one in place.
 */
export class TrustedDocuments {
  private manifest: PersistedQueryManifest = { byId: new Map(), bodies: new Set() };
  private watcher: FSWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private readonly onHangUp = () => void this.reload();
  private readonly outcomes: Counter<'outcome'>;
  private readonly reloads: Counter<'result'>;

  private constructor(
    readonly mode: TrustedDocumentsMode,
    private readonly path: string | undefined,
    private readonly log: Logger,
    registry: Registry,
  ) {
    this.outcomes = new Counter({
      name: 'router_trusted_documents_total',
      help: 'Operations checked against the trusted documents: hit (in the manifest), miss (not in it, served in audit mode), refused (not in it, enforce mode)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.reloads = new Counter({
      name: 'router_trusted_documents_reloads_total',
      help: 'Times the trusted documents manifest was read again after a change or SIGHUP: ok, or failed (the previous one stays)',
      labelNames: ['result'],
      registers: [registry],
    });
    const manifest = () => this.manifest;
    new Gauge({
      name: 'router_trusted_documents_operations',
      help: 'Operations in the trusted documents manifest in use',
      registers: [registry],
      collect() {
        this.set(manifest().byId.size);
      },
    });
  }

  /** Reads the manifest (when the mode uses one) and starts following its file; a missing or bad file throws. */
  static async start(
    options: { readonly mode: TrustedDocumentsMode; readonly path: string | undefined },
    log: Logger,
    registry: Registry,
  ): Promise<TrustedDocuments> {
    const trusted = new TrustedDocuments(options.mode, options.path, log, registry);
    if (options.mode === 'off' || !options.path) return trusted;
    trusted.use(await readPersistedQueryManifest(options.path));
    trusted.follow(options.path);
    return trusted;
  }

  /**
   * The request to run: for an operation in the manifest, its text from the manifest and no
   * `persistedQuery` extension left (so APQ neither checks nor registers it). A request that is
   * not an operation (no text, no id: the explorer's page) passes unchanged, for the next step to answer.
   * @throws PersistedQueryNotInList in enforce mode for any other operation.
   */
  admit<Request extends OperationRequest>(request: Request): Request {
    if (this.mode === 'off') return request;
    const id = persistedQueryId(request.extensions);
    if (id === undefined && typeof request.query !== 'string') return request;
    const body = id !== undefined ? this.manifest.byId.get(id) : (request.query as string);
    if (body !== undefined && (id !== undefined || this.manifest.bodies.has(body))) {
      this.outcomes.inc({ outcome: 'hit' });
      return { ...withoutPersistedQuery(request), query: body };
    }
    if (this.mode === 'audit') {
      this.outcomes.inc({ outcome: 'miss' });
      return request;
    }
    this.outcomes.inc({ outcome: 'refused' });
    const named = typeof request.operationName === 'string' ? `Operation ${request.operationName}` : 'This operation';
    throw new PersistedQueryNotInList(
      `${named} (${id !== undefined ? `id ${id}` : 'sent as text'}) is not in the trusted documents manifest; ` +
        'PERSISTED_DOCUMENTS_MODE=enforce runs only the operations the manifest lists',
    );
  }

  /** Reads the manifest again now (SIGHUP, a change on disk). */
  async reload(): Promise<void> {
    if (!this.path) return;
    try {
      this.use(await readPersistedQueryManifest(this.path));
      this.reloads.inc({ result: 'ok' });
      this.log.info({ path: this.path, operations: this.manifest.byId.size }, 'trusted documents manifest reloaded');
    } catch (error) {
      this.reloads.inc({ result: 'failed' });
      this.log.error(
        { err: error, path: this.path },
        'trusted documents manifest not reloaded; the previous one stays',
      );
    }
  }

  stop(): void {
    this.watcher?.close();
    clearTimeout(this.reloadTimer);
    process.off('SIGHUP', this.onHangUp);
  }

  private use(manifest: PersistedQueryManifest): void {
    this.manifest = manifest;
  }

  /**
   * Watches the manifest's folder rather than the file: a deployment replaces the file (a new
   * inode: a ConfigMap's symlink swap, `mv`), which a watch on the old file would not see.
   */
  private follow(path: string): void {
    const name = basename(path);
    this.watcher = watch(dirname(path), (_event, changed) => {
      if (changed !== null && changed !== name && !changed.startsWith('..')) return;
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => void this.reload(), RELOAD_DEBOUNCE_MS);
    });
    this.watcher.on('error', (error) =>
      this.log.error({ err: error, path }, 'cannot watch the trusted documents manifest'),
    );
    process.on('SIGHUP', this.onHangUp);
  }
}

function persistedQueryId(extensions: unknown): string | undefined {
  if (typeof extensions !== 'object' || extensions === null) return undefined;
  const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
  if (typeof persisted !== 'object' || persisted === null) return undefined;
  const hash = (persisted as { sha256Hash?: unknown }).sha256Hash;
  return typeof hash === 'string' ? hash : undefined;
}

/** The request without `extensions.persistedQuery` (and without `extensions` when nothing else was in it). */
function withoutPersistedQuery<Request extends OperationRequest>(request: Request): Request {
  const { extensions, ...rest } = request;
  if (typeof extensions !== 'object' || extensions === null) return request;
  const { persistedQuery: _used, ...others } = extensions as Record<string, unknown>;
  return (Object.keys(others).length > 0 ? { ...rest, extensions: others } : rest) as Request;
}
