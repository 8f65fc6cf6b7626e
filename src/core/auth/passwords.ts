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

/** One rule for every password a person chooses. */
export const newPasswordSchema = z
  .string()
  .min(12, 'Use at least 12 characters. A few unrelated words make a strong, memorable password.')
  .max(200, 'Use at most 200 characters.');
