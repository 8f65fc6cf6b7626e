import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { hash, verify } from '@node-rs/argon2';
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
export const newPasswordSchema = z.string().min(12, `Use at least 12 characters. ${ADVICE}`).max(200, 'Use at most 200 characters.');

/** Whose password it is: their details are the first guesses of anyone who knows them. */
export interface PasswordOwner {
  email?: string | undefined;
  name?: string | undefined;
}

/**
 * Passwords guessed in fewer than about 10^8 tries (zxcvbn's score 3) are refused: that is what
 * an attacker with the common-password and breach lists and the person's name and address tries
 * first. Only the first characters are estimated and l33t substitutions are capped, as the
 * estimate's cost grows fast with both (seconds for 64 characters of a repeated "aB3$" otherwise),
 * and a strong start is strong enough.
 */
const MIN_SCORE = 3;
/**
 * Checks waiting for the one estimator thread, at most: beyond this a form is asked to be sent
 * again, so a flood of anonymous applications cannot make every other password check wait longer
 * and longer.
 */
export const MAX_WAITING_CHECKS = 32;
export const BUSY_MESSAGE = 'The site is busy checking other passwords. Wait a moment, then send the form again.';
class Busy extends Error {}
const ESTIMATED_LENGTH = 64;
const L33T_SUBSTITUTIONS = 10;

interface Estimate {
  score: number;
  /** The dictionaries its parts were found in (`userInputs` for the person's own details). */
  dictionaries: string[];
  patterns: string[];
}

/**
 * The estimator runs in a worker thread of its own, built on first use: its dictionaries take most
 * of a second to load and a check of a long, patterned password up to a few hundred milliseconds,
 * and neither start-up nor the other requests must wait for that. CommonJS source, as the
 * packages are CommonJS; their paths are resolved here so the worker finds them wherever it runs.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const core = require(workerData.core);
const common = require(workerData.common);
const en = require(workerData.en);
const zxcvbn = new core.ZxcvbnFactory({
  dictionary: { ...common.dictionary, ...en.dictionary },
  graphs: common.adjacencyGraphs,
  translations: en.translations,
  maxLength: workerData.maxLength,
  l33tMaxSubstitutions: workerData.l33t,
});
parentPort.on('message', ({ id, password, inputs }) => {
  try {
    const r = zxcvbn.check(password, inputs);
    parentPort.postMessage({ id, estimate: { score: r.score, dictionaries: r.sequence.map((m) => m.dictionaryName).filter(Boolean), patterns: r.sequence.map((m) => m.pattern) } });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message || err) });
  }
});
`;

let estimator: { worker: Worker; pending: Map<number, { resolve: (e: Estimate) => void; reject: (err: Error) => void }> } | undefined;
let nextId = 1;

function startEstimator() {
  const require = createRequire(import.meta.url);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      core: require.resolve('@zxcvbn-ts/core'),
      common: require.resolve('@zxcvbn-ts/language-common'),
      en: require.resolve('@zxcvbn-ts/language-en'),
      maxLength: ESTIMATED_LENGTH,
      l33t: L33T_SUBSTITUTIONS,
    },
  });
  const pending = new Map<number, { resolve: (e: Estimate) => void; reject: (err: Error) => void }>();
  const current = { worker, pending };
  const fail = (err: Error) => {
    if (estimator === current) estimator = undefined;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('message', (m: { id: number; estimate?: Estimate; error?: string }) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    // Idle, the worker must not keep a process (a CLI command, a test run) alive.
    if (pending.size === 0) worker.unref();
    if (m.estimate) p?.resolve(m.estimate);
    else p?.reject(new Error(`Password check failed: ${m.error}`));
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`Password check stopped (exit ${code})`)));
  worker.unref();
  return current;
}

/**
 * Starts loading the estimator without waiting for it: called when a page with a new-password
 * field is shown, so the check is ready by the time the person sends the form.
 */
export function warmPasswordCheck(): void {
  estimator ??= startEstimator();
}

function estimate(password: string, inputs: string[]): Promise<Estimate> {
  estimator ??= startEstimator();
  const { worker, pending } = estimator;
  if (pending.size >= MAX_WAITING_CHECKS) return Promise.reject(new Busy());
  const id = nextId++;
  return new Promise<Estimate>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    // While a check is waited for, the worker keeps the process alive.
    worker.ref();
    worker.postMessage({ id, password, inputs });
  });
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

function reason(result: Estimate): string {
  const dictionaries = new Set(result.dictionaries);
  const patterns = new Set(result.patterns);
  if (dictionaries.has('userInputs')) return 'It is built from your name or e-mail address, which anyone who knows you would try first.';
  if (dictionaries.has('passwords-common')) return 'It is one of the most common passwords, which are tried first.';
  if (patterns.has('repeat')) return 'Repeated words or characters are easy to guess.';
  if (patterns.has('sequence') || patterns.has('spatial')) return 'Sequences and keyboard patterns are easy to guess.';
  if (patterns.has('date')) return 'Dates and years are easy to guess.';
  return 'It would be guessed quickly.';
}

/**
 * Why this password must not be used (with advice), or undefined when it is strong enough.
 * The caller checks the length first (`newPasswordSchema`).
 */
export async function passwordWeakness(password: string, owner: PasswordOwner = {}): Promise<string | undefined> {
  const result = await estimate(password, ownerWords(owner));
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
  let weakness: string | undefined;
  try {
    weakness = await passwordWeakness(password, owner);
  } catch (err) {
    if (err instanceof Busy) return { ok: false, message: BUSY_MESSAGE };
    throw err;
  }
  if (weakness) return { ok: false, message: weakness };
  return { ok: true, hash: await hashPassword(password) };
}
