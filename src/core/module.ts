import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import type { Config } from '#src/config.js';
import type { Sessions } from './auth/sessions.js';
import type { Clock } from './clock.js';
import type { Db, Dialect } from './db/index.js';
import type { Migrations } from './db/migrations/index.js';
import type { DB } from './db/schema.js';
import type { EventHandlers, Events } from './events/index.js';
import type { Jobs } from './jobs/index.js';
import type { Mailer } from './mail/index.js';
import type { TemplateDefinition } from './mail/templates.js';
import type { Secrets } from './secrets.js';
import type { SiteState } from './settings.js';
import type { MenuItem } from './views/context.js';
import type { SessionUser } from './auth/sessions.js';

/**
 * The module contract (decision 0029). A module is a folder under `src/modules/` whose `index.ts`
 * exports one manifest made with `defineModule`: what it needs from other modules, the API it
 * gives them, and everything it plugs into the site. `createHeadworks` loops over the list of
 * manifests; nothing else in the composition root knows a module.
 *
 * Modules name their public API here by declaration merging, so core never imports a module:
 *
 *     declare module '../../core/module.js' {
 *       interface ModuleApis { site: SiteApi }
 *     }
 */
export interface ModuleApis {}

export type ModuleName = keyof ModuleApis;

/** The shared machinery every module may use. */
export interface Core {
  config: Config;
  db: Db;
  dialect: Dialect;
  clock: Clock;
  state: SiteState;
  sessions: Sessions;
  jobs: Jobs;
  mailer: Mailer;
  /** Domain events (core/events, decision 0026): a module emits its own inside the transaction that caused them. */
  events: Events;
  secrets: Secrets;
  /** Every module's section of the account page, in order (filled once all modules are made). */
  accountSections(request: FastifyRequest, reply: FastifyReply): Promise<ComponentChildren>;
}

/** An entry of the admin menu; entries are shown by `order` (then as listed). */
export interface AdminMenuEntry {
  href: string;
  title: string;
  order: number;
}

/** What a module's parts after `create` receive: its own API, the shared machinery, and the APIs it said it needs. */
export interface ModuleContext<Name extends ModuleName, Needs extends ModuleName> {
  api: ModuleApis[Name];
  core: Core;
  needs: Pick<ModuleApis, Needs>;
}

/** What a module draws on the signed-in user's account page, in `order` among the modules' sections. */
export interface AccountSection<Name extends ModuleName, Needs extends ModuleName> {
  order: number;
  render(context: ModuleContext<Name, Needs>, request: FastifyRequest, reply: FastifyReply): Promise<ComponentChildren>;
}

/** A module's migrations, in the one list ordered by name that core's and every module's make together (names never change once released). */
export type ModuleMigrations = Migrations;

/**
 * What the site's frame asks of the modules (at most one module answers each): the public menu,
 * whether a user has members-only access now, whether an admin must set up two-factor sign-in.
 */
export interface SiteHooks {
  publicMenu(members: boolean): Promise<MenuItem[]>;
  memberAccess(user: SessionUser): Promise<boolean>;
  adminMustSetUpTwoFactor(user: SessionUser): Promise<boolean>;
}

export interface ModuleManifest<Name extends ModuleName, Needs extends ModuleName> {
  name: Name;
  /** The other modules whose APIs `create` receives (they must come earlier in the list). */
  needs: readonly Needs[];
  /** The tables this module owns: only its own files write them (checked by test/boundaries.test.ts). */
  tables: readonly (keyof DB)[];
  migrations?: ModuleMigrations;
  /** The module's automatic e-mails, which admins can reword (core/mail/templates.ts). */
  templates?: readonly TemplateDefinition[];
  /** Make the module's services (registering its jobs and schedules) and return its API. */
  create(core: Core, needs: Pick<ModuleApis, Needs>): ModuleApis[Name] | Promise<ModuleApis[Name]>;
  /** Fill a new site with the module's starting content: run once per start, under the start lock, after the migrations. */
  seed?(context: ModuleContext<Name, Needs>): Promise<void>;
  /** The module's HTTP routes. Everything under /admin needs an admin, everything under /account a signed-in user (core/http/areas.ts); handlers there read the user with `userOf(request)`. */
  routes?(app: FastifyInstance, context: ModuleContext<Name, Needs>): Promise<void>;
  adminMenu?: readonly AdminMenuEntry[];
  accountSection?: AccountSection<Name, Needs>;
  hooks?(context: ModuleContext<Name, Needs>): Partial<SiteHooks>;
  /**
   * How the module reacts to other modules' domain events: a handler per event name, run inside
   * the emitting transaction (a handler that throws undoes the change that emitted it).
   * Registered once every module is made, in the order of the list of modules.
   */
  events?(context: ModuleContext<Name, Needs>): EventHandlers;
}

export type AnyModule = {
  [N in ModuleName]: ModuleManifest<N, ModuleName>;
}[ModuleName];

/** Checks a manifest's types; `needs` and the API are inferred from it. */
export function defineModule<Name extends ModuleName, Needs extends ModuleName = never>(manifest: ModuleManifest<Name, Needs>): ModuleManifest<Name, Needs> {
  return manifest;
}

/** The admin menu of every module, in order. */
export function adminMenuOf(modules: readonly { adminMenu?: readonly AdminMenuEntry[] }[]): AdminMenuEntry[] {
  return modules
    .flatMap((m) => m.adminMenu ?? [])
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => a.entry.order - b.entry.order || a.index - b.index)
    .map(({ entry }) => entry);
}
