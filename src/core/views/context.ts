import type { ComponentChildren } from 'preact';
import type { SessionUser } from '../auth/sessions.js';
import type { SiteSettings } from '../settings.js';

export interface MenuItem {
  title: string;
  href: string;
}

/** What every page's frame needs: the association's settings and its menu. */
export interface Chrome {
  settings: SiteSettings;
  menu: MenuItem[];
  logoUrl: string | null;
  /** The admin menu, from every module's manifest (core/module.ts). */
  adminMenu: readonly { href: string; title: string }[];
}

export interface Flash {
  kind: 'success' | 'error' | 'info';
  message: string;
}

export interface PageContext {
  chrome: Chrome;
  user: SessionUser | null;
  /** The CSRF token, present whenever the page may show a form (always for signed-in users). */
  csrf: string;
  path: string;
  flash: Flash | null;
}

export interface PageOptions {
  title: string;
  description?: string;
  body: ComponentChildren;
  status?: number;
  /** Render inside the admin frame, with its menu. */
  admin?: boolean;
  /** Do not show the page title as the H1 (the body has its own). */
  customHeading?: boolean;
}
