import { createRequire } from 'node:module';
import { hash, verify } from '@node-rs/argon2';
import type { ZxcvbnFactory, ZxcvbnResult } from '@zxcvbn-ts/core';
import { z } from 'zod';

// 2 is Algorithm.Argon2id (a const enum, which this build setting cannot import).
const OPTIONS = { algorithm: 2 } as const;

export const hashPassword = (password: string) => hash(password, OPTIONS);

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  // Without a hash we still spend the time of one verify, so timing does not tell who exists.
  if (!passwordHash) {
    dummyHash ??= hashPassword('not-a-real-password-just-for-timing');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

const ADVICE = 'A few unrelated words make a strong, memorable password.';

/**
 * The first half of the one rule for every password a person chooses: its length, checked with
 * the form. The second half, how easy it is to guess for someone who knows the person, needs their
 * details and is checked by `chooseNewPassword` before the password is kept.
 */
export const newPasswordSchema = z
  .string()
  .min(12, `Use at least 12 characters. ${ADVICE}`)
  .max(200, 'Use at most 200 characters.');

/** Whose password it is: their details are the first guesses of anyone who knows them. */
export interface PasswordOwner {
  email?: string | undefined;
  name?: string | undefined;
}

/**
 * Passwords guessed in fewer than about 10^8 tries (zxcvbn's score 3) are refused: that is what
 * an attacker with the common-password and breach lists and the person's name and address tries
 * first. Only the first characters are estimated, as the estimate's cost grows fast with length
 * and a strong start is strong enough.
 */
const MIN_SCORE = 3;
const ESTIMATED_LENGTH = 64;

let estimator: ZxcvbnFactory | undefined;

/** Built on first use: its dictionaries take most of a second to load, which start-up must not pay. */
function loadEstimator(): ZxcvbnFactory {
  if (estimator) return estimator;
  // CommonJS packages, loaded only now (an import at the top would load them at start).
  const require = createRequire(import.meta.url);
  const core = require('@zxcvbn-ts/core') as typeof import('@zxcvbn-ts/core');
  const common = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
  const en = require('@zxcvbn-ts/language-en') as typeof import('@zxcvbn-ts/language-en');
  estimator = new core.ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
    maxLength: ESTIMATED_LENGTH,
  });
  return estimator;
}

/** The words of a person's details an attacker would try: the address, its parts, the name and its words. */
function ownerWords(owner: PasswordOwner): string[] {
  const words = new Set<string>();
  const add = (w: string | undefined) => {
    const v = w?.trim().toLowerCase();
    if (v && v.length >= 3) words.add(v);
  };
  if (owner.email) {
    const address = owner.email.toLowerCase();
    const [local, domain] = address.split('@');
    add(address);
    add(local);
    for (const part of (local ?? '').split(/[._+-]+/)) add(part);
    // The domain's own name (not "org", "com"): an agency's name is a guess too.
    for (const part of (domain ?? '').split('.').slice(0, -1)) add(part);
  }
  if (owner.name) {
    add(owner.name);
    add(owner.name.replace(/\s+/g, ''));
    for (const part of owner.name.split(/[\s.,'-]+/)) add(part);
  }
  return [...words];
}

function reason(result: ZxcvbnResult): string {
  const dictionaries = new Set(result.sequence.map((m) => ('dictionaryName' in m ? m.dictionaryName : undefined)));
  if (dictionaries.has('userInputs')) return 'It is built from your name or e-mail address, which anyone who knows you would try first.';
  if (dictionaries.has('passwords-common')) return 'It is one of the most common passwords, which are tried first.';
  if (result.sequence.some((m) => m.pattern === 'repeat')) return 'Repeated words or characters are easy to guess.';
  if (result.sequence.some((m) => m.pattern === 'sequence' || m.pattern === 'spatial')) return 'Sequences and keyboard patterns are easy to guess.';
  if (result.sequence.some((m) => m.pattern === 'date')) return 'Dates and years are easy to guess.';
  return 'It would be guessed quickly.';
}

/**
 * Why this password must not be used (with advice), or undefined when it is strong enough.
 * The caller checks the length first (`newPasswordSchema`).
 */
export async function passwordWeakness(password: string, owner: PasswordOwner = {}): Promise<string | undefined> {
  const zxcvbn = loadEstimator();
  const result = zxcvbn.check(password, ownerWords(owner));
  if (result.score >= MIN_SCORE) return undefined;
  return `This password is too easy to guess. ${reason(result)} ${ADVICE}`;
}

/**
 * The only way to keep a password a person chose: it must be strong enough for its owner, then it
 * is hashed. Passwords that are not chosen by a person (test fixtures, timing stand-ins) use `hashPassword`.
 */
export async function chooseNewPassword(password: string, owner: PasswordOwner): Promise<{ ok: true; hash: string } | { ok: false; message: string }> {
  const length = newPasswordSchema.safeParse(password);
  if (!length.success) return { ok: false, message: length.error.issues[0]?.message ?? 'Choose another password.' };
  const weakness = await passwordWeakness(password, owner);
  if (weakness) return { ok: false, message: weakness };
  return { ok: true, hash: await hashPassword(password) };
}
